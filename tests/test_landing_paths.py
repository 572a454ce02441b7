"""One upsert for every way into ``raw_objects``: a connector's page (Arrow), an NDJSON file
and bulk page files land the same records as the same rows and rejects, and re-landing them
unchanged through any of the ways changes nothing. Every write to the raw tables is in
``etl/warehouse/landing.py``; connectors never query the warehouse."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from benchmarks.bulk_landing import land_json_pages
from opskpi.etl.warehouse.connect import open_memory
from opskpi.etl.warehouse.landing import KeyPaths, land, land_ndjson, mark_missing_deleted

REPO = Path(__file__).resolve().parents[1]
RUN = 7
RECORDS: list[Any] = [
    {"id": "A", "title": "Café ☃ down", "incident": {"id": "P1"}, "n": 1},
    {
        "id": "B",
        "title": 'tab\tand "quotes" / slash',
        "incident": {"id": "P1"},
        "nested": {"x": [1, None, True]},
        "f": 1.5,
    },
    {"title": "no id"},
    {"id": "A", "title": "Café ☃ down, again", "incident": {"id": "P2"}, "n": 2},
]


def compact(record: Any) -> str:
    """The JSON text a record is landed as: compact, UTF-8, keys in their order."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def change_hash(text: str) -> int:
    """DuckDB's 64-bit ``hash`` of a payload's text (raw_objects.payload_hash), computed apart
    from the landing, on a connection of its own."""
    with duckdb.connect() as other:
        return int(other.execute("select hash(?::varchar)", [text]).fetchall()[0][0])


def expected_rows() -> list[tuple[Any, ...]]:
    # A twice: the last one wins (parent P2); B once; the record without an id is a reject
    last_a, b = compact(RECORDS[3]), compact(RECORDS[1])
    return [
        ("pagerduty", "log_entry", "A", "P2", last_a, change_hash(last_a), RUN, None),
        ("pagerduty", "log_entry", "B", "P1", b, change_hash(b), RUN, None),
    ]


def expected_rejects(location: str) -> list[tuple[Any, ...]]:
    body, reason = compact(RECORDS[2]), "log_entry without an id"
    return [
        (
            "pagerduty",
            "log_entry",
            sha(f"{location}\n{reason}\n{body}"),
            location,
            reason,
            body,
            RUN,
        )
    ]


def raw_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(
        "select source, object_type, object_id, parent_id, payload::varchar, payload_hash, "
        "sync_run_id, deleted_at from raw_objects order by all"
    ).fetchall()


def reject_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(
        "select source, object_type, body_sha, location, reason, body, sync_run_id "
        "from raw_rejects order by all"
    ).fetchall()


# each way in: (con, folder, run id) → objects new or changed, and the rejects' location
Lander = Callable[[duckdb.DuckDBPyConnection, Path, int], tuple[int, str]]


def by_page(con: duckdb.DuckDBPyConnection, folder: Path, run: int) -> tuple[int, str]:
    location = str(folder / "page-000001.json")

    def incident_of(record: dict[str, Any]) -> str | None:
        return record["incident"]["id"]

    result = land(
        con,
        "pagerduty",
        "log_entry",
        RECORDS,
        parent_id=incident_of,
        sync_run_id=run,
        location=location,
    )
    return result.changed, location


def by_ndjson(con: duckdb.DuckDBPyConnection, folder: Path, run: int) -> tuple[int, str]:
    path = folder / "page.ndjson"
    path.write_text("".join(compact(r) + "\n" for r in RECORDS), encoding="utf-8")
    changed = land_ndjson(
        con, "pagerduty", "log_entry", path, parent_path="$.incident.id", sync_run_id=run
    )
    return changed, str(path)


def by_bulk_pages(con: duckdb.DuckDBPyConnection, folder: Path, run: int) -> tuple[int, str]:
    path = folder / "page-000001.json"
    path.write_text(json.dumps({"log_entries": RECORDS}, indent=2), encoding="utf-8")
    result = land_json_pages(
        con,
        "pagerduty",
        "log_entry",
        [path],
        items_key="log_entries",
        keys=KeyPaths(parent="$.incident.id"),
        sync_run_id=run,
    )
    return result.changed, str(path)


LANDERS = {"page": by_page, "ndjson": by_ndjson, "bulk": by_bulk_pages}


@pytest.mark.parametrize("way", LANDERS)
def test_every_way_in_lands_the_same_rows(way: str, tmp_path: Path) -> None:
    con = open_memory()
    changed, location = LANDERS[way](con, tmp_path, RUN)
    assert changed == 2  # A (once: the last of its two) and B
    assert raw_rows(con) == expected_rows()
    assert reject_rows(con) == expected_rejects(location)
    con.close()


@pytest.mark.parametrize("first", LANDERS)
def test_an_unchanged_re_land_by_any_way_changes_nothing(first: str, tmp_path: Path) -> None:
    con = open_memory()
    LANDERS[first](con, tmp_path, RUN)
    before = raw_rows(con)
    for again in LANDERS.values():
        changed, _ = again(con, tmp_path, RUN + 1)
        assert changed == 0
        assert raw_rows(con) == before  # not even the run id moved
    con.close()


@pytest.mark.parametrize("way", LANDERS)
def test_a_re_land_brings_back_an_object_marked_deleted(way: str, tmp_path: Path) -> None:
    con = open_memory()
    LANDERS[way](con, tmp_path, RUN)
    when = datetime(2026, 3, 1, tzinfo=UTC)
    assert mark_missing_deleted(con, "pagerduty", "log_entry", {"A"}, when) == 1  # B
    changed, _ = LANDERS[way](con, tmp_path, RUN + 1)
    assert changed == 1  # B again, with its payload unchanged
    rows = {r[2]: (r[6], r[7]) for r in raw_rows(con)}
    assert rows == {"A": (RUN, None), "B": (RUN + 1, None)}
    con.close()


# -- who may write and read the raw tables -----------------------------------------------------
WRITE = re.compile(
    r"insert\s+into\s+raw_(objects|rejects)|update\s+raw_objects|delete\s+from\s+raw_",
    re.IGNORECASE,
)


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (REPO / folder).rglob("*.py"))


def test_every_write_to_the_raw_tables_is_in_the_landing_module() -> None:
    writers = {
        str(path.relative_to(REPO))
        for path in python_files("etl", "app", "metrics", "simulator", "benchmarks", "config")
        if WRITE.search(path.read_text(encoding="utf-8"))
    }
    assert writers == {"etl/warehouse/landing.py"}


def test_connectors_never_query_the_warehouse() -> None:
    query = re.compile(r"raw_objects|\bexecute\(|\bscalar\(|\bfirst_row\(|\.con\b|import duckdb")
    found = {
        f"{path.relative_to(REPO)}: {match.group()}"
        for path in python_files("etl/sources")
        for match in query.finditer(path.read_text(encoding="utf-8"))
    }
    assert found == set()
