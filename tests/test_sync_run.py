"""``run_sync``: which sources run, the ``sync_runs`` rows, interrupted runs, one source failing
while the others go on. The postmortems source needs no API; a PagerDuty source with an unset
token fails before any request, which is all these tests need of it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from opskpi.config import Settings, settings_from_dict
from opskpi.etl.errors import ConfigurationError
from opskpi.etl.sync import INTERRUPTED, requested_sources, run_sync
from opskpi.etl.warehouse.connect import open_memory, open_writer

POSTMORTEM = """---
incidents: ["pagerduty:Q1ABC2DEF"]
severity: sev3
root_cause: data
published_at: 2026-03-02T14:00:00-03:00
---
# Postmortem — INC-20260301-1 (Sev3)
"""


def make_settings(tmp_path: Path, *, pagerduty: bool = False) -> Settings:
    (tmp_path / "pm").mkdir(exist_ok=True)
    (tmp_path / "pm" / "INC-20260301-1.md").write_text(POSTMORTEM, encoding="utf-8")
    data: dict = {
        "warehouse": {"path": "wh.duckdb"},
        "postmortems": {"path": "pm"},
    }
    if pagerduty:
        data["sources"] = {
            "pagerduty": {
                "base_url": "http://127.0.0.1:9/pagerduty",
                "token_env": "OPSKPI_TEST_TOKEN_THAT_IS_NOT_SET",
            }
        }
    return settings_from_dict(data, base_dir=tmp_path, origin="opskpi.toml")


def runs(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select run_id, source, status, error, records from sync_runs order by run_id, source"
    ).fetchall()


def test_unknown_and_unconfigured_sources_are_refused_naming_the_configured_ones(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    with pytest.raises(ConfigurationError) as unknown:
        requested_sources(settings, ["jira"])
    assert str(unknown.value) == (
        "source 'jira' is not configured in opskpi.toml (configured sources: postmortems)"
    )
    with pytest.raises(ConfigurationError, match="'argocd' is not configured"):
        requested_sources(settings, ["argocd"])
    assert requested_sources(settings, None) == ["postmortems"]


def test_no_configured_source_is_an_error(tmp_path: Path) -> None:
    empty = settings_from_dict({}, base_dir=tmp_path, origin="opskpi.toml")
    with pytest.raises(ConfigurationError, match="no source is configured"):
        run_sync(empty, con=open_memory())


def test_sources_run_in_config_order_whatever_the_request_order(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, pagerduty=True)
    assert requested_sources(settings, ["postmortems", "pagerduty"]) == [
        "pagerduty",
        "postmortems",
    ]


def test_a_successful_run_is_recorded_with_counts(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    report = run_sync(make_settings(tmp_path), con=con)
    assert report.ok and report.failed == []
    row = con.execute(
        "select status, full_sync, records, counts, error, finished_at >= started_at from sync_runs"
    ).fetchone()
    assert row[:3] == ("success", False, 1)
    assert json.loads(row[3]) == {
        "action": {"received": 0, "changed": 0, "rejected": 0, "deleted": 0},
        "postmortem": {"received": 1, "changed": 1, "rejected": 0, "deleted": 0},
        "requests": 0,
    }
    assert row[4] is None and row[5] is True


def test_each_invocation_gets_a_new_run_id(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    settings = make_settings(tmp_path)
    first, second = run_sync(settings, con=con), run_sync(settings, con=con, full=True)
    assert second.run_id > first.run_id
    assert [r[0] for r in runs(con)] == [first.run_id, second.run_id]
    assert con.execute("select full_sync from sync_runs order by run_id").fetchall() == [
        (False,),
        (True,),
    ]


def test_one_source_failing_does_not_stop_the_others(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPSKPI_TEST_TOKEN_THAT_IS_NOT_SET", raising=False)
    report = run_sync(make_settings(tmp_path, pagerduty=True), con=con)
    assert not report.ok
    assert report.failed == ["pagerduty"]
    run_id = report.run_id
    assert runs(con) == [
        (
            run_id,
            "pagerduty",
            "failed",
            "sources.pagerduty: environment variable OPSKPI_TEST_TOKEN_THAT_IS_NOT_SET is not set",
            0,
        ),
        (run_id, "postmortems", "success", None, 1),
    ]


def test_a_run_left_running_by_a_killed_process_is_marked_interrupted(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    con = open_writer(settings.warehouse_path)
    con.execute(
        "insert into sync_runs (run_id, source, started_at, status) "
        "values (nextval('sync_run_ids'), 'postmortems', now(), 'running')"
    )
    con.close()  # as if the process had died here
    report = run_sync(settings)
    assert report.ok and report.interrupted_runs == 1
    con = open_writer(settings.warehouse_path)
    try:
        rows = runs(con)
    finally:
        con.close()
    assert [(r[2], r[3]) for r in rows] == [("failed", INTERRUPTED), ("success", None)]


def test_run_sync_opens_and_closes_the_warehouse_itself(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    assert run_sync(settings).ok
    con = duckdb.connect(str(settings.warehouse_path))  # the writer lock was released
    con.close()
