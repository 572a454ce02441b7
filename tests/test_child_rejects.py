"""A rejected child record (an alert's log line, an incident's timeline entry) is fetched again on
the next runs until it lands or is quarantined, even though its parent is unchanged.

The simulator garbles one line of one alert's logs (the ``not_object`` fault: a string in place
of the JSON object). That line goes to ``raw_rejects`` with the alert as its parent; the alert
and its other lines land. The next run lists the same alert with the same ``updatedAt``: it
fetches that alert's logs again because of the pending reject (and no other alert's), and the
line lands. A line garbled on ``[sync] reject_retries`` + 1 runs is quarantined, and the runs
after that no longer ask for the alert's logs. ``opskpi sync`` runs in this process against the
simulator (a real HTTP server); expected records come from the simulator's organisation."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from opskpi.config import Settings, settings_from_dict
from opskpi.etl.sources.opsgenie import watermark_ms
from opskpi.etl.sync import run_sync
from opskpi.etl.warehouse.connect import open_writer
from opskpi.etl.warehouse.sync_state import StreamState, load_state
from opskpi.simulator import Incident, Organisation, SimulatorServer, SimulatorTokens, generate
from opskpi.simulator import jsm as jsmsim
from opskpi.simulator import opsgenie as og
from opskpi.simulator.faults import GARBLED
from opskpi.simulator.generate import GenerateParams
from opskpi.simulator.timeutil import epoch_ms
from opskpi.sql import migrations

pytestmark = pytest.mark.integration

END = datetime(2026, 3, 1, tzinfo=UTC)
OG_KEY = "og-key-5f1d7c3b9a2e4d6f8b0c1a3e5d7f9b2c"
OG_T0 = datetime(2026, 1, 20, tzinfo=UTC)
JSM_EMAIL = "sre-bot@acme-construtora.example"
JSM_TOKEN = "ATATT3xFfGF0-jsm-9f8e7d6c5b4a3210"
NOT_AN_OBJECT = ("not a JSON object: str", json.dumps(GARBLED))  # (reason, body) of the reject


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def og_org() -> Organisation:
    return generate(7, END, months=2, opsgenie_share=0.5)


@pytest.fixture(scope="module")
def jsm_org() -> Organisation:
    params = GenerateParams(seed=7, end=END, months=2)
    at = jsmsim.mid_period(params.start_utc, params.end_utc, "America/Sao_Paulo")
    return generate(7, END, months=2, jsm_migration_at=at, opsgenie_share=0.5)


@pytest.fixture
def og_sim(og_org: Organisation) -> Iterator[SimulatorServer]:
    with SimulatorServer(og_org, tokens=SimulatorTokens(opsgenie=OG_KEY), now=OG_T0) as sim:
        yield sim


@pytest.fixture
def jsm_sim(jsm_org: Organisation) -> Iterator[SimulatorServer]:
    tokens = SimulatorTokens(jsm_email=JSM_EMAIL, jsm_api_token=JSM_TOKEN)
    with SimulatorServer(jsm_org, tokens=tokens, now=jsm_t0(jsm_org)) as sim:
        yield sim


def jsm_t0(org: Organisation) -> datetime:
    """Three weeks after the migration: ten days back is JSM's too."""
    assert org.jsm_migrated_at is not None
    return org.jsm_migrated_at + timedelta(days=21)


def og_settings(
    tmp_path: Path, sim: SimulatorServer, mode: str = "alerts", **sync: Any
) -> Settings:
    (tmp_path / "opsgenie.key").write_text(OG_KEY + "\n")
    source = {"base_url": sim.opsgenie_url, "api_key_file": "opsgenie.key", "mode": mode}
    return settings_from_dict(
        {
            "sources": {"opsgenie": source},
            "sync": {"initial_lookback": "365d", "lookback": "7d", **sync},
        },
        base_dir=tmp_path,
        origin="test",
    )


