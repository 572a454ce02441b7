"""The Opsgenie connector against the API simulator (a real HTTP server, no mocks).

Expected objects are computed from the simulator's organisation (its ground truth), never
from the JSON it serves. Retries sleep through an injected ``sleep``, so nothing waits.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from opskpi.config import Settings, settings_from_dict
from opskpi.etl.context import SyncContext
from opskpi.etl.errors import HttpError, ServerHttpError
from opskpi.etl.http import RetryPolicy
from opskpi.etl.sources.opsgenie import OpsgenieConnector
from opskpi.etl.sync import run_sync
from opskpi.etl.warehouse.build import build_models
from opskpi.etl.warehouse.connect import open_memory, open_writer
from opskpi.simulator import Incident, Organisation, SimulatorServer, SimulatorTokens, generate
from opskpi.simulator import opsgenie as og
from opskpi.simulator.timeutil import epoch_ms, iso_millis

pytestmark = pytest.mark.integration

KEY = "og-key-5f1d7c3b9a2e4d6f8b0c1a3e5d7f9b2c"
T0 = datetime(2026, 1, 20, tzinfo=UTC)  # the simulator's clock at the first sync
PAGE = 25  # small pages, so every list pages several times
_run_ids = itertools.count(1)


@pytest.fixture(scope="module")
def org() -> Organisation:
    return generate(7, datetime(2026, 3, 1, tzinfo=UTC), months=2, opsgenie_share=0.5)


@pytest.fixture
def server(org: Organisation) -> Iterator[SimulatorServer]:
    with SimulatorServer(org, tokens=SimulatorTokens(opsgenie=KEY), now=T0) as sim:
        yield sim


def make_settings(
    tmp_path: Path, base_url: str, *, mode: str = "alerts", key: str = KEY
) -> Settings:
    (tmp_path / "opsgenie.key").write_text(key + "\n")
    source = {
        "base_url": base_url,
        "api_key_file": "opsgenie.key",
        "mode": mode,
        "timeout": "0.5s",
    }
    return settings_from_dict(
        {"sources": {"opsgenie": source}, "sync": {"initial_lookback": "365d", "lookback": "7d"}},
        base_dir=tmp_path,
        origin="test",
    )


def sync(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    server: SimulatorServer,
    slept: list[float],
    *,
    full: bool = False,
) -> tuple[SyncContext, OpsgenieConnector]:
    ctx = SyncContext(
        con=con,
        settings=settings,
        source="opsgenie",
        run_id=next(_run_ids),
        full=full,
        started_at=datetime.now(UTC),
        now=lambda: server.now,
    )
    connector = OpsgenieConnector(settings, retry=RetryPolicy(sleep=slept.append), page_size=PAGE)
    server.reset_counts()
    connector.sync(ctx)
    return ctx, connector


# -- ground truth --------------------------------------------------------------------------------
def alerts_at(org: Organisation, now: datetime) -> list[Incident]:
    return [i for i in org.incidents if i.source == "opsgenie" and i.created_at <= now]


def incidents_at(org: Organisation, now: datetime) -> list[Incident]:
    return [i for i in alerts_at(org, now) if i.og_incident_id]


def log_keys(server: SimulatorServer, alerts: list[Incident], now: datetime) -> set[str]:
    return {
        f"{a.source_id}/{og.log_offset(e)}"
        for a in alerts
        for e in og.alert_log_events(server.world, a)
        if e[0] <= now
    }


def timeline_keys(server: SimulatorServer, incidents: list[Incident], now: datetime) -> set[str]:
    return {
        f"{i.og_incident_id}/{e['id']}"
        for i in incidents
        for e in og.timeline(server.world, i)
        if e["_at"] <= now
    }


def landed(con: duckdb.DuckDBPyConnection, object_type: str) -> dict[str, Any]:
    rows = con.execute(
        "select object_id, payload from raw_objects where source = 'opsgenie' and object_type = ?",
        [object_type],
    ).fetchall()
    return {object_id: json.loads(payload) for object_id, payload in rows}


def raw_table(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute("select * from raw_objects order by all").fetchall()


# -- alerts mode ---------------------------------------------------------------------------------
def test_full_sync_lands_exactly_the_organisations_alerts(
    con: duckdb.DuckDBPyConnection,
    org: Organisation,
    server: SimulatorServer,
    slept: list[float],
    tmp_path: Path,
) -> None:
    ctx, connector = sync(con, make_settings(tmp_path, server.opsgenie_url), server, slept)
    alerts = alerts_at(org, T0)
    assert len(alerts) > 3 * PAGE  # several pages
    landed_alerts = landed(con, "alert")
    assert set(landed_alerts) == {a.source_id for a in alerts}
    # the GET-one body was landed: details and description, which the list omits
    assert all("details" in p and "description" in p for p in landed_alerts.values())
    assert set(landed(con, "alert_log")) == log_keys(server, alerts, T0)
    parents = con.execute(
        "select count(*) from raw_objects where object_type = 'alert_log' "
        "and not starts_with(object_id, parent_id || '/')"
    ).fetchone()
    assert parents == (0,)
    assert set(landed(con, "team")) == {t.og_id for t in org.teams}
    assert set(landed(con, "service")) == {s.og_id for s in org.services}
    assert con.execute("select count(*) from raw_rejects").fetchone() == (0,)
    # requests: what the simulator counted, per endpoint
    assert ctx.requests == server.request_counts()["total"]
    assert connector.stats == {
        "GET /v2/teams": 1,
        "GET /v1/services": 1,
        "GET /v2/alerts": math.ceil(len(alerts) / PAGE),
        "GET /v2/alerts/{id}": len(alerts),
        # a page shorter than the limit is the last: one request per alert with < 25 lines
        "GET /v2/alerts/{id}/logs": sum(
            1 + sum(1 for e in og.alert_log_events(server.world, a) if e[0] <= T0) // PAGE
            for a in alerts
        ),
    }
    assert slept == []


def test_second_run_without_upstream_change_changes_nothing(
    con: duckdb.DuckDBPyConnection,
    org: Organisation,
    server: SimulatorServer,
    slept: list[float],
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, server.opsgenie_url)
    sync(con, settings, server, slept)
    before = raw_table(con)
    ctx, connector = sync(con, settings, server, slept)
    assert raw_table(con) == before
    assert sum(r.changed for r in ctx.totals.values()) == 0
    # only the requests needed: directory, the lookback window's list pages, and one GET per
    # alert still open but older than the window
    alerts = alerts_at(org, T0)
    window_start = max(epoch_ms(a.created_at) for a in alerts) - 7 * 86_400_000
    in_window = [a for a in alerts if epoch_ms(a.created_at) >= window_start]
    old_open = [a for a in alerts if a not in in_window and a.resolved_at_view(T0) is None]
    assert connector.stats == {
        "GET /v2/teams": 1,
        "GET /v1/services": 1,
        "GET /v2/alerts": max(1, math.ceil(len(in_window) / PAGE)),
        **({"GET /v2/alerts/{id}": len(old_open)} if old_open else {}),
    }
    assert ctx.requests == server.request_counts()["total"]


def test_the_next_run_picks_up_new_and_changed_alerts(
    con: duckdb.DuckDBPyConnection,
    org: Organisation,
    server: SimulatorServer,
    slept: list[float],
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, server.opsgenie_url)
    sync(con, settings, server, slept)
    t1 = server.advance(timedelta(days=16))
    # an alert open at T0, created before the lookback window, closed by t1: only the
    # re-read of open alerts can see it
    old = [
        a
        for a in alerts_at(org, T0)
        if a.created_at < T0 - timedelta(days=8) and a.resolved_at and T0 < a.resolved_at <= t1
    ]
    assert old, "the seed should give an old alert closed between the two runs"
    ctx, _ = sync(con, settings, server, slept)
    alerts = alerts_at(org, t1)
    landed_alerts = landed(con, "alert")
    assert set(landed_alerts) == {a.source_id for a in alerts}
    for alert in alerts:
        payload = landed_alerts[alert.source_id]
        assert payload["updatedAt"] == iso_millis(alert.last_event_at(t1)), alert.source_id
        assert payload["status"] == ("closed" if alert.resolved_at_view(t1) else "open")
    assert set(landed(con, "alert_log")) == log_keys(server, alerts, t1)
    assert all(landed_alerts[a.source_id]["status"] == "closed" for a in old)
    assert ctx.totals["alert"].changed > 0


def test_faults_are_retried_and_the_run_completes(
    con: duckdb.DuckDBPyConnection,
    org: Organisation,
    server: SimulatorServer,
    slept: list[float],
    tmp_path: Path,
) -> None:
    server.add_fault(path=r"/opsgenie/v2/alerts$", kind="rate_limit", count=2, retry_after=1)
    server.add_fault(path=r"/opsgenie/v2/alerts/[^/]+$", kind="status", status=500, count=2)
    server.add_fault(path=r"/opsgenie/v2/alerts/[^/]+/logs$", kind="drop", count=1)
    server.add_fault(path=r"/opsgenie/v1/services$", kind="status", status=502, count=1)
    server.add_fault(path=r"/opsgenie/v2/teams$", kind="delay", delay=1.5, count=1)  # > timeout
    ctx, _ = sync(con, make_settings(tmp_path, server.opsgenie_url), server, slept)
    alerts = alerts_at(org, T0)
    assert set(landed(con, "alert")) == {a.source_id for a in alerts}
    assert set(landed(con, "alert_log")) == log_keys(server, alerts, T0)
    assert len(landed(con, "team")) == len(org.teams)
    assert server.faults.pending() == []
    assert len(slept) == 7  # 2 × 429, 2 × 500, drop, 502, timeout
    assert sum(1 <= s <= 1.5 for s in slept) >= 2  # the 429s waited Retry-After
    assert ctx.requests == server.request_counts()["total"]


def test_persistent_5xx_fails_with_a_server_error_and_saves_no_state(
    con: duckdb.DuckDBPyConnection,
    server: SimulatorServer,
    slept: list[float],
    tmp_path: Path,
) -> None:
    server.add_fault(path=r"/opsgenie/v2/alerts$", kind="status", status=503, count=100)
    with pytest.raises(ServerHttpError) as info:
        sync(con, make_settings(tmp_path, server.opsgenie_url), server, slept)
    message = str(info.value)
    assert info.value.status == 503
    assert message.startswith(f"opsgenie: GET {server.opsgenie_url}/v2/alerts?query=createdAt")
    assert "status 503" in message
    assert server.request_counts()["by_path"]["/opsgenie/v2/alerts"] == 5  # 1 + 4 retries
    ctx = SyncContext(con, make_settings(tmp_path, server.opsgenie_url), "opsgenie", 0, False, T0)
    assert ctx.get_state("alerts") is None


def test_a_400_is_an_error_not_the_end_of_the_data(
    con: duckdb.DuckDBPyConnection,
    server: SimulatorServer,
    slept: list[float],
    tmp_path: Path,
) -> None:
    server.add_fault(path=r"/opsgenie/v2/alerts$", kind="status", status=400, count=1)
    with pytest.raises(HttpError) as info:
        sync(con, make_settings(tmp_path, server.opsgenie_url), server, slept)
    assert info.value.status == 400
    assert not isinstance(info.value, ServerHttpError)
    assert slept == []


def test_a_malformed_record_is_rejected_and_the_rest_lands(
    con: duckdb.DuckDBPyConnection,
    org: Organisation,
    server: SimulatorServer,
    slept: list[float],
    tmp_path: Path,
) -> None:
    server.add_fault(
        path=r"/opsgenie/v2/alerts$", kind="malformed", malformed="missing_id", record=3
    )
    settings = make_settings(tmp_path, server.opsgenie_url)
    sync(con, settings, server, slept)
    alerts = sorted(alerts_at(org, T0), key=lambda a: (a.created_at, a.number))
    broken = alerts[3]  # the first page, oldest first
    assert set(landed(con, "alert")) == {a.source_id for a in alerts} - {broken.source_id}
    rejects = con.execute("select object_type, location, reason, body from raw_rejects").fetchall()
    assert len(rejects) == 1
    object_type, location, reason, body = rejects[0]
    assert (object_type, reason) == ("alert", "alert without an id")
    assert location.startswith(f"{server.opsgenie_url}/v2/alerts?query=createdAt")
    assert f'"tinyId": "{broken.number}"' in body
    # a --full run re-reads the whole window and lands it
    sync(con, settings, server, slept, full=True)
    assert broken.source_id in landed(con, "alert")


def test_wrong_region_401_names_the_base_url(
    con: duckdb.DuckDBPyConnection, server: SimulatorServer, slept: list[float], tmp_path: Path
) -> None:
    wrong = "eu-" + KEY[3:]
    with pytest.raises(HttpError) as info:
        sync(con, make_settings(tmp_path, server.opsgenie_url, key=wrong), server, slept)
    message = str(info.value)
    assert info.value.status == 401
    assert f"API key at {server.opsgenie_url}" in message
    assert "https://api.eu.opsgenie.com" in message
    assert wrong not in message


# -- incidents mode ------------------------------------------------------------------------------
def test_incidents_mode_lands_incidents_and_timelines_incrementally(
    con: duckdb.DuckDBPyConnection,
    org: Organisation,
    server: SimulatorServer,
    slept: list[float],
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, server.opsgenie_url, mode="incidents")
    ctx, connector = sync(con, settings, server, slept)
    incidents = incidents_at(org, T0)
    assert len(incidents) > PAGE
    assert set(landed(con, "incident")) == {i.og_incident_id for i in incidents}
    assert set(landed(con, "timeline_entry")) == timeline_keys(server, incidents, T0)
    assert "alert" not in ctx.totals
    assert connector.stats["GET /v1/incidents"] == math.ceil(len(incidents) / PAGE)
    assert connector.stats["GET /v2/incident-timelines/{id}/entries"] == len(incidents)

    before = raw_table(con)
    sync(con, settings, server, slept)
    assert raw_table(con) == before

    t1 = server.advance(timedelta(days=16))
    sync(con, settings, server, slept)
    incidents = incidents_at(org, t1)
    landed_incidents = landed(con, "incident")
    assert set(landed_incidents) == {i.og_incident_id for i in incidents}
    for inc in incidents:
        assert landed_incidents[inc.og_incident_id]["status"] == og.incident_status(inc, t1)
    assert set(landed(con, "timeline_entry")) == timeline_keys(server, incidents, t1)


# -- secrets -------------------------------------------------------------------------------------
def text_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        """
        select c.table_name, c.column_name
        from information_schema.columns c
        join information_schema.tables t using (table_catalog, table_schema, table_name)
        where c.data_type in ('VARCHAR', 'JSON') or c.data_type like '%[]'
           or c.data_type like 'STRUCT%' or c.data_type like 'MAP%'
        """
    ).fetchall()


def test_the_key_appears_nowhere(
    server: SimulatorServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Through the real sync entry point: a good run, a failed run, a wrong-region run, a
    build; then the key is searched in errors, logs, output and every text column."""
    caplog.set_level(logging.DEBUG)
    settings = make_settings(tmp_path, server.opsgenie_url)
    con = open_writer(tmp_path / "warehouse.duckdb")
    try:
        assert run_sync(settings, con=con, now=lambda: server.now).ok
        server.advance(timedelta(days=3))
        server.add_fault(path=r"/opsgenie/v2/alerts$", kind="status", status=501, count=1)
        failed = run_sync(settings, con=con, now=lambda: server.now)
        assert failed.failed == ["opsgenie"]
        assert "status 501" in (failed.results[0].error or "")
        build_models(con, settings)
        columns = text_columns(con)
        assert ("sync_runs", "error") in columns
        for table, column in columns:
            hits = con.execute(
                f'select count(*) from "{table}" where cast("{column}" as varchar) like ?',
                [f"%{KEY[8:]}%"],
            ).fetchone()
            assert hits == (0,), f"{table}.{column}"
    finally:
        con.close()
    (tmp_path / "other").mkdir()
    wrong_settings = make_settings(tmp_path / "other", server.opsgenie_url, key="x" + KEY)
    with pytest.raises(HttpError) as info:
        OpsgenieConnector(wrong_settings).sync(
            SyncContext(open_memory(), wrong_settings, "opsgenie", 1, False, T0)
        )
    out, err = capsys.readouterr()
    for text in (str(info.value), repr(info.value), caplog.text, out, err):
        assert KEY[8:] not in text
