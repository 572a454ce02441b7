"""The Prometheus exporter: ``serve()`` for ``opskpi serve-metrics`` and ``write_textfile()`` for
``opskpi export-metrics --textfile F`` (node_exporter's textfile collector).

The registry is built here, never the global ``REGISTRY``: the exporter exposes the contract's
families only (no process or GC collectors from client_python's import-time registry).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType

from prometheus_client import CollectorRegistry, write_to_textfile
from prometheus_client.core import Metric

from opskpi.config import Settings
from opskpi.metrics.exporter.cache import Build, Refresher, SnapshotCache
from opskpi.metrics.exporter.collector import KpiCollector
from opskpi.metrics.exporter.http import MetricsServer, start_server
from opskpi.metrics.exporter.samples import to_samples
from opskpi.metrics.exporter.snapshot_kpis import read_snapshot
from opskpi.metrics.period import now_utc
from opskpi.metrics.snapshot import SnapshotReaders

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def snapshot_builder(configured_sources: Iterable[str], clock: Clock = now_utc) -> Build:
    """``build(path)``: compute every family at ``clock()`` from the snapshot at ``path``, read
    through a connection kept open while the file stays the same (a TTL reload reuses it, its
    session and macros; a published snapshot is opened anew and the old one closed)."""
    sources = tuple(configured_sources)
    readers: dict[Path, SnapshotReaders] = {}

    def build(path: Path) -> list[Metric]:
        if path not in readers:
            readers[path] = SnapshotReaders(path, keep=1)
        with readers[path].connection() as con:
            kpis = read_snapshot(con, clock())
        return list(to_samples(kpis, sources).families())

    return build


def snapshot_cache(settings: Settings, clock: Clock = now_utc) -> SnapshotCache:
    refresh = settings.model.exporter.refresh.seconds or 60.0
    return SnapshotCache(
        settings.serving_path,
        snapshot_builder(settings.configured_sources, clock),
        ttl_seconds=refresh,
    )


class Exporter:
    """An HTTP exporter on ``bind:port`` (port 0: any free port), as a context manager.

    Starting loads the snapshot once (a failure is counted, and the exporter serves anyway:
    ``up`` stays 1 and ``opskpi_snapshot_load_errors_total`` says why there is no data), then a
    background thread reloads it when the file changes or the refresh TTL passes.
    """

    def __init__(
        self,
        cache: SnapshotCache,
        port: int,
        bind: str = "127.0.0.1",
        *,
        poll_seconds: float = 1.0,
    ) -> None:
        self.cache = cache
        self.bind = bind
        self._port = port
        self._poll = poll_seconds
        self.registry = CollectorRegistry()
        KpiCollector(cache, registry=self.registry)
        self._server: MetricsServer | None = None
        self._refresher: Refresher | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_port) if self._server else self._port

    def start(self) -> Exporter:
        """Load the snapshot, then serve (``metrics/exporter/http.py``: a thread per
        connection, a real listen backlog, keep-alive, the text rendered once per load)."""
        self.cache.refresh()
        self._server, _ = start_server(self.bind, self._port, self.registry, self._version)
        self._refresher = Refresher(self.cache, self._poll).start()
        return self

    def _version(self) -> tuple[object, ...]:
        """What the exposition depends on: the families loaded (a tuple swapped whole on each
        load) and the count of failed loads."""
        return self.cache.families, self.cache.load_errors

    def stop(self) -> None:
        if self._refresher is not None:
            self._refresher.stop()
            self._refresher = None
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Exporter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(
    settings: Settings,
    port: int | None = None,
    bind: str | None = None,
    *,
    on_ready: Callable[[Exporter], None] | None = None,
) -> None:
    """Serve ``/metrics`` until SIGTERM or Ctrl-C (``KeyboardInterrupt`` propagates)."""
    config = settings.model.exporter
    stop = threading.Event()

    def on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    main = threading.current_thread() is threading.main_thread()  # signals: main thread only
    previous = signal.signal(signal.SIGTERM, on_term) if main else None
    try:
        exporter = Exporter(
            snapshot_cache(settings),
            config.port if port is None else port,
            config.bind if bind is None else bind,
        )
        with exporter:
            if on_ready is not None:
                on_ready(exporter)
            while not stop.wait(3600):
                pass
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)


@dataclass(frozen=True)
class _Loaded:
    """A ``FamilySource`` over families loaded once (the textfile has no refresh to fail)."""

    families: tuple[Metric, ...] = field(default_factory=tuple)
    load_errors: int = 0


def write_textfile(settings: Settings, path: Path, clock: Clock = now_utc) -> int:
    """Write the exposition atomically (temp file + ``os.replace``); return the sample count.

    Unlike the server, a snapshot that cannot be read is an error here, and the previous file
    stays in place: node_exporter then shows its age (``node_textfile_mtime_seconds``).
    """
    build = snapshot_builder(settings.configured_sources, clock)
    source = _Loaded(tuple(build(settings.serving_path)))
    registry = CollectorRegistry()
    KpiCollector(source, registry=registry)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_to_textfile(str(path), registry)
    return sum(len(family.samples) for family in source.families) + 1