def jsm_settings(tmp_path: Path, sim: SimulatorServer, **sync: Any) -> Settings:
    (tmp_path / "jsm.email").write_text(JSM_EMAIL + "\n")
    (tmp_path / "jsm.token").write_text(JSM_TOKEN + "\n")
    source = {
        "base_url": sim.jsm_url,
        "site": sim.jsm_site_url,
        "email_file": "jsm.email",
        "api_token_file": "jsm.token",
        "comms": False,
    }
    return settings_from_dict(
        {
            "sources": {"jsm": source},
            "sync": {"initial_lookback": "365d", "lookback": "7d", **sync},
        },
        base_dir=tmp_path,
        origin="test",
    )


# -- helpers -------------------------------------------------------------------------------------
def sync(con: duckdb.DuckDBPyConnection, settings: Settings, sim: SimulatorServer) -> None:
    sim.reset_counts()
    report = run_sync(settings, con=con, now=lambda: sim.now)
    assert report.ok, report.results


def child_requests(sim: SimulatorServer, suffix: str) -> dict[str, int]:
    """The last run's requests for children (paths ending in ``suffix``), by path after the
    API's version (``alerts/<id>/logs``)."""
    by_path: dict[str, int] = sim.request_counts()["by_path"]
    return {
        re.sub(r"^.*/v\d/", "", path): n for path, n in by_path.items() if path.endswith(suffix)
    }


def rejects(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple[Any, ...]]:
    return con.execute(
        "select object_type, reason, body, parent_id, attempts, quarantined_at is not null "
        "from raw_rejects where source = ? order by all",
        [source],
    ).fetchall()


def children(
    con: duckdb.DuckDBPyConnection, source: str, object_type: str, parent: str
) -> dict[str, Any]:
    rows = con.execute(
        "select object_id, payload from raw_objects "
        "where source = ? and object_type = ? and parent_id = ?",
        [source, object_type, parent],
    ).fetchall()
    return {object_id: json.loads(payload) for object_id, payload in rows}


def state(con: duckdb.DuckDBPyConnection, source: str, stream: str) -> StreamState:
    found = load_state(con, source, stream)
    assert found is not None
    return found


def log_events(sim: SimulatorServer, alert: Incident, now: datetime) -> list[og.LogEvent]:
    """The alert's log lines visible at ``now``, oldest first (as the logs are asked for)."""
    return [e for e in og.alert_log_events(sim.world, alert) if e[0] <= now]


def with_lines(
    sim: SimulatorServer, alerts: list[Incident], now: datetime, after: datetime
) -> Incident:
    """The oldest alert created after ``after`` with three to 99 log lines at ``now`` (one
    page of logs: a run asks for them once)."""
    for alert in sorted(alerts, key=lambda a: (a.created_at, a.number)):
        if alert.created_at > after and 3 <= len(log_events(sim, alert, now)) < 100:
            return alert
    raise AssertionError(f"no alert created after {after} with three log lines")


def og_alerts(org: Organisation, now: datetime) -> list[Incident]:
    return [i for i in org.incidents if i.source == "opsgenie" and i.created_at <= now]


def jsm_alerts(sim: SimulatorServer, now: datetime) -> list[Incident]:
    return [i for i in sim.world.jsm if i.created_at <= now]


def newest_created_ms(alerts: list[Incident]) -> int:
    return epoch_ms(max(a.created_at for a in alerts))


