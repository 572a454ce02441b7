"""The Prometheus collector of opskpi: what a scrape returns.

``collect()`` yields the cached families of the snapshot (see ``metrics.snapshot_cache``) and the
exporter's own load error counter; it never touches DuckDB, so a scrape is fast and keeps
answering while a sync writes or publishes. ``describe()`` lists the families without loading
anything, so registering the collector does not query either.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from prometheus_client.core import Metric
from prometheus_client.registry import Collector, CollectorRegistry

from opskpi.metrics.exporter.families import CATALOGUE, empty_family, load_errors_family


class FamilySource(Protocol):
    """What the collector serves from (``SnapshotCache``, or a fake in tests)."""

    @property
    def families(self) -> tuple[Metric, ...]: ...

    @property
    def load_errors(self) -> int: ...


class KpiCollector(Collector):
    def __init__(self, source: FamilySource, registry: CollectorRegistry | None = None) -> None:
        self._source = source
        if registry is not None:
            registry.register(self)

    def describe(self) -> Iterator[Metric]:
        for family in CATALOGUE:
            yield empty_family(family)

    def collect(self) -> Iterator[Metric]:
        yield from self._source.families
        yield load_errors_family(self._source.load_errors)
