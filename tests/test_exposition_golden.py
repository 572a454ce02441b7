"""The whole exposition of the fixture snapshot, byte for byte (client_python's
tests/test_exposition.py style): any change of a name, label, order, HELP text or value shows
up here as a diff to review. After an intended change, regenerate the golden file with
``OPSKPI_UPDATE_GOLDEN=1 pytest tests/test_exposition_golden.py`` and commit it."""

from __future__ import annotations

import os
from pathlib import Path

from exporter_fixture import AS_OF, build_warehouse, publish_fixture
from prometheus_client import CollectorRegistry, generate_latest

from opskpi.metrics.exporter.cache import SnapshotCache
from opskpi.metrics.exporter.collector import KpiCollector
from opskpi.metrics.exporter.server import snapshot_builder

GOLDEN = Path(__file__).parent / "data" / "exposition_golden.prom"
SOURCES = ("pagerduty", "opsgenie", "argocd", "postmortems")


def test_exposition_matches_the_golden_file(tmp_path: Path) -> None:
    path = publish_fixture(build_warehouse(), tmp_path / "opskpi.serving.duckdb")
    cache = SnapshotCache(path, snapshot_builder(SOURCES, lambda: AS_OF), ttl_seconds=60)
    assert cache.refresh()
    registry = CollectorRegistry()
    KpiCollector(cache, registry=registry)
    text = generate_latest(registry).decode("utf-8")
    if os.environ.get("OPSKPI_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
