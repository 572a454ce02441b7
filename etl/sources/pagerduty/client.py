"""The official ``pagerduty.RestApiV2Client``, made safe for a cron job.

Left alone, the client retries a 429 without limit and sleeps its own exponential timer,
ignoring ``ratelimit-reset``. Here every response passes through ``postprocess``, which turns
a status the shared policy (``etl.http.policy``) retries into a signal caught by ``request``;
the policy decides how many retries each kind of failure gets and how long to wait (a 429
waits ``ratelimit-reset``), exactly as for the other connectors. Network errors and timeouts
are retried the same way (the base client would sleep on its own clock). Once the retries are
spent the last response is returned and :class:`PagerDutyApi` raises the typed, secret-free
:mod:`etl.errors` exception built by ``etl.http.messages``. Every request has a timeout.

Several workers send the details requests at once (``etl.http.inflight``): :class:`PagerDutyApi`
gives each thread a client of its own, all on one policy, so they share the source's throttle
(960 requests a minute, a 429 holds them all; ``etl.http.throttle``).
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx2
import pagerduty

from opskpi.config.secrets import Secret
from opskpi.etl.errors import DataError, HttpError, TransportError
from opskpi.etl.http.messages import http_error, not_json_message, transport_error_message, where
from opskpi.etl.http.policy import Retries, RetryPolicy, classify
from opskpi.etl.http.redaction import Redactor
from opskpi.etl.http.transport import require_https

SOURCE = "pagerduty"


class _RetrySignal(Exception):
    """Raised from ``postprocess`` so the base client's own retry loop never runs."""

    def __init__(self, response: httpx2.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class CappedRetryClient(pagerduty.RestApiV2Client):
    """``RestApiV2Client`` retrying as the shared :class:`RetryPolicy` says.

    Plain ``http://`` is accepted for loopback hosts only (the simulator); anything else must
    be ``https://`` as the base client requires.
    """

    max_network_attempts = 0  # the base client's own network loop: raise at once, retry here

    def __init__(
        self,
        secret: Secret,
        base_url: str,
        *,
        timeout: float,
        policy: RetryPolicy,
    ) -> None:
        super().__init__(secret.reveal(), base_url=base_url)
        self.timeout = timeout  # type: ignore[assignment]  # declared int upstream; httpx2 takes float
        self.retry = {}  # the base client's per-status table: empty, the policy decides
        self.policy = policy
        self.redact = Redactor([secret])
        self.http_requests = 0  # attempts, retries included (this thread's)
        self.last_retries: Retries = policy.start()  # those of the latest request

    @property
    def url(self) -> str:
        return self._url or ""  # set by the base constructor through the setter below

    @url.setter
    def url(self, value: str) -> None:
        self._url = require_https(value, "sources.pagerduty.base_url").rstrip("/")

    def postprocess(self, response: httpx2.Response, suffix: str | None = None) -> None:
        super().postprocess(response, suffix)
        if classify(response.status_code) is not None:
            raise _RetrySignal(response)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx2.Response:  # type: ignore[override]
        """The response once it is not retried any more (a success, or an error status whose
        retries are spent); raises ``pagerduty.Error`` for a network error past its retries,
        and ``pagerduty.HttpError`` for a 401 or a redirect (the base client's own checks)."""
        retries = self.last_retries = self.policy.start()
        while True:
            self.policy.pace()  # the source's budget, shared by its workers
            self.http_requests += 1
            try:
                return super().request(method, url, **kwargs)
            except _RetrySignal as signal:
                response = signal.response
                kind = classify(response.status_code)
                assert kind is not None  # postprocess signals retryable statuses only
                request = response.request
                if not retries.again(
                    kind,
                    self.where(request.method, str(request.url)),
                    f"status {response.status_code}",
                    response.headers,
                ):
                    return response
            except pagerduty.Error as exc:
                cause = exc.__cause__
                if not isinstance(cause, httpx2.TransportError) or not retries.again(
                    "transport",
                    self.where(method, request_url(cause, self.normalize_url(url))),
                    type(cause).__name__,
                ):
                    raise

    def where(self, method: str, url: str) -> str:
        """``pagerduty: METHOD safe-url`` (see ``etl.http.messages.where``)."""
        return where(SOURCE, method, self.redact.url(url))


def request_url(exc: BaseException, fallback: str) -> str:
    """The URL (query included) of the request a transport error was raised for."""
    try:
        request = exc.request  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):  # httpx2 raises RuntimeError when none is set
        return fallback
    return str(request.url) if isinstance(request, httpx2.Request) else fallback


class PagerDutyApi:
    """JSON in, JSON out; every failure is an :mod:`etl.errors` exception with a safe message.

    Safe to call from several threads: each gets its own :class:`CappedRetryClient` (its own
    connections and retry count), all on the one policy."""

    def __init__(
        self, base_url: str, secret: Secret, *, timeout: float, policy: RetryPolicy
    ) -> None:
        self.secret = secret
        self.base_url, self.timeout, self.policy = base_url, timeout, policy
        self._clients: list[CappedRetryClient] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self.redact = self.client.redact

    @property
    def client(self) -> CappedRetryClient:
        """The calling thread's client."""
        client: CappedRetryClient | None = getattr(self._local, "client", None)
        if client is None:
            client = CappedRetryClient(
                self.secret, self.base_url, timeout=self.timeout, policy=self.policy
            )
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    @property
    def requests(self) -> int:
        """Attempts made by every thread's client, retries included."""
        with self._lock:
            return sum(client.http_requests for client in self._clients)

    def close(self) -> None:
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._call("GET", path, params=params or {})

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", path, json=body)

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        client = self.client
        url = client.normalize_url(path)
        try:
            response = client.request(method, path, **kwargs)
        except pagerduty.HttpError as exc:  # the base client raises on 401 and 3xx itself
            raise self._refused(exc) from None
        except (pagerduty.Error, httpx2.HTTPError) as exc:
            cause = exc.__cause__ if isinstance(exc.__cause__, httpx2.HTTPError) else exc
            retries = self.client.last_retries.made["transport"]
            full = request_url(cause, url)
            message = transport_error_message(self.redact, SOURCE, method, full, cause, retries)
            raise TransportError(message) from None
        if not response.is_success:
            raise self._error(response)
        try:
            body = response.json()
        except (json.JSONDecodeError, ValueError):
            full = str(response.request.url)
            message = not_json_message(
                self.redact, SOURCE, method, full, response.status_code, response.text
            )
            raise DataError(message) from None
        if not isinstance(body, dict):
            what = self.client.where(method, str(response.request.url))
            raise DataError(f"{what}: expected a JSON object, got {type(body).__name__}")
        return body

    def _refused(self, exc: pagerduty.HttpError) -> HttpError:
        response = exc.response
        assert isinstance(response, httpx2.Response)  # always set on a pagerduty.HttpError
        hint = (
            f"the token {self.secret.last4} was refused (wrong token or wrong base_url?)"
            if response.status_code == 401
            else "unexpected redirect (is base_url the API's address?)"
        )
        return self._error(response, hint=hint)

    def _error(self, response: httpx2.Response, hint: str | None = None) -> HttpError:
        kind = classify(response.status_code)
        request = response.request
        return http_error(
            self.redact,
            SOURCE,
            request.method,
            str(request.url),
            response.status_code,
            response.text,
            reason=response.reason_phrase,
            retries=self.client.last_retries.made[kind] if kind else 0,
            hint=hint,
            response=response,
        )
