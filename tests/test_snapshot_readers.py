"""``metrics.snapshot.SnapshotReaders``: reader connections kept open per snapshot file (the app's
cache fills, the exporter's loads), reused while the file is the same, and never reading a
replaced file once a sync has published a new one — even while a connection to the old one is
still in use (DuckDB's Python client would hand that old instance to a plain ``connect``).

Snapshot A is the exporter fixture; B is the same with three more incidents.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest
from exporter_fixture import build_warehouse, publish_fixture
from warehouse import TestWarehouse

from opskpi.metrics.snapshot import SnapshotReaders
from opskpi.sql.session import WarehouseMissingError, scalar


@pytest.fixture(scope="module")
def warehouses() -> tuple[TestWarehouse, TestWarehouse]:
    return build_warehouse(), build_warehouse(extra_incidents=3)


def incidents(con: duckdb.DuckDBPyConnection) -> int:
    return int(scalar(con, "select count(*) from incidents"))


def test_a_connection_is_set_up_once_and_lent_again(
    tmp_path: Path, warehouses: tuple[TestWarehouse, TestWarehouse]
) -> None:
    path = publish_fixture(warehouses[0], tmp_path / "opskpi.serving.duckdb")
    readers = SnapshotReaders(path)
    with readers.connection() as first:
        # the session and the macros of every reader connection are there
        assert scalar(first, "select current_setting('TimeZone')") == "UTC"
        assert scalar(
            first,
            "select count(*) from period_incidents(date '2026-01-01', "
            "date '2026-04-01', null, null, null, null)",
        ) == incidents(first)
    with readers.connection() as second:
        assert second is first
    assert readers.opened == 1


def test_a_published_snapshot_is_read_at_once_even_while_the_old_one_is_in_use(
    tmp_path: Path, warehouses: tuple[TestWarehouse, TestWarehouse]
) -> None:
    a, b = warehouses
    path = tmp_path / "opskpi.serving.duckdb"
    publish_fixture(a, path)
    in_a = incidents(a.con)
    assert incidents(b.con) == in_a + 3
    readers = SnapshotReaders(path)
    with readers.connection() as old:
        assert incidents(old) == in_a
        publish_fixture(b, path)  # a sync publishes (os.replace) while `old` is in use
        with readers.connection() as new:
            assert incidents(new) == in_a + 3
        assert incidents(old) == in_a  # the old file, whole, until given back
    with readers.connection() as again:
        assert again is new
        assert incidents(again) == in_a + 3
    assert readers.opened == 2


def test_a_connection_whose_use_raised_is_not_lent_again(
    tmp_path: Path, warehouses: tuple[TestWarehouse, TestWarehouse]
) -> None:
    path = publish_fixture(warehouses[0], tmp_path / "opskpi.serving.duckdb")
    readers = SnapshotReaders(path)
    with pytest.raises(RuntimeError), readers.connection() as broken:
        raise RuntimeError("a query failed half-way")
    with readers.connection() as con:
        assert con is not broken
        assert incidents(con) == incidents(warehouses[0].con)


def test_threads_never_share_a_connection(
    tmp_path: Path, warehouses: tuple[TestWarehouse, TestWarehouse]
) -> None:
    path = publish_fixture(warehouses[0], tmp_path / "opskpi.serving.duckdb")
    readers = SnapshotReaders(path, keep=2)
    lent: set[int] = set()
    lock = threading.Lock()
    clashes: list[int] = []
    counts: list[int] = []

    def work() -> None:
        for _ in range(5):
            with readers.connection() as con:
                with lock:
                    if id(con) in lent:
                        clashes.append(id(con))
                    lent.add(id(con))
                counts.append(incidents(con))
                with lock:
                    lent.discard(id(con))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clashes == []
    assert counts == [incidents(warehouses[0].con)] * 20
    assert readers.opened == 1


def test_no_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    readers = SnapshotReaders(tmp_path / "missing.serving.duckdb")
    with pytest.raises(WarehouseMissingError, match="no KPI snapshot"), readers.connection():
        pass
