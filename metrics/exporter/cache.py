"""The families the exporter serves, computed from the snapshot file only when it changes.

A scrape never queries DuckDB: it serialises the families of the last successful load. They
are rebuilt when the snapshot file is replaced (its identity: device, inode, mtime, size) or
when the refresh TTL has passed (rolling windows move and open incidents age even when no sync
runs). A failed load keeps the last good families and counts the failure.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from prometheus_client.core import Metric

from opskpi.metrics.snapshot import file_identity

log = logging.getLogger(__name__)

Identity = tuple[int, int, int, int] | None  # None: no file (metrics.snapshot.file_identity)
Build = Callable[[Path], Sequence[Metric]]
_NEVER = (-1, -1, -1, -1)


class SnapshotCache:
    """Families built by ``build(path)``, reloaded on file change or after ``ttl_seconds``.

    Reads (``families``, ``load_errors``) take no lock: they return immutable values swapped in
    whole by ``refresh``, so a scrape never waits for a load.
    """

    def __init__(
        self,
        path: Path,
        build: Build,
        *,
        ttl_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self._build = build
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()  # one load at a time
        self._families: tuple[Metric, ...] = ()
        self._load_errors = 0
        self._tried: Identity = _NEVER  # identity at the last attempt, good or bad
        self._tried_at = float("-inf")
        self.last_load_seconds: float | None = None  # duration of the last successful load
        self.loads = 0  # successful loads (for tests and logs)

    @property
    def families(self) -> tuple[Metric, ...]:
        return self._families

    @property
    def load_errors(self) -> int:
        return self._load_errors

    def is_stale(self) -> bool:
        if file_identity(self.path) != self._tried:
            return True
        return self._monotonic() - self._tried_at >= self._ttl

    def refresh(self) -> bool:
        """Load now. On failure keep the last good families, count it, and return False.

        The identity is taken before opening: if the file is replaced in between, the next
        check sees a new identity and loads again (one extra load, never a missed one).
        """
        with self._lock:
            identity = file_identity(self.path)
            started = self._monotonic()
            changed = identity != self._tried
            self._tried, self._tried_at = identity, started
            try:
                families = tuple(self._build(self.path))
            except Exception as exc:  # any failure to read: keep serving the last good values
                self._load_errors += 1
                log.warning("cannot load the KPI snapshot %s: %s", self.path, exc)
                return False
            self._families = families
            self.last_load_seconds = self._monotonic() - started
            self.loads += 1
            log.log(
                logging.INFO if changed else logging.DEBUG,  # TTL reloads are routine
                "loaded the KPI snapshot %s in %.2f s",
                self.path,
                self.last_load_seconds,
            )
            return True

    def refresh_if_stale(self) -> bool:
        """Load if the file changed or the TTL passed; True when a load happened and succeeded."""
        return self.is_stale() and self.refresh()


class Refresher:
    """A daemon thread calling ``cache.refresh_if_stale()`` every ``poll_seconds`` (a stat)."""

    def __init__(self, cache: SnapshotCache, poll_seconds: float = 1.0) -> None:
        self._cache = cache
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="opskpi-snapshot", daemon=True)

    def start(self) -> Refresher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._poll):
            try:
                self._cache.refresh_if_stale()
            except Exception:  # never let the thread die: the next poll tries again
                log.exception("snapshot refresh failed")
