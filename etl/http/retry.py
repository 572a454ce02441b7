"""An explicit, capped retry policy (after python-pagerduty's per-status ``retry`` table).

* 429: wait what the server says (``Retry-After``, ``ratelimit-reset``, ``X-RateLimit-Reset``,
  ``X-RateLimit-Period-In-Sec``), capped, else back off; at most ``rate_limit_retries`` times,
  because a cron job must finish.
* 5xx except 501 (not implemented will not start working) and dropped, refused or timed-out
  connections: exponential backoff with jitter, at most ``server_retries`` /
  ``transport_retries`` times.
* Anything else (4xx) is not retried: a 400 is a bug in the request, never "end of data".

``sleep`` is injectable so tests never wait.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Literal

RetryKind = Literal["rate_limit", "server", "transport"]

# Header names in the order they are trusted; values are seconds unless noted.
RATE_LIMIT_HEADERS = (
    "Retry-After",  # seconds or an HTTP date (RFC 9110)
    "ratelimit-reset",  # PagerDuty: seconds until the window resets
    "X-RateLimit-Reset",  # seconds, or an epoch timestamp on some APIs
    "X-RateLimit-Period-In-Sec",  # Opsgenie: the throttle period
)


def classify(status: int) -> RetryKind | None:
    """The per-status table: which responses are worth another attempt."""
    if status == 429:
        return "rate_limit"
    if 500 <= status < 600 and status != 501:
        return "server"
    return None


def _seconds(name: str, raw: str, now: float) -> float | None:
    raw = raw.strip()
    try:
        value = float(raw)
    except ValueError:
        if name.lower() != "retry-after":
            return None
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - now)
    if value != value or value < 0:  # NaN or negative
        return None
    if value > 1_000_000_000:  # an epoch timestamp (seconds or milliseconds)
        value = value / 1000 if value > 100_000_000_000 else value
        return max(0.0, value - now)
    return value


def rate_limit_wait(
    headers: Mapping[str, str],
    now: float | None = None,
    names: tuple[str, ...] = RATE_LIMIT_HEADERS,
) -> float | None:
    """Seconds the server asks us to wait, from the first usable header among ``names``."""
    now = time.time() if now is None else now
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in names:
        raw = lowered.get(name.lower())
        if raw:
            seconds = _seconds(name, raw, now)
            if seconds is not None:
                return seconds
    return None


@dataclass
class RetryPolicy:
    rate_limit_retries: int = 5
    server_retries: int = 4
    transport_retries: int = 4
    base_delay: float = 0.5  # first backoff, doubled per attempt
    max_delay: float = 30.0  # one backoff never exceeds this
    max_rate_limit_wait: float = 120.0  # a server-requested wait is capped at this
    jitter: float = 0.25  # ± fraction of each delay
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def retries_for(self, kind: RetryKind) -> int:
        return {
            "rate_limit": self.rate_limit_retries,
            "server": self.server_retries,
            "transport": self.transport_retries,
        }[kind]

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter for retry number ``attempt`` (1-based)."""
        delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return self._jittered(delay)

    def delay(
        self, kind: RetryKind, attempt: int, headers: Mapping[str, str] | None = None
    ) -> float:
        """How long to sleep before retry ``attempt`` of a failure of ``kind``."""
        # a 429 names its reset in several ways; a 503 may carry Retry-After (other rate-limit
        # headers ride on every response there, so they say nothing about the failure)
        names = RATE_LIMIT_HEADERS if kind == "rate_limit" else ("Retry-After",)
        if headers and kind != "transport":
            asked = rate_limit_wait(headers, names=names)
            if asked is not None:
                # a small positive jitter so many clients do not return at the same instant
                return min(self.max_rate_limit_wait, asked) + self.rng.uniform(0, self.base_delay)
        return self.backoff(attempt)

    def wait(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)

    def _jittered(self, delay: float) -> float:
        spread = delay * self.jitter
        return max(0.0, delay + self.rng.uniform(-spread, spread))
