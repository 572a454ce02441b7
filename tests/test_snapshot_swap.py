"""Scrapes keep answering while a sync publishes new snapshots (``os.replace`` of the file),
and the values switch to the new snapshot's.

Snapshot A is the fixture; B adds three sev3 PagerDuty incidents on 2026-03-19, so
opskpi_incidents{severity="sev3",source="pagerduty",window="7d"} is 1 in A and 1 + 3 = 4 in B.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from exporter_fixture import AS_OF, build_warehouse, publish_fixture
from prometheus_client.parser import text_string_to_metric_families
from warehouse import TestWarehouse

from opskpi.metrics.exporter.cache import SnapshotCache
from opskpi.metrics.exporter.server import Exporter, snapshot_builder

SOURCES = ("pagerduty", "opsgenie", "argocd", "postmortems")
SEV3_7D = ("opskpi_incidents", {"severity": "sev3", "source": "pagerduty", "window": "7d"})
IN_A, IN_B = 1.0, 4.0
PUBLISHES = 30
GUARD_SECONDS = 120  # against a hang only; no assertion on speed


def sev3_7d(text: str) -> float | None:
    name, labels = SEV3_7D
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return None


@pytest.fixture(scope="module")
def warehouses() -> tuple[TestWarehouse, TestWarehouse]:
    return build_warehouse(), build_warehouse(extra_incidents=3)


@pytest.fixture
def exporter(tmp_path: Path, warehouses: tuple[TestWarehouse, TestWarehouse]) -> Iterator[Exporter]:
    path = publish_fixture(warehouses[0], tmp_path / "opskpi.serving.duckdb")
    cache = SnapshotCache(path, snapshot_builder(SOURCES, lambda: AS_OF), ttl_seconds=3600)
    with Exporter(cache, port=0, bind="127.0.0.1", poll_seconds=0.01) as running:
        yield running


def scrape(session: requests.Session, exporter: Exporter) -> float | None:
    response = session.get(f"http://127.0.0.1:{exporter.port}/metrics", timeout=30)
    assert response.status_code == 200
    return sev3_7d(response.text)


def wait_for_value(session: requests.Session, exporter: Exporter, expected: float) -> None:
    deadline = time.monotonic() + GUARD_SECONDS
    while (got := scrape(session, exporter)) != expected:
        assert time.monotonic() < deadline, f"still {got}, expected {expected}"
        time.sleep(0.01)


def test_scrapes_answer_during_publishes_and_switch_values(
    exporter: Exporter, warehouses: tuple[TestWarehouse, TestWarehouse]
) -> None:
    a, b = warehouses
    path = exporter.cache.path
    done = threading.Event()
    errors: list[BaseException] = []

    def publisher() -> None:
        try:
            for i in range(PUBLISHES):
                publish_fixture(b if i % 2 == 0 else a, path)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            done.set()

    seen: list[float | None] = []
    with requests.Session() as session:
        thread = threading.Thread(target=publisher, name="publisher")
        thread.start()
        while not done.is_set():
            seen.append(scrape(session, exporter))
        thread.join()
        assert errors == []
        # every scrape answered with a whole snapshot's value, never a gap
        assert seen
        assert set(seen) <= {IN_A, IN_B}
        # and the values follow the published file, both ways
        publish_fixture(b, path)
        wait_for_value(session, exporter, IN_B)
        publish_fixture(a, path)
        wait_for_value(session, exporter, IN_A)
    assert exporter.cache.loads >= 3
    assert exporter.cache.load_errors == 0
