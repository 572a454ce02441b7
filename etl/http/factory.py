"""Build the ``HttpClient`` of a configured source: its base URL, secret, timeout, request
counting into the run's ``SyncContext``, and the source's error hints."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from opskpi.config import Settings
from opskpi.config.secrets import SecretError
from opskpi.etl.context import SyncContext
from opskpi.etl.errors import ConfigurationError
from opskpi.etl.http.client import HttpClient
from opskpi.etl.http.retry import RetryPolicy


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
    config = getattr(settings.model.sources, source)
    try:
        secret = settings.secret(source)
    except SecretError as exc:
        raise ConfigurationError(str(exc)) from None

    def count(_endpoint: str) -> None:
        ctx.requests += 1

    return HttpClient(
        config.base_url,
        secret=secret,
        auth_scheme=auth_scheme,
        timeout=config.timeout.seconds or 30.0,
        ca_bundle=settings.resolve(ca_bundle) if ca_bundle else None,
        retry=retry,
        session=session,
        on_request=count,
        status_hints=status_hints,
        name=source,
    )
