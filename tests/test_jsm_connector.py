"""The JSM Operations connector against the API simulator (a real HTTP server, no mocks).

Expected objects and request counts are worked out from the simulator's own records (its
ground truth: ``server.world.jsm``, the alerts JSM holds), never from the JSON it serves.
Retries sleep through an injected ``sleep``, so nothing waits.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import math
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from opskpi.config import Settings, settings_from_dict
from opskpi.etl.context import SyncContext
from opskpi.etl.errors import HttpError
from opskpi.etl.http import RetryPolicy
from opskpi.etl.sources.jsm.connector import JsmConnector
from opskpi.etl.sync import run_sync
from opskpi.etl.warehouse.build import build_models
from opskpi.etl.warehouse.connect import open_writer
from opskpi.simulator import Incident, Organisation, SimulatorServer, SimulatorTokens, generate
from opskpi.simulator import jsm as jsmsim
from opskpi.simulator.generate import GenerateParams
from opskpi.simulator.timeutil import iso_millis

pytestmark = pytest.mark.integration

EMAIL = "sre-bot@acme-construtora.example"
TOKEN = "ATATT3xFfGF0-jsm-9f8e7d6c5b4a3210"
END = datetime(2026, 3, 1, tzinfo=UTC)
PAGE = 25  # small pages, so every list pages several times
_run_ids = itertools.count(1)


def migrated(seed: int, months: int = 2, **kwargs: Any) -> Organisation:
    params = GenerateParams(seed=seed, end=END, months=months)
    at = jsmsim.mid_period(params.start_utc, params.end_utc, "America/Sao_Paulo")
    return generate(seed, END, months=months, jsm_migration_at=at, **kwargs)


@pytest.fixture(scope="module")
def org() -> Organisation:
    return migrated(7, opsgenie_share=0.5)


@pytest.fixture(scope="module")
def t0(org: Organisation) -> datetime:
    """The clock of the first sync: three weeks after the migration."""
    assert org.jsm_migrated_at is not None
    return org.jsm_migrated_at + timedelta(days=21)


@pytest.fixture
def server(org: Organisation, t0: datetime) -> Iterator[SimulatorServer]:
    tokens = SimulatorTokens(jsm_email=EMAIL, jsm_api_token=TOKEN)
    with SimulatorServer(org, tokens=tokens, now=t0) as sim:
        yield sim


def make_settings(
    tmp_path: Path,
    server: SimulatorServer,
    *,
    token: str = TOKEN,
    cloud_id: str | None = None,
    comms: bool = True,
    initial_lookback: str = "365d",
    timeout: str = "0.5s",
) -> Settings:
    (tmp_path / "jsm.email").write_text(EMAIL + "\n")
    (tmp_path / "jsm.token").write_text(token + "\n")
    source: dict[str, Any] = {
        "base_url": server.jsm_url,
        "email_file": "jsm.email",
        "api_token_file": "jsm.token",
        "timeout": timeout,
        "comms": comms,
    }
    if cloud_id:
        source["cloud_id"] = cloud_id
    else:
        source["site"] = server.jsm_site_url
    return settings_from_dict(
        {
            "sources": {"jsm": source},
            "sync": {"initial_lookback": initial_lookback, "lookback": "7d"},
        },
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
    page_size: int = PAGE,
) -> tuple[SyncContext, JsmConnector]:
    ctx = SyncContext(
        con=con,
        settings=settings,
        source="jsm",
        run_id=next(_run_ids),
        full=full,
        started_at=datetime.now(UTC),
        now=lambda: server.now,
    )
    connector = JsmConnector(settings, retry=RetryPolicy(sleep=slept.append), page_size=page_size)
    server.reset_counts()
    connector.sync(ctx)
    return ctx, connector


# -- ground truth (the simulator's records) ------------------------------------------------------
def alerts_at(server: SimulatorServer, now: datetime) -> list[Incident]:
    return [i for i in server.world.jsm if i.created_at <= now]


def log_lines(server: SimulatorServer, inc: Incident, now: datetime) -> list[tuple[str, str]]:
    """(time, text) of every log line of the alert visible at ``now``."""
    return sorted((iso_millis(e[0]), e[2]) for e in jsmsim.log_events(server.world, inc, now))


def landed(con: duckdb.DuckDBPyConnection, object_type: str) -> dict[str, Any]:
    rows = con.execute(
        "select object_id, payload from raw_objects where source = 'jsm' and object_type = ?",
        [object_type],
    ).fetchall()
    return {object_id: json.loads(payload) for object_id, payload in rows}


def landed_logs(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    rows = con.execute(
        "select parent_id, payload from raw_objects where source = 'jsm' "
        "and object_type = 'alert_log'"
    ).fetchall()
    for parent, payload in rows:
        line = json.loads(payload)
        out.setdefault(parent, []).append((line.get("logTime") or line["createdAt"], line["log"]))
    return {k: sorted(v) for k, v in out.items()}


def raw_table(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute("select * from raw_objects order by all").fetchall()


def pages(lines: int, size: int) -> int:
    """Requests a cursor listing of ``lines`` takes: a next link only while more remain."""
    return max(1, math.ceil(lines / size))


# -- a first sync --------------------------------------------------------------------------------
def test_full_sync_lands_exactly_the_alerts_jsm_holds(
    con: duckdb.DuckDBPyConnection,
    server: SimulatorServer,
    t0: datetime,
    slept: list[float],
    tmp_path: Path,
) -> None:
    ctx, connector = sync(con, make_settings(tmp_path, server), server, slept)
    alerts = alerts_at(server, t0)
    assert len(alerts) > 3 * PAGE
    got = landed(con, "alert")
    assert set(got) == {a.source_id for a in alerts}
    # what the KPIs read is there in every landed alert, in whichever spelling
    for payload in got.values():
        assert "description" in payload and "entity" in payload
        assert "extraProperties" in payload or "details" in payload
    assert landed_logs(con) == {a.source_id: log_lines(server, a, t0) for a in alerts}
    assert set(landed(con, "team")) == {jsmsim.team_id(t) for t in server.org.teams}
    comms = [i for i in server.world.jsm_comms if jsmsim.comms_started(i) <= t0]
    assert comms
    assert set(landed(con, "comms_incident")) == {jsmsim.comms_id(i) for i in comms}
    assert con.execute("select count(*) from raw_rejects").fetchone() == (0,)
    # requests, per endpoint: the list in pages of 25; the detail only for the alerts whose
    # list item lacks description/details (those served in Opsgenie's spelling); logs by cursor
    in_opsgenie_spelling = [a for a in alerts if jsmsim.spelling(a) == "opsgenie"]
    assert 0 < len(in_opsgenie_spelling) < len(alerts)
    assert connector.stats == {
        "GET <site>/_edge/tenant_info": 1,
        "GET /v1/teams": 1,
        "GET /v1/alerts": math.ceil(len(alerts) / PAGE),
        "GET /v1/alerts/{id}": len(in_opsgenie_spelling),
        "GET /v1/alerts/{id}/logs": sum(pages(len(log_lines(server, a, t0)), PAGE) for a in alerts),
        "GET stakeholder-comms incidents/list": pages(len(comms), PAGE),
    }
    assert ctx.requests == server.request_counts()["total"]
    assert slept == []
    state = ctx.get_state("alerts")
    assert state is not None and state.watermark == t0
    assert set(state.open_ids) == {a.source_id for a in alerts if jsmsim.status(a, t0) != "closed"}


def test_a_configured_cloud_id_skips_tenant_info(
    con: duckdb.DuckDBPyConnection,
    server: SimulatorServer,
    t0: datetime,
    slept: list[float],
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, server, cloud_id=jsmsim.cloud_id(server.org))
    _, connector = sync(con, settings, server, slept)
    assert "GET <site>/_edge/tenant_info" not in connector.stats
    assert not any("/site/" in p for p in server.request_counts()["by_path"])
    assert set(landed(con, "alert")) == {a.source_id for a in alerts_at(server, t0)}


def test_logs_follow_relative_next_links_page_by_page(
    con: duckdb.DuckDBPyConnection,
    server: SimulatorServer,
    t0: datetime,
    slept: list[float],
    tmp_path: Path,
) -> None:
    """Pages of 2: every log of more than 2 lines follows ``/v1/alerts/{id}/logs?after=…``,
    a link relative to the API root, not to the host."""
    _, connector = sync(con, make_settings(tmp_path, server), server, slept, page_size=2)
    alerts = alerts_at(server, t0)
    assert landed_logs(con) == {a.source_id: log_lines(server, a, t0) for a in alerts}
    expected = sum(pages(len(log_lines(server, a, t0)), 2) for a in alerts)
    assert connector.stats["GET /v1/alerts/{id}/logs"] == expected > 2 * len(alerts)


# -- incremental ---------------------------------------------------------------------------------
def test_a_second_run_without_upstream_change_changes_nothing(
    con: duckdb.DuckDBPyConnection,
    server: SimulatorServer,
    t0: datetime,
    slept: list[float],
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, server)
    sync(con, settings, server, slept)
    before = raw_table(con)
    ctx, connector = sync(con, settings, server, slept)
    assert raw_table(con) == before
    assert sum(r.changed for r in ctx.totals.values()) == 0
    # the window is [t0 - 7 days, t0): its list pages; the alerts still open but older are
    # read one by one; nothing changed, so no log is read
    alerts = alerts_at(server, t0)
    in_window = [a for a in alerts if a.created_at >= t0 - timedelta(days=7)]
    old_open = [a for a in alerts if a not in in_window and jsmsim.status(a, t0) != "closed"]
    assert old_open
    comms = [i for i in server.world.jsm_comms if jsmsim.comms_started(i) <= t0]
    assert connector.stats == {
        "GET <site>/_edge/tenant_info": 1,
        "GET /v1/teams": 1,
        "GET /v1/alerts": pages(len(in_window), PAGE),
        "GET /v1/alerts/{id}": len(old_open),
        "GET stakeholder-comms incidents/list": pages(len(comms), PAGE),
    }


def test_the_next_run_picks_up_new_and_changed_alerts(
    con: duckdb.DuckDBPyConnection,
    server: SimulatorServer,
    t0: datetime,
    slept: list[float],
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, server)
    sync(con, settings, server, slept)
    t1 = server.advance(timedelta(days=16))
    # open at t0, created before the next run's window, closed by t1: only the re-read of open
    # alerts can see it
    old = [
        a
        for a in alerts_at(server, t0)
        if a.created_at < t0 - timedelta(days=8) and a.resolved_at and t0 < a.resolved_at <= t1
    ]
    assert old, "the seed should give an old alert closed between the two runs"
    ctx, _ = sync(con, settings, server, slept)
    alerts = alerts_at(server, t1)
    got = landed(con, "alert")
    assert set(got) == {a.source_id for a in alerts}
    for alert in alerts:
        assert got[alert.source_id]["updatedAt"] == iso_millis(alert.last_event_at(t1))
        assert got[alert.source_id]["status"] == jsmsim.status(alert, t1)
    assert all(got[a.source_id]["status"] == "closed" for a in old)
    assert landed_logs(con) == {a.source_id: log_lines(server, a, t1) for a in alerts}
    assert ctx.totals["alert"].changed > 0


def test_an_open_alert_gone_upstream_is_not_asked_for_again(
    con: duckdb.DuckDBPyConnection,
    server: SimulatorServer,
    t0: datetime,
    slept: list[float],
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, server)
    sync(con, settings, server, slept)
    old_open = sorted(
        a.source_id
        for a in alerts_at(server, t0)
        if a.created_at < t0 - timedelta(days=7) and jsmsim.status(a, t0) != "closed"
    )
    gone = old_open[0]
    server.add_fault(path=rf"/v1/alerts/{gone}$", kind="status", status=404, count=1)
    ctx, _ = sync(con, settings, server, slept)
    state = ctx.get_state("alerts")
    assert state is not None and state.gone_ids == (gone,) and gone not in state.open_ids
    _, connector = sync(con, settings, server, slept)
    assert connector.stats["GET /v1/alerts/{id}"] == len(old_open) - 1


# -- failures ------------------------------------------------------------------------------------
def test_429_waits_retry_after_and_the_run_completes(
    con: duckdb.DuckDBPyConnection,
    server: SimulatorServer,
    t0: datetime,
    slept: list[float],
    tmp_path: Path,
) -> None:
    server.add_fault(path=r"/jsm/ops/api/[^/]+/v1/alerts$", kind="rate_limit", retry_after=7)
    server.add_fault(path=r"/v1/alerts/[^/]+/logs$", kind="rate_limit", retry_after=3, count=2)
    server.add_fault(path=r"/v1/alerts/[^/]+$", kind="status", status=500, count=1)
    server.add_fault(path=r"/v1/teams$", kind="drop", count=1)
    server.add_fault(path=r"/_edge/tenant_info$", kind="status", status=503, count=1)
    ctx, _ = sync(con, make_settings(tmp_path, server), server, slept)
    alerts = alerts_at(server, t0)
    assert set(landed(con, "alert")) == {a.source_id for a in alerts}
    assert landed_logs(con) == {a.source_id: log_lines(server, a, t0) for a in alerts}
    assert server.faults.pending() == []
    # the 429s waited exactly what Retry-After named; the others backed off from 1 s
    assert Counter(s for s in slept if s in (3.0, 7.0)) == {7.0: 1, 3.0: 2}
    assert len(slept) == 6  # 3 × 429, 500, drop, 503
    assert ctx.requests == server.request_counts()["total"]


def test_a_malformed_alert_is_rejected_and_the_rest_lands(
    con: duckdb.DuckDBPyConnection,
    server: SimulatorServer,
    t0: datetime,
    slept: list[float],
    tmp_path: Path,
) -> None:
    server.add_fault(
        path=r"/jsm/ops/api/[^/]+/v1/alerts$", kind="malformed", malformed="missing_id", record=3
    )
    sync(con, make_settings(tmp_path, server), server, slept)
    alerts = sorted(alerts_at(server, t0), key=lambda a: (a.created_at, a.number))
    broken = alerts[3]  # the first page, oldest first
    assert set(landed(con, "alert")) == {a.source_id for a in alerts} - {broken.source_id}
    rejects = con.execute("select object_type, location, reason, body from raw_rejects").fetchall()
    assert len(rejects) == 1
    object_type, location, reason, body = rejects[0]
    assert (object_type, reason) == ("alert", "alert without an id")
    assert location.startswith(f"{server.jsm_url}/jsm/ops/api/")
    assert f'"tinyId": "{broken.number}"' in body


def test_stakeholder_comms_outside_the_scope_is_a_warning_not_a_failure(
    org: Organisation, t0: datetime, slept: list[float], tmp_path: Path, caplog: Any
) -> None:
    caplog.set_level(logging.WARNING)
    tokens = SimulatorTokens(jsm_email=EMAIL, jsm_api_token=TOKEN, jsm_comms_scope=False)
    with SimulatorServer(org, tokens=tokens, now=t0) as sim:
        con = open_writer(tmp_path / "w.duckdb")
        try:
            report = run_sync(make_settings(tmp_path, sim), con=con, now=lambda: sim.now)
            assert report.ok
            assert set(landed(con, "alert")) == {a.source_id for a in alerts_at(sim, t0)}
            assert landed(con, "comms_incident") == {}
        finally:
            con.close()
        assert "stakeholder-comms incidents not read (HTTP 403" in caplog.text
        sim.reset_counts()
        con = open_writer(tmp_path / "w2.duckdb")
        try:
            assert run_sync(make_settings(tmp_path, sim, comms=False), con=con).ok
        finally:
            con.close()
        assert not any("stakeholder-comms" in p for p in sim.request_counts()["by_path"])


def test_a_refused_token_names_the_fix_and_never_the_credentials(
    con: duckdb.DuckDBPyConnection, server: SimulatorServer, slept: list[float], tmp_path: Path
) -> None:
    wrong = "ATATT3xFfGF0-wrong-000011112222"
    with pytest.raises(HttpError) as info:
        sync(con, make_settings(tmp_path, server, token=wrong), server, slept)
    message = str(info.value)
    assert info.value.status == 401
    assert "sources.jsm.email_* and api_token_*" in message
    basic = base64.b64encode(f"{EMAIL}:{wrong}".encode()).decode()
    for secret in (wrong, EMAIL, basic):
        assert secret not in message and secret not in repr(info.value)


# -- the offset cap ------------------------------------------------------------------------------
def test_a_window_of_more_than_20000_alerts_arrives_whole(
    slept: list[float], tmp_path: Path
) -> None:
    """21,5xx alerts in February, all in JSM: the first request of the 28-day window counts
    more than one window can page (offset + size must stay below 20,000: 19,900 alerts in pages
    of 100), so the window is split in ceil(count / (0.8 × 19,900)) = 2 equal halves of time,
    each paged whole."""
    org = generate(
        5,
        END,
        months=1,
        incidents_per_day=760,
        opsgenie_share=1.0,
        deploys_per_day=0.1,
        postmortems=False,
        jsm_migration_at=END - timedelta(days=40),
    )
    with SimulatorServer(org, tokens=SimulatorTokens(jsm_email=EMAIL, jsm_api_token=TOKEN)) as sim:
        # a generous timeout: a retried request would count twice in the figures below
        settings = make_settings(tmp_path, sim, comms=False, initial_lookback="28d", timeout="30s")
        con = open_writer(tmp_path / "w.duckdb")
        try:
            ctx, connector = sync(con, settings, sim, slept, page_size=100)
            alerts = alerts_at(sim, sim.now)
            count = len(alerts)
            assert count > 20_000
            assert set(landed(con, "alert")) == {a.source_id for a in alerts}
            assert con.execute(
                "select count(*) from raw_objects where object_type = 'alert'"
            ).fetchone() == (count,)
        finally:
            con.close()
    parts = math.ceil(count / (0.8 * 19_900))
    assert parts == 2
    start_ms = int((sim.now - timedelta(days=28)).timestamp() * 1000)
    end_ms = int(sim.now.timestamp() * 1000)
    middle_ms = start_ms + (end_ms - start_ms) // 2
    first_half = sum(1 for a in alerts if a.created_at.timestamp() * 1000 < middle_ms)
    second_half = count - first_half
    assert 0 < first_half < 19_900 and 0 < second_half < 19_900
    # one request that only counted, then each half paged by 100
    expected = 1 + math.ceil(first_half / 100) + math.ceil(second_half / 100)
    assert connector.stats["GET /v1/alerts"] == expected
    assert ctx.requests == sim.request_counts()["total"]


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


def test_the_email_and_token_appear_nowhere(
    server: SimulatorServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Through the real sync entry point: a good run, a failed run, a build; then the e-mail,
    the token and the Basic credential are searched in errors, logs, output and every text
    column."""
    caplog.set_level(logging.DEBUG)
    settings = make_settings(tmp_path, server)
    basic = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
    con = open_writer(tmp_path / "warehouse.duckdb")
    try:
        assert run_sync(settings, con=con, now=lambda: server.now).ok
        server.advance(timedelta(days=3))
        server.add_fault(path=r"/v1/alerts$", kind="status", status=501, count=1)
        failed = run_sync(settings, con=con, now=lambda: server.now)
        assert failed.failed == ["jsm"]
        assert "status 501" in (failed.results[0].error or "")
        build_models(con, settings)
        columns = text_columns(con)
        assert ("sync_runs", "error") in columns
        for table, column in columns:
            for secret in (EMAIL, TOKEN[8:], basic[8:]):
                hits = con.execute(
                    f'select count(*) from "{table}" where cast("{column}" as varchar) like ?',
                    [f"%{secret}%"],
                ).fetchone()
                assert hits == (0,), f"{table}.{column}"
    finally:
        con.close()
    out, err = capsys.readouterr()
    for text in (caplog.text, out, err):
        for secret in (EMAIL, TOKEN[8:], basic[8:]):
            assert secret not in text


def test_inline_credentials_are_refused(tmp_path: Path) -> None:
    from opskpi.config.load import ConfigError

    for key in ("email", "api_token"):
        with pytest.raises(ConfigError) as info:
            settings_from_dict(
                {"sources": {"jsm": {"site": "https://a.atlassian.net", key: "x"}}},
                base_dir=tmp_path,
                origin="opskpi.toml",
            )
        assert f"'{key}' must not be written in the config file" in str(info.value)
