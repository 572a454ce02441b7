"""A rejected record is fetched again on the next runs until it lands or is quarantined.

An incident that PagerDuty sent once without its id (the simulator's ``missing_id`` fault) is
rejected; the run keeps the watermark it started from, so the next incremental run lists the
same window again and lands the incident, which an incremental run from the advanced watermark
would never list again. A record rejected by ``[sync] reject_retries`` + 1 runs is quarantined:
kept and counted on the data-health page, and no longer holding the watermark."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from opskpi.config import Settings, settings_from_dict
from opskpi.etl.http import factory
from opskpi.etl.http.policy import RetryPolicy
from opskpi.etl.sync import run_sync
from opskpi.etl.warehouse.build import build_and_publish
from opskpi.etl.warehouse.connect import open_writer
from opskpi.etl.warehouse.sync_state import load_state
from opskpi.simulator import Organisation, SimulatorServer, generate

pytestmark = pytest.mark.integration

END = datetime(2026, 3, 1, tzinfo=UTC)
FIRST = END - timedelta(days=20)  # the clock of the first (clean) run


@pytest.fixture(scope="module")
def org() -> Organisation:
    return generate(23, END, months=2)


@pytest.fixture
def sim(org: Organisation) -> Iterator[SimulatorServer]:
    with SimulatorServer(org) as server:
        yield server


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(factory, "RetryPolicy", lambda: RetryPolicy(sleep=lambda _: None))


def make_settings(tmp_path: Path, sim: SimulatorServer, **sync: Any) -> Settings:
    (tmp_path / "pd.token").write_text(sim.tokens.pagerduty + "\n", encoding="utf-8")
    source = {"base_url": sim.pagerduty_url, "token_file": "pd.token", "timeout": "2s"}
    return settings_from_dict(
        {
            "warehouse": {"path": "wh.duckdb"},
            "sources": {"pagerduty": source},
            "sync": {"initial_lookback": "90d", "lookback": "7d", **sync},
        },
        base_dir=tmp_path,
        origin="test",
    )


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = open_writer(tmp_path / "wh.duckdb")
    yield connection
    connection.close()


def sync(con: duckdb.DuckDBPyConnection, settings: Settings, sim: SimulatorServer) -> None:
    report = run_sync(settings, con=con, now=lambda: sim.now)
    assert report.ok, report.results


def incident_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select object_id from raw_objects where source = 'pagerduty' and object_type = 'incident'"
    ).fetchall()
    return {r[0] for r in rows}


def rejects(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(
        "select object_type, reason, attempts, quarantined_at is not null from raw_rejects "
        "where source = 'pagerduty'"
    ).fetchall()


def watermark(con: duckdb.DuckDBPyConnection) -> datetime | None:
    state = load_state(con, "pagerduty", "incidents")
    assert state is not None
    return state.watermark


def first_new(org: Organisation, since: datetime, seen_until: datetime) -> tuple[int, str]:
    """(its place on the first page, id) of the first incident ``GET /incidents`` lists from
    ``since`` (oldest first) that a run up to ``seen_until`` did not see."""
    listed = sorted(
        (i for i in org.incidents if i.source == "pagerduty" and since <= i.created_at),
        key=lambda i: (i.created_at, i.source_id),
    )
    place = next(n for n, i in enumerate(listed) if i.created_at > seen_until)
    assert place < 100  # on the first page
    return place, listed[place].source_id


def test_a_rejected_incident_lands_on_the_next_incremental_run(
    org: Organisation, sim: SimulatorServer, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    settings = make_settings(tmp_path, sim)
    sim.set_now(FIRST)
    sync(con, settings, sim)
    assert watermark(con) == FIRST

    sim.set_now(END)
    # run 2 lists from FIRST - 7 d; its first page loses the id of the first new incident, once
    place, broken = first_new(org, FIRST - timedelta(days=7), FIRST)
    sim.add_fault(path=r"/incidents$", kind="malformed", malformed="missing_id", record=place)
    sync(con, settings, sim)
    assert broken not in incident_ids(con)
    assert rejects(con) == [("incident", "incident without an id", 1, False)]
    assert watermark(con) == FIRST  # held: the next run reads the same window again

    # run 3, a day later: from the advanced watermark it would list from END - 7 d, after the
    # broken incident (created in the first days of the window)
    assert org_created(org, broken) < END - timedelta(days=7)
    sim.set_now(END + timedelta(days=1))
    sync(con, settings, sim)
    assert broken in incident_ids(con)
    assert rejects(con) == []  # it landed: nothing left to fetch again
    assert watermark(con) == END + timedelta(days=1)


def org_created(org: Organisation, source_id: str) -> datetime:
    return next(i.created_at for i in org.incidents if i.source_id == source_id)


def test_a_record_rejected_on_every_run_is_quarantined_after_the_retries(
    sim: SimulatorServer, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    settings = make_settings(tmp_path, sim, reject_retries=2)
    sim.set_now(FIRST)
    sync(con, settings, sim)
    sim.set_now(END)
    sim.add_fault(
        path=r"/incidents$", kind="malformed", malformed="missing_id", record=3, count=1_000
    )
    # every listing page loses record 3's id. Runs 2, 3: rejected, the watermark held at
    # FIRST; run 4: rejected by a third run, more than 1 + reject_retries (2): quarantined,
    # and the watermark moves on
    sync(con, settings, sim)
    pages = len(rejects(con))
    assert pages >= 1
    assert set(rejects(con)) == {("incident", "incident without an id", 1, False)}
    assert watermark(con) == FIRST
    sync(con, settings, sim)
    assert len(rejects(con)) == pages
    assert set(rejects(con)) == {("incident", "incident without an id", 2, False)}
    assert watermark(con) == FIRST
    sync(con, settings, sim)
    assert len(rejects(con)) == pages
    assert set(rejects(con)) == {("incident", "incident without an id", 3, True)}
    assert watermark(con) == END

    build_and_publish(settings, con)
    served = duckdb.connect(str(settings.serving_path), read_only=True)
    try:
        counts = served.execute(
            "select source, object_type, rejected, retrying, quarantined, max_attempts "
            "from rejected_records"
        ).fetchall()
    finally:
        served.close()
    assert counts == [("pagerduty", "incident", pages, 0, pages, 3)]


def test_a_run_that_fails_keeps_the_rejects_of_the_last_successful_one(
    sim: SimulatorServer, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    settings = make_settings(tmp_path, sim)
    sim.set_now(END)
    sim.add_fault(path=r"/incidents$", kind="malformed", malformed="missing_id", record=3)
    sync(con, settings, sim)
    assert rejects(con) == [("incident", "incident without an id", 1, False)]
    sim.add_fault(path=r"/log_entries$", kind="status", status=403, count=1_000)
    report = run_sync(settings, con=con, now=lambda: sim.now)
    assert report.failed == ["pagerduty"]
    assert rejects(con) == [("incident", "incident without an id", 1, False)]
