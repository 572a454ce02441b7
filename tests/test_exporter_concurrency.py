"""The exporter under a crowd: 200 clients at once, each on a new connection, all get the whole
exposition (the old server's listen backlog of 5 refused most of them); a kept-alive
connection carries several scrapes; gzip and OpenMetrics are served as asked. No timing is
asserted here: the latency figures are in docs/benchmarks.md (``python -m benchmarks.run``)."""

from __future__ import annotations

import gzip
import http.client
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from exporter_fixture import AS_OF, build_warehouse, publish_fixture
from prometheus_client.parser import text_string_to_metric_families

from opskpi.metrics.exporter.cache import SnapshotCache
from opskpi.metrics.exporter.server import Exporter, snapshot_builder

pytestmark = pytest.mark.integration

SOURCES = ("pagerduty", "opsgenie", "argocd", "postmortems")
CLIENTS = 200
GUARD_SECONDS = 60.0  # a socket timeout against a hang, not a speed target


@pytest.fixture(scope="module")
def exporter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exporter]:
    path = publish_fixture(
        build_warehouse(), tmp_path_factory.mktemp("exporter") / "opskpi.serving.duckdb"
    )
    cache = SnapshotCache(path, snapshot_builder(SOURCES, lambda: AS_OF), ttl_seconds=3600)
    with Exporter(cache, port=0, bind="127.0.0.1") as running:
        yield running


def get(
    con: http.client.HTTPConnection, path: str = "/metrics", **headers: str
) -> http.client.HTTPResponse:
    con.request("GET", path, headers=headers)
    reply = con.getresponse()
    reply.body = reply.read()  # type: ignore[attr-defined]
    return reply


def test_200_clients_on_new_connections_all_get_the_metrics(exporter: Exporter) -> None:
    con = http.client.HTTPConnection("127.0.0.1", exporter.port, timeout=GUARD_SECONDS)
    expected = get(con).body  # type: ignore[attr-defined]
    con.close()
    assert b"opskpi_incidents" in expected
    bodies: list[bytes] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client() -> None:
        start.wait()
        try:
            one = http.client.HTTPConnection("127.0.0.1", exporter.port, timeout=GUARD_SECONDS)
            try:
                reply = get(one, Connection="close")
                result = (reply.status, reply.body)  # type: ignore[attr-defined]
            finally:
                one.close()
        except OSError as exc:
            with lock:
                failures.append(type(exc).__name__)
            return
        with lock:
            if result[0] == 200:
                bodies.append(result[1])
            else:
                failures.append(str(result[0]))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(bodies) == CLIENTS
    assert all(body == expected for body in bodies)


def test_a_kept_alive_connection_carries_several_scrapes(exporter: Exporter) -> None:
    con = http.client.HTTPConnection("127.0.0.1", exporter.port, timeout=GUARD_SECONDS)
    try:
        first = get(con)
        sock = con.sock
        second = get(con)
        assert con.sock is sock  # the same TCP connection
    finally:
        con.close()
    assert (first.status, second.status) == (200, 200)
    assert first.version == 11 and first.getheader("Connection") != "close"
    assert first.body == second.body  # type: ignore[attr-defined]
    names = {f.name for f in text_string_to_metric_families(first.body.decode())}  # type: ignore[attr-defined]
    assert "opskpi_incidents" in names


def test_gzip_openmetrics_and_unknown_paths(exporter: Exporter) -> None:
    con = http.client.HTTPConnection("127.0.0.1", exporter.port, timeout=GUARD_SECONDS)
    try:
        plain = get(con)
        zipped = get(con, **{"Accept-Encoding": "gzip"})
        open_metrics = get(con, Accept="application/openmetrics-text; version=1.0.0")
        missing = get(con, "/nope")
    finally:
        con.close()
    assert zipped.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(zipped.body) == plain.body  # type: ignore[attr-defined]
    assert plain.getheader("Content-Type", "").startswith("text/plain")
    assert open_metrics.getheader("Content-Type", "").startswith("application/openmetrics-text")
    assert open_metrics.body.rstrip().endswith(b"# EOF")  # type: ignore[attr-defined]
    assert missing.status == 404


def test_the_text_follows_a_new_snapshot(exporter: Exporter, tmp_path: Path) -> None:
    """Rendered once per load, not once per scrape: a reload shows at the next scrape."""
    con = http.client.HTTPConnection("127.0.0.1", exporter.port, timeout=GUARD_SECONDS)
    try:
        before = get(con).body  # type: ignore[attr-defined]
        errors = exporter.cache.load_errors
        exporter.cache.path = tmp_path / "missing.duckdb"  # the next load fails and is counted
        assert exporter.cache.refresh() is False
        after = get(con).body  # type: ignore[attr-defined]
    finally:
        con.close()
    assert exporter.cache.load_errors == errors + 1
    assert before != after
    assert f"opskpi_snapshot_load_errors_total {errors + 1}.0".encode() in after
