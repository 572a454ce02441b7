"""The postmortems connector: files and the actions CSV landed as snapshots, every read problem
kept as a reject at ``file:line``; run through ``run_sync`` on an in-memory warehouse."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from opskpi.config import Settings, settings_from_dict
from opskpi.etl.sync import run_sync
from opskpi.simulator import generate, write_postmortems

GOOD = """---
incidents: ["pagerduty:Q1ABC2DEF"]
severity: sev2
root_cause: capacity
published_at: 2026-03-02T14:00:00-03:00
---
# Postmortem — INC-20260301-1 (Sev2)

## Causa-raiz
Pool de conexões saturado.

## Ações corretivas (SMART)
| ID | Ação | Owner | Prazo | Status |
|----|------|-------|-------|--------|
| AC-01 | Ajustar retry/timeout no BFF | @alice | 2026-03-10 | Concluída |
"""

SECOND = GOOD.replace("INC-20260301-1", "INC-20260302-1").replace("Q1ABC2DEF", "Q2XYZ")

BROKEN = """---
incidents: ["pagerduty:QRASCUNHO"
# Postmortem — rascunho
"""

CSV = (
    "id,postmortem,incident,action,owner,due_date,status,completed_on,must_fix\n"
    "AC-10,INC-20260301-1,pagerduty:Q1ABC2DEF,Alerta de pool,@bob,2026-03-20,Aberta,,não\n"
    "AC-11,INC-20260301-1,pagerduty:Q1ABC2DEF,Linha a mais,@bob,2026-03-20,Aberta,,não,x\n"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    pm = tmp_path / "pm"
    pm.mkdir()
    (pm / "INC-20260301-1.md").write_text(GOOD, encoding="utf-8")
    (pm / "INC-20260302-1.md").write_text(SECOND, encoding="utf-8")
    (pm / "broken.md").write_text(BROKEN, encoding="utf-8")
    (pm / "actions.csv").write_text(CSV, encoding="utf-8")
    return pm


def settings_for(tmp_path: Path, *, csv: bool = True) -> Settings:
    section: dict[str, str] = {"path": "pm"}
    if csv:
        section["actions_csv"] = "pm/actions.csv"
    return settings_from_dict({"postmortems": section}, base_dir=tmp_path, origin="test")


def live(con: duckdb.DuckDBPyConnection, object_type: str) -> set[str]:
    rows = con.execute(
        "select object_id from raw_objects where source = 'postmortems' and object_type = ? "
        "and deleted_at is null",
        [object_type],
    ).fetchall()
    return {r[0] for r in rows}


def rejects(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    rows = con.execute(
        "select location, object_type, reason from raw_rejects where source = 'postmortems'"
    ).fetchall()
    return {location: (object_type, reason) for location, object_type, reason in rows}


def test_lands_postmortems_and_actions_with_their_keys(
    tmp_path: Path, folder: Path, con: duckdb.DuckDBPyConnection
) -> None:
    report = run_sync(settings_for(tmp_path), con=con)
    assert report.ok
    assert live(con, "postmortem") == {"INC-20260301-1.md", "INC-20260302-1.md"}
    assert live(con, "action") == {"actions.csv#2"}
    payload = json.loads(
        con.execute(
            "select payload from raw_objects where object_id = 'INC-20260301-1.md'"
        ).fetchone()[0]
    )
    assert payload["incidents"] == ["pagerduty:Q1ABC2DEF"]
    assert payload["actions"][0]["id"] == "AC-01"
    counts = report.results[0].counts
    assert counts["postmortem"] == {"received": 2, "changed": 2, "rejected": 1, "deleted": 0}
    assert counts["action"] == {"received": 1, "changed": 1, "rejected": 1, "deleted": 0}
    assert report.results[0].records == 3


def test_every_read_problem_is_a_reject_at_file_and_line(
    tmp_path: Path, folder: Path, con: duckdb.DuckDBPyConnection
) -> None:
    run_sync(settings_for(tmp_path), con=con)
    found = rejects(con)
    assert set(found) == {"broken.md:1", "actions.csv:3"}
    assert found["broken.md:1"][0] == "postmortem"
    assert "never closed" in found["broken.md:1"][1]
    assert found["actions.csv:3"] == (
        "action",
        "this row has 10 cells, expected 9 as in the header; the row was not loaded "
        "(quote a cell holding the separator)",
    )


def test_a_second_run_changes_nothing(
    tmp_path: Path, folder: Path, con: duckdb.DuckDBPyConnection
) -> None:
    settings = settings_for(tmp_path)
    run_sync(settings, con=con)
    before = con.execute("select count(*) from raw_rejects").fetchone()[0]
    again = run_sync(settings, con=con)
    assert again.ok
    assert again.results[0].records == 0
    assert con.execute("select count(*) from raw_rejects").fetchone()[0] == before


def test_deleted_files_and_rows_leave_and_come_back(
    tmp_path: Path, folder: Path, con: duckdb.DuckDBPyConnection
) -> None:
    settings = settings_for(tmp_path)
    run_sync(settings, con=con)
    (folder / "INC-20260302-1.md").unlink()
    (folder / "actions.csv").write_text(CSV.splitlines()[0] + "\n", encoding="utf-8")
    report = run_sync(settings, con=con)
    assert report.results[0].counts["postmortem"]["deleted"] == 1
    assert report.results[0].counts["action"]["deleted"] == 1
    assert live(con, "postmortem") == {"INC-20260301-1.md"}
    assert live(con, "action") == set()
    (folder / "INC-20260302-1.md").write_text(SECOND, encoding="utf-8")
    run_sync(settings, con=con)
    assert live(con, "postmortem") == {"INC-20260301-1.md", "INC-20260302-1.md"}


def test_a_fixed_file_leaves_the_rejects(
    tmp_path: Path, folder: Path, con: duckdb.DuckDBPyConnection
) -> None:
    settings = settings_for(tmp_path)
    run_sync(settings, con=con)
    (folder / "broken.md").write_text(GOOD.replace("INC-20260301-1", "INC-20260303-1"), "utf-8")
    run_sync(settings, con=con)
    assert set(rejects(con)) == {"actions.csv:3"}
    assert "broken.md" in live(con, "postmortem")


def test_actions_leave_when_the_csv_is_no_longer_configured(
    tmp_path: Path, folder: Path, con: duckdb.DuckDBPyConnection
) -> None:
    run_sync(settings_for(tmp_path), con=con)
    run_sync(settings_for(tmp_path, csv=False), con=con)
    assert live(con, "action") == set()
    assert set(rejects(con)) == {"broken.md:1"}


def test_a_missing_folder_fails_the_source_with_its_path(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    report = run_sync(settings_for(tmp_path, csv=False), con=con)
    assert not report.ok
    assert report.failed == ["postmortems"]
    assert report.results[0].error == f"postmortems folder not found: {tmp_path / 'pm'}"
    status, error = con.execute("select status, error from sync_runs").fetchone()
    assert (status, error) == ("failed", report.results[0].error)


def test_the_simulators_folder_lands_every_published_postmortem(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    org = generate(3, datetime(2026, 3, 1, tzinfo=UTC), months=2)
    write_postmortems(org, tmp_path / "pm")
    report = run_sync(settings_for(tmp_path), con=con)
    assert report.ok
    published = {f"{pm.id}.md" for pm in org.postmortems if pm.published_at <= org.end}
    assert live(con, "postmortem") == published
    in_csv = sum(1 for pm in org.postmortems for a in pm.actions if a.in_csv)
    assert len(live(con, "action")) == in_csv + 1  # + the row with an impossible due date
    locations = set(rejects(con))
    assert any(loc.startswith("INC-rascunho-sem-revisao.md") for loc in locations)
