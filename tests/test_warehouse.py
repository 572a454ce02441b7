"""Migrations, raw landing and model re-runs: idempotent, nothing fetched is ever lost."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from payloads import pd_incident
from warehouse import TestWarehouse

from opskpi.config import settings_from_dict
from opskpi.etl.warehouse.build import build_and_publish, build_models
from opskpi.etl.warehouse.connect import open_memory, open_writer
from opskpi.etl.warehouse.landing import land, land_ndjson
from opskpi.etl.warehouse.migrate import migrate
from opskpi.metrics.snapshot import open_reader
from opskpi.sql.session import SchemaTooNewError, code_version, current_version


def test_migrations_apply_once(tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    con = open_writer(path)
    assert current_version(con) == code_version()
    assert migrate(con) == []  # re-running is a no-op
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert {"raw_objects", "raw_rejects", "sync_runs", "sync_state", "schema_migrations"} <= tables
    con.close()


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    con = open_writer(path)
    con.execute("insert into schema_migrations values (999, 'from_the_future', now())")
    con.close()
    with pytest.raises(SchemaTooNewError, match="schema version 999 but this opskpi knows only"):
        open_writer(path)


def raw_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select source, object_type, object_id, payload::varchar, payload_hash, sync_run_id, "
        "deleted_at from raw_objects order by all"
    ).fetchall()


def test_upsert_by_key_latest_wins_unchanged_writes_nothing() -> None:
    con = open_memory()
    first = land(
        con,
        "pagerduty",
        "incident",
        [pd_incident("A", "2026-03-01T00:00:00Z"), pd_incident("B", "2026-03-01T00:00:00Z")],
        sync_run_id=1,
    )
    assert (first.received, first.changed) == (2, 2)
    before = raw_rows(con)
    again = land(
        con, "pagerduty", "incident", [pd_incident("A", "2026-03-01T00:00:00Z")], sync_run_id=2
    )
    assert again.changed == 0
    assert raw_rows(con) == before  # not even the run id or fetch time moved
    changed = land(
        con,
        "pagerduty",
        "incident",
        [
            pd_incident(
                "A", "2026-03-01T00:00:00Z", status="resolved", resolved_at="2026-03-01T01:00:00Z"
            )
        ],
        sync_run_id=3,
    )
    assert changed.changed == 1
    payload, run = con.execute(
        "select payload, sync_run_id from raw_objects where object_id = 'A'"
    ).fetchone()
    assert json.loads(payload)["resolved_at"] == "2026-03-01T01:00:00Z" and run == 3


def test_a_page_with_the_same_key_twice_keeps_the_last() -> None:
    con = open_memory()
    land(
        con,
        "pagerduty",
        "incident",
        [
            pd_incident("A", "2026-03-01T00:00:00Z", urgency="low"),
            pd_incident("A", "2026-03-01T00:00:00Z", urgency="high"),
        ],
    )
    assert con.execute("select payload->>'urgency' from raw_objects").fetchone() == ("high",)


def test_records_that_cannot_land_are_kept_with_the_reason() -> None:
    con = open_memory()
    result = land(
        con,
        "pagerduty",
        "incident",
        [pd_incident("A", "2026-03-01T00:00:00Z"), {"title": "no id"}, ["not", "a", "dict"]],
        location="https://api.pagerduty.com/incidents?offset=0",
    )
    assert (result.changed, result.rejected) == (1, 2)
    rejects = con.execute(
        "select reason, location, body from raw_rejects order by reason"
    ).fetchall()
    assert [r[0] for r in rejects] == ["incident without an id", "not a JSON object: list"]
    assert rejects[0][1] == "https://api.pagerduty.com/incidents?offset=0"
    assert json.loads(rejects[0][2]) == {"title": "no id"}
    # the same reject again adds nothing
    land(
        con,
        "pagerduty",
        "incident",
        [{"title": "no id"}],
        location="https://api.pagerduty.com/incidents?offset=0",
    )
    assert con.execute("select count(*) from raw_rejects").fetchone()[0] == 2


def test_snapshot_landing_marks_missing_objects_deleted_and_back() -> None:
    con = open_memory()
    pm = {"id": "a.md", "incidents": []}
    land(con, "postmortems", "postmortem", [pm, {"id": "b.md", "incidents": []}], snapshot=True)
    result = land(con, "postmortems", "postmortem", [pm], snapshot=True)
    assert result.deleted == 1
    assert con.execute(
        "select object_id from raw_objects where deleted_at is not null"
    ).fetchall() == [("b.md",)]
    land(con, "postmortems", "postmortem", [pm, {"id": "b.md", "incidents": []}], snapshot=True)
    assert (
        con.execute("select count(*) from raw_objects where deleted_at is not null").fetchone()[0]
        == 0
    )


def test_ndjson_page_file_lands_in_bulk(tmp_path: Path) -> None:
    page = tmp_path / "page.ndjson"
    page.write_text(
        "\n".join(json.dumps(pd_incident(f"I{i}", "2026-03-01T00:00:00Z")) for i in range(50))
        + "\n"
        + json.dumps({"no": "id"})
        + "\n"
    )
    con = open_memory()
    assert land_ndjson(con, "pagerduty", "incident", page) == 50
    assert land_ndjson(con, "pagerduty", "incident", page) == 0  # unchanged: nothing written
    assert con.execute("select count(*) from raw_rejects").fetchone()[0] == 1


def test_malformed_incident_is_kept_and_listed() -> None:
    wh = TestWarehouse()
    wh.land(
        "pagerduty",
        "incident",
        [pd_incident("OK", "2026-03-02T12:00:00Z"), pd_incident("BAD", "not-a-date")],
    )
    wh.build()
    assert wh.con.execute("select count(*) from incidents").fetchone()[0] == 2
    issue = wh.one("select object_key, problem, detail from data_quality_issues")
    assert issue == {
        "object_key": "pagerduty:BAD",
        "problem": "creation time missing or unreadable",
        "detail": "not-a-date",
    }


def test_rebuilding_changes_nothing() -> None:
    wh = TestWarehouse({"services": {"checkout-api": {"argocd_apps": ["app"]}}})
    wh.land(
        "pagerduty",
        "incident",
        [pd_incident("A", "2026-03-02T12:00:00Z", resolved_at="2026-03-02T12:30:00Z")],
    )
    wh.build()
    tables = [
        "incidents",
        "deploys",
        "corrective_actions",
        "data_quality_issues",
        "incident_events",
        "postmortems",
    ]
    first = {t: wh.con.execute(f"select * from {t} order by all").fetchall() for t in tables}
    build_models(wh.con, wh.settings)
    second = {t: wh.con.execute(f"select * from {t} order by all").fetchall() for t in tables}
    assert first == second


def test_published_snapshot_is_read_only_and_complete(tmp_path: Path) -> None:
    settings = settings_from_dict(
        {"warehouse": {"path": "wh.duckdb"}}, base_dir=tmp_path, origin="test"
    )
    con = open_writer(settings.warehouse_path)
    land(con, "pagerduty", "incident", [pd_incident("A", "2026-03-02T12:00:00Z")])
    result = build_and_publish(settings, con)
    con.close()
    assert result.incidents == 1
    reader = open_reader(settings.serving_path)
    assert reader.execute("select incident_key from incidents").fetchall() == [("pagerduty:A",)]
    with pytest.raises(duckdb.Error):
        reader.execute("create table x (a int)")
    assert "raw_objects" not in {
        r[0] for r in reader.execute("select table_name from duckdb_tables()").fetchall()
    }


def test_a_reopened_warehouse_lands_at_once(tmp_path: Path) -> None:
    # opening migrates and checks the version: no result may be left pending on the connection
    # (DuckDB refuses to register a page then)
    path = tmp_path / "wh.duckdb"
    open_writer(path).close()
    con = open_writer(path)
    assert (
        land(con, "pagerduty", "incident", [pd_incident("A", "2026-03-01T00:00:00Z")]).changed == 1
    )
    con.close()
