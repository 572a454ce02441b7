"""When the exporter loads the snapshot: once per file change or TTL, never per scrape; a failed
load keeps the last good values and counts the failure. The "snapshot" here is a small text
file holding a number, so each test states exactly what the file contains."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from opskpi.metrics.exporter.cache import SnapshotCache
from opskpi.metrics.exporter.collector import KpiCollector


class FakeBuild:
    """``build(path)``: an ``opskpi_deploys{window="7d"}`` gauge with the number in the file."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, path: Path) -> list[Metric]:
        self.calls += 1
        family = GaugeMetricFamily("opskpi_deploys", "Deploys.", labels=["window"])
        family.add_metric(["7d"], float(path.read_text()))  # raises if missing or not a number
        return [family]


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def publish(path: Path, text: str) -> None:
    """Replace the file atomically, as metrics.build.publish does."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, FakeBuild, FakeMonotonic, SnapshotCache]:
    path = tmp_path / "opskpi.serving.duckdb"
    build, clock = FakeBuild(), FakeMonotonic()
    return path, build, clock, SnapshotCache(path, build, ttl_seconds=60, monotonic=clock)


def deploys(registry: CollectorRegistry) -> float | None:
    return registry.get_sample_value("opskpi_deploys", {"window": "7d"})


def test_registering_does_not_load(setup: tuple) -> None:
    path, build, _, cache = setup
    publish(path, "3")
    registry = CollectorRegistry(auto_describe=True)  # would call collect() without describe()
    KpiCollector(cache, registry=registry)
    assert build.calls == 0


def test_scrapes_serve_the_cache_and_never_load(setup: tuple) -> None:
    path, build, _, cache = setup
    publish(path, "3")
    registry = CollectorRegistry()
    KpiCollector(cache, registry=registry)
    assert cache.refresh()
    for _ in range(20):
        generate_latest(registry)
        assert not cache.refresh_if_stale()
    assert build.calls == 1
    assert deploys(registry) == 3


def test_a_new_file_is_loaded_once(setup: tuple) -> None:
    path, build, _, cache = setup
    publish(path, "3")
    cache.refresh()
    publish(path, "5")
    assert cache.is_stale()
    assert cache.refresh_if_stale()
    assert not cache.refresh_if_stale()
    assert build.calls == 2
    assert cache.families[0].samples[0].value == 5


def test_the_ttl_reloads_an_unchanged_file(setup: tuple) -> None:
    path, build, clock, cache = setup
    publish(path, "3")
    cache.refresh()
    clock.now += 59
    assert not cache.refresh_if_stale()
    clock.now += 1  # 60 s: windows and ages have moved even if no sync published
    assert cache.refresh_if_stale()
    assert build.calls == 2


def test_a_failed_load_keeps_the_last_good_values_and_counts(setup: tuple) -> None:
    path, _, clock, cache = setup
    registry = CollectorRegistry()
    KpiCollector(cache, registry=registry)
    publish(path, "3")
    cache.refresh()
    publish(path, "not a number")
    assert not cache.refresh_if_stale()
    assert deploys(registry) == 3
    assert registry.get_sample_value("opskpi_snapshot_load_errors_total") == 1
    # the same broken file is not retried on every poll, only after the TTL
    assert not cache.is_stale()
    clock.now += 60
    assert not cache.refresh_if_stale()
    assert registry.get_sample_value("opskpi_snapshot_load_errors_total") == 2
    publish(path, "4")
    assert cache.refresh_if_stale()
    assert deploys(registry) == 4
    assert registry.get_sample_value("opskpi_snapshot_load_errors_total") == 2


def test_a_missing_snapshot_serves_only_the_error_counter_until_it_appears(setup: tuple) -> None:
    path, _, _, cache = setup
    registry = CollectorRegistry()
    KpiCollector(cache, registry=registry)
    assert not cache.refresh()
    text = generate_latest(registry).decode()
    assert [line for line in text.splitlines() if not line.startswith("#")] == [
        "opskpi_snapshot_load_errors_total 1.0"
    ]
    assert not cache.is_stale()  # still missing: wait for the file or the TTL
    publish(path, "2")
    assert cache.refresh_if_stale()
    assert deploys(registry) == 2
