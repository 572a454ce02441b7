"""The one retry policy of every connector (after python-pagerduty's per-status ``retry`` table).

Both HTTP stacks, ``etl.http.client`` (requests) and the PagerDuty wrapper
(``etl.sources.pagerduty.client``, around the official client), ask this module three
questions: is this failure worth another attempt (:func:`classify`), how many attempts of its
kind are allowed (:meth:`RetryPolicy.retries_for`), and how long to wait first
(:meth:`RetryPolicy.delay`). :class:`Retries` counts one logical request's retries against the
policy, logs each one, and sleeps.

The table (``RetryPolicy()``):

* 429: at most 5 retries, because a cron job must finish. Each waits what the server says
  (``Retry-After``, ``ratelimit-reset``, ``X-RateLimit-Reset``, ``X-RateLimit-Period-In-Sec``),
  capped at 120 s, else backs off.
* 5xx except 501 (not implemented will not start working): at most 4 retries, backing off; a
  ``Retry-After`` on the response is honoured.
* A dropped, refused or timed-out connection: at most 4 retries, backing off.
* Anything else (4xx, 501) is not retried: a 400 is a bug in the request, never "end of data".

Backoff is exponential from 1 s (1, 2, 4, 8 … s, each capped at 30 s) with up to 25 % added
at random, never subtracted: a retry never comes before its nominal time. A wait the server
named is used as given (capped), without jitter: it is the server's own schedule.

A source's workers (its detail requests run several at once) share its policy, and with it
its :class:`~opskpi.etl.http.throttle.Throttle`: every attempt first takes a place in the
source's per-minute budget (:meth:`RetryPolicy.pace`), and a worker waiting out a 429 holds
every other worker of the source until it is done: the budget is the credential's.

``sleep`` and ``rng`` are injectable so tests never wait and can fix the jitter.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Literal

from opskpi.etl.http.throttle import Throttle

log = logging.getLogger(__name__)

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
    """How many retries each kind of failure gets and how long to wait before each."""

    rate_limit_retries: int = 5
    server_retries: int = 4
    transport_retries: int = 4
    base_delay: float = 1.0  # first backoff, doubled per attempt
    max_delay: float = 30.0  # one backoff never exceeds this (before jitter)
    max_rate_limit_wait: float = 120.0  # a server-requested wait is capped at this
    jitter: float = 0.25  # up to this fraction of a backoff is added at random
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    # the source's request pace, shared by its workers (etl/http/factory.py sets it from
    # [sources.<name>] max_requests_per_minute); None: no cap, and nobody else to hold
    throttle: Throttle | None = None

    def retries_for(self, kind: RetryKind) -> int:
        return {
            "rate_limit": self.rate_limit_retries,
            "server": self.server_retries,
            "transport": self.transport_retries,
        }[kind]

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter for retry number ``attempt`` (1-based)."""
        delay = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return delay + self.rng.uniform(0, delay * self.jitter)

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
                return min(self.max_rate_limit_wait, asked)
        return self.backoff(attempt)

    def wait(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)

    def pace(self) -> None:
        """Before every attempt: wait for the source's throttle (a place in its per-minute
        budget, and no other worker waiting out a 429)."""
        if self.throttle is not None:
            self.throttle.acquire()

    def start(self) -> Retries:
        """The retry count of one logical request (a fresh one per request)."""
        return Retries(self)


class Retries:
    """One logical request's retries, counted per kind against a :class:`RetryPolicy`."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.made: Counter[RetryKind] = Counter()

    def again(
        self,
        kind: RetryKind,
        where: str,
        reason: str,
        headers: Mapping[str, str] | None = None,
    ) -> bool:
        """Wait and return True if one more attempt after a failure of ``kind`` is allowed;
        False (without waiting) once its retries are spent.

        ``where`` (``source: METHOD safe-url``) and ``reason`` (``status 503``,
        ``ReadTimeout``) only go into the log line, so they must already be redacted.
        """
        limit = self.policy.retries_for(kind)
        if self.made[kind] >= limit:
            return False
        self.made[kind] += 1
        delay = self.policy.delay(kind, self.made[kind], headers)
        log.warning("%s: %s, retry %d/%d in %.1fs", where, reason, self.made[kind], limit, delay)
        throttle = self.policy.throttle
        if kind == "rate_limit" and throttle is not None:
            with throttle.holding():  # the credential's budget: every worker waits it out
                self.policy.wait(delay)
        else:
            self.policy.wait(delay)
        return True
