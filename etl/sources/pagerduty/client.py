"""The official ``pagerduty.RestApiV2Client``, made safe for a cron job.

Left alone, the client retries a 429 without limit and sleeps its own exponential timer,
ignoring ``ratelimit-reset``. Here every response passes through ``postprocess``, which
turns a 429 or a 5xx into a signal caught by ``request``: 429s wait ``ratelimit-reset``
seconds (else back off) and 5xx back off exponentially with jitter, each with a capped
number of retries, after which the last response is returned and :class:`PagerDutyApi`
raises a typed, secret-free :mod:`etl.errors` exception. Network errors and timeouts are
retried here too (the base client would sleep on its own clock). Every request has a
timeout.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pagerduty
from opskpi.config.secrets import Secret
from opskpi.etl.errors import (
    ConfigurationError,
    DataError,
    HttpError,
    RateLimitedError,
    ServerHttpError,
    TransportError,
)

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
BODY_CHARS = 300


class _RetrySignal(Exception):
    """Raised from ``postprocess`` so the base client's own retry loop never runs."""

    def __init__(self, response: httpx2.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class CappedRetryClient(pagerduty.RestApiV2Client):
    """``RestApiV2Client`` with capped retries that honour ``ratelimit-reset``.

    Plain ``http://`` is accepted for loopback hosts only (the simulator); anything else must
    be ``https://`` as the base client requires.
    """

    max_429_retries = 5
    max_5xx_retries = 3
    max_network_retries = 2  # connection refused/reset, timeouts
    max_reset_wait = 120.0  # seconds: never trust a huge ratelimit-reset blindly
    backoff_base = 1.0
    max_network_attempts = 0  # the base client's own network loop: raise at once, retry here

    def __init__(
        self,
        token: str,
        base_url: str,
        *,
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(token, base_url=base_url)
        self.timeout = timeout
        self.retry = {}
        self._sleep = sleep
        self.http_requests = 0  # attempts, retries included

    @property
    def url(self) -> str:
        return self._url

    @url.setter
    def url(self, value: str) -> None:
        parts = urlsplit(value)
        if not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)):
            raise ConfigurationError(
                f"sources.pagerduty.base_url: expected an https:// URL (http:// only on "
                f"127.0.0.1/localhost), got {value!r}"
            )
        self._url = value.rstrip("/")

    def postprocess(self, response: httpx2.Response, suffix: str | None = None) -> None:
        super().postprocess(response, suffix)
        if response.status_code == 429 or response.status_code >= 500:
            raise _RetrySignal(response)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx2.Response:  # type: ignore[override]
        retries = {"429": 0, "5xx": 0, "network": 0}
        while True:
            self.http_requests += 1
            try:
                return super().request(method, url, **kwargs)
            except _RetrySignal as signal:
                response = signal.response
                kind = "429" if response.status_code == 429 else "5xx"
                cap = self.max_429_retries if kind == "429" else self.max_5xx_retries
                if retries[kind] >= cap:
                    return response
                retries[kind] += 1
                self._sleep(self.wait_for(response, retries[kind]))
            except pagerduty.Error as exc:
                network = isinstance(exc.__cause__, httpx2.TransportError)
                if not network or retries["network"] >= self.max_network_retries:
                    raise
                retries["network"] += 1
                self._sleep(self.backoff(retries["network"]))

    def wait_for(self, response: httpx2.Response, attempt: int) -> float:
        """``ratelimit-reset`` for a 429 that carries it, else exponential backoff + jitter."""
        if response.status_code == 429:
            reset = response.headers.get("ratelimit-reset")
            try:
                seconds = float(reset) if reset is not None else None
            except ValueError:
                seconds = None
            if seconds is not None and seconds >= 0:
                return min(seconds, self.max_reset_wait)
        return self.backoff(attempt)

    def backoff(self, attempt: int) -> float:
        """Exponential with jitter: about 1, 2, 4 … seconds."""
        backoff = self.backoff_base * 2 ** (attempt - 1)
        return min(backoff * (1 + 0.25 * random.random()), self.max_reset_wait)


def error_message(response: httpx2.Response, what: str) -> str:
    body = response.text.strip().replace("\n", " ")
    if len(body) > BODY_CHARS:
        body = body[: BODY_CHARS - 1] + "…"
    return f"PagerDuty {what}: HTTP {response.status_code}: {body}"


class PagerDutyApi:
    """JSON in, JSON out; every failure is an :mod:`etl.errors` exception with a safe message."""

    def __init__(
        self,
        base_url: str,
        secret: Secret,
        *,
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.secret = secret
        self.client = CappedRetryClient(secret.reveal(), base_url, timeout=timeout, sleep=sleep)

    @property
    def requests(self) -> int:
        return self.client.http_requests

    def close(self) -> None:
        self.client.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._call("GET", path, params=params or {})

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", path, json=body)

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        what = f"{method} {path}"
        try:
            response = self.client.request(method, path, **kwargs)
        except pagerduty.HttpError as exc:  # the base client raises on 401 and 3xx itself
            status = exc.response.status_code
            reason = (
                f"the token {self.secret.last4} was refused (wrong token or wrong base_url?)"
                if status == 401
                else "unexpected redirect (is base_url the API's address?)"
            )
            raise HttpError(
                self._safe(f"PagerDuty {what}: HTTP {status}: {reason}"), status=status
            ) from None
        except (pagerduty.Error, httpx2.HTTPError) as exc:
            cause = exc.__cause__ if isinstance(exc.__cause__, httpx2.HTTPError) else exc
            detail = f"{type(cause).__name__}: {cause}".rstrip(": ")
            raise TransportError(
                self._safe(f"PagerDuty {what}: no answer after retries ({detail})")
            ) from None
        status = response.status_code
        if status == 429:
            raise RateLimitedError(
                self._safe(error_message(response, what) + " (retries exhausted)"),
                status=status,
                response=response,
            )
        if status >= 500:
            raise ServerHttpError(
                self._safe(error_message(response, what) + " (retries exhausted)"),
                status=status,
                response=response,
            )
        if not response.is_success:
            raise HttpError(
                self._safe(error_message(response, what)), status=status, response=response
            )
        try:
            body = response.json()
        except (json.JSONDecodeError, ValueError):
            raise DataError(self._safe(f"PagerDuty {what}: the answer is not JSON")) from None
        if not isinstance(body, dict):
            raise DataError(f"PagerDuty {what}: expected a JSON object, got {type(body).__name__}")
        return body

    def _safe(self, message: str) -> str:
        token = self.secret.reveal()
        return message.replace(token, self.secret.last4) if token else message
