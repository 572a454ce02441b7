"""The pace of one source's requests, shared by every worker sending them.

A source's detail requests run on several workers at once (``etl.http.inflight``); the API's
limits are per credential, so the workers share one :class:`Throttle`, owned by the source's
:class:`~opskpi.etl.http.policy.RetryPolicy`:

* **at most** ``per_minute`` **request starts in any 60 s** (``[sources.<name>]
  max_requests_per_minute``; PagerDuty allows 960 a minute per API key). A sliding window:
  a burst of up to ``per_minute`` goes at once, then each start waits for the one
  ``per_minute`` starts before it to be a minute old. Every attempt counts, retries and
  429s included, as the API counts them.
* **a 429 holds every worker**: the worker that got it waits what the server named (the
  policy's wait, ``ratelimit-reset`` / ``Retry-After``), and while it waits no other worker
  of the source starts a request; they resume when it (and any other worker waiting out a
  429) is done. The budget is the credential's, so one worker's 429 is everyone's.

Waiting for the window uses the real clock; waiting for a held 429 is blocking on the holder,
which waits through the policy's own ``sleep`` (so tests that record the policy's waits never
wait, and see each 429's wait once). :attr:`waited` keeps the seconds workers spent in each.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

WINDOW = 60.0  # seconds: the limit is per minute


class Throttle:
    """Request starts of one source: a per-minute cap and 429 holds (see the module)."""

    def __init__(
        self,
        per_minute: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute is not None and per_minute < 1:
            raise ValueError(f"per_minute must be at least 1, got {per_minute}")
        self.per_minute = per_minute
        self.clock = clock
        self.sleep = sleep  # for the window only: a 429 is waited by its holder
        self._starts: deque[float] = deque()
        self._changed = threading.Condition()
        self._holders = 0
        self.waiting = 0  # workers waiting now for a 429's holder
        self.started = 0  # request starts let through
        self.holds = 0  # 429s that held the source
        self.waited = {"window": 0.0, "held": 0.0}  # seconds spent waiting, all workers

    def acquire(self) -> None:
        """Wait until one more request of the source may start, and count it started."""
        with self._changed:
            while True:
                if self._holders:
                    began = self.clock()
                    self.waiting += 1
                    try:
                        while self._holders:
                            self._changed.wait()
                    finally:
                        self.waiting -= 1
                    self.waited["held"] += self.clock() - began
                    continue
                wait = self._window_wait(self.clock())
                if wait <= 0:
                    break
                self.waited["window"] += wait
                # others may take the slot or hold the source meanwhile: look again after it
                self._changed.release()
                try:
                    self.sleep(wait)
                finally:
                    self._changed.acquire()
            if self.per_minute is not None:
                self._starts.append(self.clock())
            self.started += 1

    def _window_wait(self, now: float) -> float:
        if self.per_minute is None:
            return 0.0
        while self._starts and now - self._starts[0] >= WINDOW:
            self._starts.popleft()
        if len(self._starts) < self.per_minute:
            return 0.0
        return self._starts[0] + WINDOW - now

    @contextmanager
    def holding(self) -> Iterator[None]:
        """While the block runs (a worker waiting out a 429), no other request starts."""
        with self._changed:
            self._holders += 1
            self.holds += 1
        try:
            yield
        finally:
            with self._changed:
                self._holders -= 1
                self._changed.notify_all()
