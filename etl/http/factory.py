"""What a configured API source needs to talk HTTP, built from the settings in one place: its
base URL, secret, timeout, retry policy with the source's throttle (``max_requests_per_minute``)
and the number of its requests in flight (``concurrency``) (:func:`source_http`), the
``HttpClient`` made of them with request counting into the run's ``SyncContext``
(:func:`source_client`), and the redactor that keeps every configured secret out of messages
(:func:`secrets_redactor`).

The PagerDuty connector, which talks through the official client, takes the same
:class:`SourceHttp`, so both HTTP stacks follow one policy (``etl.http.policy``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from opskpi.config import Settings
from opskpi.config.secrets import Secret, SecretError
from opskpi.config.vocabulary import API_SOURCES  # the sources with a secret
from opskpi.etl.context import SyncContext
from opskpi.etl.errors import ConfigurationError
from opskpi.etl.http.client import HttpClient
from opskpi.etl.http.policy import RetryPolicy
from opskpi.etl.http.redaction import Redactor
from opskpi.etl.http.throttle import Throttle
from opskpi.etl.http.transport import require_https

DEFAULT_TIMEOUT = 30.0  # seconds


@dataclass(frozen=True)
class SourceHttp:
    """``[sources.<name>]`` as an HTTP connector uses it."""

    name: str
    base_url: str
    secret: Secret
    timeout: float  # seconds, for connect and for each read
    policy: RetryPolicy  # with the source's throttle, shared by its workers
    also: tuple[Secret, ...] = ()  # parts of the secret that must not show either (JSM)
    concurrency: int = 1  # requests in flight at once (the per-object detail requests)

    @property
    def redactor(self) -> Redactor:
        return Redactor([self.secret, *self.also])


def source_http(settings: Settings, source: str, *, retry: RetryPolicy | None = None) -> SourceHttp:
    """The HTTP settings of ``source``; ``retry`` replaces the default policy (tests inject
    one whose ``sleep`` records the waits). The policy gets a :class:`Throttle` of
    ``[sources.<source>] max_requests_per_minute`` unless it comes with one."""
    config = getattr(settings.model.sources, source)
    if config is None:
        raise ConfigurationError(f"{settings.origin}: [sources.{source}] is not configured")
    # before the secret is even read: a token never goes over plain http to another host
    base_url = require_https(config.base_url, f"sources.{source}.base_url")
    try:
        secret, *also = settings.secrets(source)
    except SecretError as exc:
        raise ConfigurationError(str(exc)) from None
    policy = retry if retry is not None else RetryPolicy()
    if policy.throttle is None:
        policy = replace(policy, throttle=Throttle(config.max_requests_per_minute or None))
    return SourceHttp(
        name=source,
        base_url=base_url,
        secret=secret,
        timeout=config.timeout.seconds or DEFAULT_TIMEOUT,
        policy=policy,
        also=tuple(also),
        concurrency=config.concurrency,
    )


def request_counter(ctx: SyncContext) -> Callable[[str], None]:
    """Counts every attempt into ``ctx.requests``, from any worker thread."""
    lock = threading.Lock()

    def count(_endpoint: str) -> None:
        with lock:
            ctx.requests += 1

    return count


def source_client(
    settings: Settings,
    source: str,
    ctx: SyncContext,
    *,
    auth_scheme: str,
    ca_bundle: str | Path | None = None,
    retry: RetryPolicy | None = None,
    session: Any = None,
    status_hints: Mapping[int, str] | None = None,
) -> HttpClient:
    """The client for ``[sources.<source>]``; every attempt counts in ``ctx.requests``."""
    http = source_http(settings, source, retry=retry)
    return HttpClient(
        http.base_url,
        secret=http.secret,
        auth_scheme=auth_scheme,
        timeout=http.timeout,
        ca_bundle=settings.resolve(ca_bundle) if ca_bundle else None,
        retry=http.policy,
        session=session,
        on_request=request_counter(ctx),
        status_hints=status_hints,
        name=source,
        redact_also=http.also,
    )


def public_client(
    settings: Settings,
    source: str,
    ctx: SyncContext,
    base_url: str,
    *,
    key: str,
    retry: RetryPolicy | None = None,
    session: Any = None,
) -> HttpClient:
    """A client for a public endpoint of ``source`` on another host (JSM: the site's
    ``/_edge/tenant_info``): the source's policy and timeout, no credential sent; messages
    still keep the source's secrets out. ``base_url`` follows the https rule too (what it
    answers decides where the credential goes next): a refusal names the config ``key``
    (``sources.jsm.site``)."""
    http = source_http(settings, source, retry=retry)  # the source's own base_url first
    require_https(base_url, key)
    return HttpClient(
        base_url,
        timeout=http.timeout,
        retry=http.policy,
        session=session,
        on_request=request_counter(ctx),
        name=source,
        redact_also=(http.secret, *http.also),
    )


def secrets_redactor(settings: Settings) -> Redactor:
    """A redactor of every secret of the configured API sources; a secret that cannot be read
    cannot leak, so it is skipped."""
    redactor = Redactor()
    for source in API_SOURCES:
        if getattr(settings.model.sources, source, None) is None:
            continue
        try:
            for secret in settings.secrets(source):
                redactor.add(secret)
        except SecretError:
            continue
    return redactor