# -- Opsgenie ------------------------------------------------------------------------------------
def test_an_opsgenie_log_line_rejected_once_lands_on_the_next_run(
    og_org: Organisation, og_sim: SimulatorServer, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    settings = og_settings(tmp_path, og_sim)
    first = OG_T0 - timedelta(days=10)
    og_sim.set_now(first)
    sync(con, settings, og_sim)
    held = newest_created_ms(og_alerts(og_org, first))
    assert watermark_ms(state(con, "opsgenie", "alerts")) == held

    # run 2 lists from ``held`` - 7 d: the alert below is new, its second log line garbled
    og_sim.set_now(OG_T0)
    alert = with_lines(og_sim, og_alerts(og_org, OG_T0), OG_T0, after=first)
    lines = log_events(og_sim, alert, OG_T0)
    keys = [f"{alert.source_id}/{og.log_offset(e)}" for e in lines]
    logs = f"alerts/{alert.source_id}/logs"
    og_sim.add_fault(path=f"/{logs}$", kind="malformed", malformed="not_object", record=1)
    sync(con, settings, og_sim)
    assert child_requests(og_sim, "/logs")[logs] == 1
    assert rejects(con, "opsgenie") == [("alert_log", *NOT_AN_OBJECT, alert.source_id, 1, False)]
    assert set(children(con, "opsgenie", "alert_log", alert.source_id)) == set(keys) - {keys[1]}
    landed = con.execute(
        "select json_extract_string(payload, '$.updatedAt') from raw_objects "
        "where source = 'opsgenie' and object_type = 'alert' and object_id = ?",
        [alert.source_id],
    ).fetchall()
    assert len(landed) == 1  # the alert itself landed, with its updatedAt
    assert watermark_ms(state(con, "opsgenie", "alerts")) == held  # held: the window again

    # run 3, same clock: nothing changed upstream, the alert lists with the same updatedAt; only
    # its logs are asked for again (the pending reject), and the line lands
    sync(con, settings, og_sim)
    assert child_requests(og_sim, "/logs") == {logs: 1}
    landed_lines = children(con, "opsgenie", "alert_log", alert.source_id)
    assert set(landed_lines) == set(keys)
    assert landed_lines[keys[1]] == og.render_log(lines[1])
    assert rejects(con, "opsgenie") == []  # resolved
    assert watermark_ms(state(con, "opsgenie", "alerts")) == newest_created_ms(
        og_alerts(og_org, OG_T0)
    )


def test_an_opsgenie_log_line_rejected_on_every_run_is_quarantined_and_no_longer_fetched(
    og_org: Organisation, og_sim: SimulatorServer, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    settings = og_settings(tmp_path, og_sim, reject_retries=2)
    alert = with_lines(og_sim, og_alerts(og_org, OG_T0), OG_T0, after=OG_T0 - timedelta(days=10))
    keys = [f"{alert.source_id}/{og.log_offset(e)}" for e in log_events(og_sim, alert, OG_T0)]
    logs = f"alerts/{alert.source_id}/logs"
    og_sim.add_fault(path=f"/{logs}$", kind="malformed", malformed="not_object", record=1, count=3)
    reject = ("alert_log", *NOT_AN_OBJECT, alert.source_id)
    # run 1 (the first): every alert's logs are asked for, the line is rejected (attempt 1)
    sync(con, settings, og_sim)
    assert child_requests(og_sim, "/logs")[logs] == 1
    assert rejects(con, "opsgenie") == [(*reject, 1, False)]
    # runs 2 and 3, nothing changed upstream: that alert's logs alone are asked for again and
    # the line is rejected again: attempt 2 (<= reject_retries 2: retried), then attempt 3
    # (> 2: quarantined, the watermark no longer held)
    sync(con, settings, og_sim)
    assert child_requests(og_sim, "/logs") == {logs: 1}
    assert rejects(con, "opsgenie") == [(*reject, 2, False)]
    assert state(con, "opsgenie", "alerts").watermark is None  # held at the first run's
    sync(con, settings, og_sim)
    assert child_requests(og_sim, "/logs") == {logs: 1}
    assert rejects(con, "opsgenie") == [(*reject, 3, True)]
    assert og_sim.faults.pending() == []  # the three garbled answers were all served
    assert watermark_ms(state(con, "opsgenie", "alerts")) == newest_created_ms(
        og_alerts(og_org, OG_T0)
    )
    # run 4: the quarantined reject holds nothing: the logs are not asked for, the line (whole
    # upstream by now) stays out until a --full run, the reject is kept
    sync(con, settings, og_sim)
    assert child_requests(og_sim, "/logs") == {}
    assert rejects(con, "opsgenie") == [(*reject, 3, True)]
    assert set(children(con, "opsgenie", "alert_log", alert.source_id)) == set(keys) - {keys[1]}


def test_an_opsgenie_timeline_entry_rejected_once_lands_on_the_next_run(
    og_org: Organisation, og_sim: SimulatorServer, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    settings = og_settings(tmp_path, og_sim, mode="incidents")
    incidents = sorted(
        (i for i in og_alerts(og_org, OG_T0) if i.og_incident_id),
        key=lambda i: (i.created_at, i.number),
    )

    def served(inc: Incident) -> list[dict[str, Any]]:
        """The incident's timeline at OG_T0 as served: newest first, without ``_at``."""
        timeline = reversed(og.timeline(og_sim.world, inc))
        return [{k: v for k, v in e.items() if k != "_at"} for e in timeline if e["_at"] <= OG_T0]

    incident = next(i for i in incidents if 3 <= len(served(i)) < 100)
    parent = str(incident.og_incident_id)
    entries = served(incident)
    keys = [f"{parent}/{e['id']}" for e in entries]
    timeline = f"incident-timelines/{parent}/entries"
    og_sim.add_fault(path=f"/{timeline}$", kind="malformed", malformed="not_object", record=1)
    sync(con, settings, og_sim)
    assert rejects(con, "opsgenie") == [("timeline_entry", *NOT_AN_OBJECT, parent, 1, False)]
    assert set(children(con, "opsgenie", "timeline_entry", parent)) == set(keys) - {keys[1]}

    sync(con, settings, og_sim)  # same clock: the incident is unchanged
    assert child_requests(og_sim, "/entries") == {timeline: 1}
    landed_entries = children(con, "opsgenie", "timeline_entry", parent)
    assert set(landed_entries) == set(keys)
    assert landed_entries[keys[1]] == entries[1]
    assert rejects(con, "opsgenie") == []


# -- JSM -----------------------------------------------------------------------------------------
def jsm_lines(sim: SimulatorServer, alert: Incident, now: datetime) -> list[str]:
    """The alert's log lines as served, each as sorted JSON text (they have no id)."""
    events = jsmsim.log_events(sim.world, alert, now)
    return sorted(json.dumps(jsmsim.render_log(alert, e), sort_keys=True) for e in events)


def landed_jsm_lines(con: duckdb.DuckDBPyConnection, alert: Incident) -> list[str]:
    lines = children(con, "jsm", "alert_log", alert.source_id).values()
    return sorted(json.dumps(line, sort_keys=True) for line in lines)


def test_a_jsm_log_line_rejected_once_lands_on_the_next_run(
    jsm_org: Organisation, jsm_sim: SimulatorServer, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    t0 = jsm_t0(jsm_org)
    first = t0 - timedelta(days=10)
    settings = jsm_settings(tmp_path, jsm_sim)
    jsm_sim.set_now(first)
    sync(con, settings, jsm_sim)
    assert state(con, "jsm", "alerts").watermark == first

    jsm_sim.set_now(t0)
    alert = with_lines(jsm_sim, jsm_alerts(jsm_sim, t0), t0, after=first)
    garbled = json.dumps(
        jsmsim.render_log(alert, jsmsim.log_events(jsm_sim.world, alert, t0)[1]), sort_keys=True
    )
    lines = jsm_lines(jsm_sim, alert, t0)
    logs = f"alerts/{alert.source_id}/logs"
    jsm_sim.add_fault(path=f"/{logs}$", kind="malformed", malformed="not_object", record=1)
    sync(con, settings, jsm_sim)
    assert child_requests(jsm_sim, "/logs")[logs] == 1
    assert rejects(con, "jsm") == [("alert_log", *NOT_AN_OBJECT, alert.source_id, 1, False)]
    assert landed_jsm_lines(con, alert) == [line for line in lines if line != garbled]
    assert state(con, "jsm", "alerts").watermark == first  # held: the window is read again

    sync(con, settings, jsm_sim)  # same clock: the alert is unchanged, its logs asked again
    assert child_requests(jsm_sim, "/logs") == {logs: 1}
    assert landed_jsm_lines(con, alert) == lines
    assert rejects(con, "jsm") == []
    assert state(con, "jsm", "alerts").watermark == t0


def test_a_jsm_log_line_rejected_on_every_run_is_quarantined_and_no_longer_fetched(
    jsm_org: Organisation, jsm_sim: SimulatorServer, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    t0 = jsm_t0(jsm_org)
    settings = jsm_settings(tmp_path, jsm_sim, reject_retries=1)
    alert = with_lines(jsm_sim, jsm_alerts(jsm_sim, t0), t0, after=t0 - timedelta(days=10))
    lines = jsm_lines(jsm_sim, alert, t0)
    logs = f"alerts/{alert.source_id}/logs"
    jsm_sim.add_fault(path=f"/{logs}$", kind="malformed", malformed="not_object", record=1, count=2)
    reject = ("alert_log", *NOT_AN_OBJECT, alert.source_id)
    sync(con, settings, jsm_sim)  # attempt 1 <= reject_retries 1: retried
    assert rejects(con, "jsm") == [(*reject, 1, False)]
    sync(con, settings, jsm_sim)  # attempt 2 > 1: quarantined
    assert child_requests(jsm_sim, "/logs") == {logs: 1}
    assert rejects(con, "jsm") == [(*reject, 2, True)]
    assert jsm_sim.faults.pending() == []
    sync(con, settings, jsm_sim)  # the logs are no longer asked for
    assert child_requests(jsm_sim, "/logs") == {}
    assert rejects(con, "jsm") == [(*reject, 2, True)]
    assert len(landed_jsm_lines(con, alert)) == len(lines) - 1


# -- the migration -------------------------------------------------------------------------------
def test_a_warehouse_at_version_4_gets_the_parents_of_its_child_rejects(tmp_path: Path) -> None:
    """Rejects kept before parents were recorded: a child's parent is read from the URL of the
    page it came from; a top-level record has none."""
    path = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "create table schema_migrations ("
        " version integer primary key, name varchar not null, applied_at timestamptz not null)"
    )
    for migration in migrations()[:4]:
        con.execute(migration.sql)
        con.execute(
            "insert into schema_migrations values (?, ?, now())",
            [migration.version, migration.name],
        )
    og_url = "https://api.opsgenie.com"
    jsm_url = "https://api.atlassian.com/jsm/ops/api/c0ffee/v1"
    kept = [
        ("opsgenie", "alert_log", f"{og_url}/v2/alerts/a-1/logs?identifierType=id&limit=100"),
        ("opsgenie", "timeline_entry", f"{og_url}/v2/incident-timelines/i-2/entries?limit=100"),
        ("jsm", "alert_log", f"{jsm_url}/alerts/j-3/logs?size=100"),
        ("jsm", "alert_log", f"{jsm_url}/alerts/j-4/logs"),
        ("opsgenie", "alert", f"{og_url}/v2/alerts?query=createdAt%3E%3D0"),
        ("pagerduty", "log_entry", "https://api.pagerduty.com/incidents/P5/log_entries"),
    ]
    for n, (source, object_type, location) in enumerate(kept):
        con.execute(
            "insert into raw_rejects (source, object_type, body_sha, location, reason, body,"
            " fetched_at, sync_run_id, record_sha, attempts) values (?, ?, ?, ?, 'r', '7',"
            " now(), 1, ?, 1)",
            [source, object_type, f"sha{n}", location, f"rec{n}"],
        )
    con.close()

    con = open_writer(path)
    try:
        parents = con.execute(
            "select source, object_type, parent_id from raw_rejects order by body_sha"
        ).fetchall()
    finally:
        con.close()
    assert parents == [
        ("opsgenie", "alert_log", "a-1"),
        ("opsgenie", "timeline_entry", "i-2"),
        ("jsm", "alert_log", "j-3"),
        ("jsm", "alert_log", "j-4"),
        ("opsgenie", "alert", None),  # a top-level record
        ("pagerduty", "log_entry", None),  # not a child fetched per parent
    ]
