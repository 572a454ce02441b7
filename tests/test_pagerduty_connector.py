"""The PagerDuty connector against the API simulator (a real HTTP server, no mocks).

Expected objects come from the simulator's organisation (its ground truth), never from the
JSON it serves. Retries sleep through an injected ``sleep``, so nothing waits.
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
from simulator_specs import GROUPED

from opskpi.config import Settings, settings_from_dict
from opskpi.etl.context import SyncContext
from opskpi.etl.errors import HttpError, RateLimitedError, ServerHttpError, TransportError
from opskpi.etl.http.policy import RetryPolicy
from opskpi.etl.sources.pagerduty import details as pagerduty_details
from opskpi.etl.sources.pagerduty.connector import PagerDutyConnector
from opskpi.etl.sources.pagerduty.windows import span_windows
from opskpi.simulator import Incident, Organisation, SimulatorServer, SimulatorTokens, generate
from opskpi.simulator import pagerduty as pdsim
from opskpi.simulator.ids import pd_alert_id, pd_log_entry_id

pytestmark = pytest.mark.integration

TOKEN = "pd-token-4c1e9a7b3f5d2e8a"
END = datetime(2026, 3, 1, tzinfo=UTC)
# the custom fields the simulated organisation fills in, as `opskpi demo` configures them
FIELDS: dict[str, Any] = {
    "taxonomy": {"pagerduty_field": pdsim.ROOT_CAUSE_FIELD},
    "releases": {"pagerduty_field": pdsim.RELEASE_FIELD},
}
_run_ids = itertools.count(1)


@pytest.fixture(scope="module")
def org() -> Organisation:
    return generate(5, END, months=2, **GROUPED)


@pytest.fixture
def server(org: Organisation) -> Iterator[SimulatorServer]:
    with SimulatorServer(org, tokens=SimulatorTokens(pagerduty=TOKEN)) as sim:
        yield sim


def make_settings(
    tmp_path: Path, base_url: str, *, token: str = TOKEN, lookback: str = "365d", **extra: Any
) -> Settings:
    (tmp_path / "pd.token").write_text(token + "\n")
    top = {k: extra.pop(k) for k in ("taxonomy", "releases") if k in extra}
    source = {"base_url": base_url, "token_file": "pd.token", "timeout": "0.5s", **extra}
    return settings_from_dict(
        {"sources": {"pagerduty": source}, "sync": {"initial_lookback": lookback}, **top},
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
    retry: RetryPolicy | None = None,
) -> SyncContext:
    ctx = SyncContext(
        con=con,
        settings=settings,
        source="pagerduty",
        run_id=next(_run_ids),
        full=full,
        started_at=datetime.now(UTC),
        now=lambda: server.now,
    )
    server.reset_counts()
    PagerDutyConnector(settings, retry=retry, sleep=slept.append).sync(ctx)
    return ctx


def landed(con: duckdb.DuckDBPyConnection, object_type: str) -> set[str]:
    rows = con.execute(
        "select object_id from raw_objects where source = 'pagerduty' and object_type = ?",
        [object_type],
    ).fetchall()
    return {r[0] for r in rows}


def payloads(con: duckdb.DuckDBPyConnection, object_type: str) -> dict[str, dict[str, Any]]:
    rows = con.execute(
        "select object_id, payload from raw_objects where source = 'pagerduty' and object_type = ?",
        [object_type],
    ).fetchall()
    return {object_id: json.loads(payload) for object_id, payload in rows}


# -- ground truth -------------------------------------------------------------------------------
def incidents(org: Organisation, since: datetime, now: datetime) -> list[Incident]:
    return [i for i in org.incidents if i.source == "pagerduty" and since <= i.created_at <= now]


def log_entry_ids(org: Organisation, since: datetime, now: datetime) -> set[str]:
    return {
        pd_log_entry_id(i.source_id, event[1])
        for i in org.incidents
        if i.source == "pagerduty"
        for event in pdsim.visible_events(i, now)
        if since <= event[0] < now
    }


def trigger_has_runbook(inc: Incident) -> bool:
    """The first alert carries the runbook, and the trigger log entry shows it: as a link
    context, or in the channel details (an Events API trigger; an email carries none)."""
    if inc.runbook_at() is None or inc.runbook_alert != 0:
        return False
    return inc.runbook_location == "link" or inc.trigger_channel != "email"


def needs_alerts(inc: Incident, now: datetime) -> bool:
    """Whether a sync at ``now`` must read the incident's alerts to know its runbook."""
    return not trigger_has_runbook(inc) and (
        inc.alerts_at(now) > 1 or inc.trigger_channel == "email"
    )


def alert_ids(incidents: list[Incident], now: datetime) -> set[str]:
    """Every alert of the incidents whose alerts a sync at ``now`` reads."""
    return {
        pd_alert_id(i.source_id, k)
        for i in incidents
        if needs_alerts(i, now)
        for k in range(i.alerts_at(now))
    }


def listing_minimum(org: Organisation, now: datetime) -> int:
    """Full pages of 100 of incidents and log entries in each window, one page per directory."""
    expected = 3  # services, teams, priorities: one page each
    for window in span_windows(now - timedelta(days=365), now):
        created = sum(
            1
            for i in org.incidents
            if i.source == "pagerduty" and window.since <= i.created_at < window.until
        )
        entries = len(log_entry_ids(org, window.since, window.until))
        expected += max(1, math.ceil(created / 100)) + max(1, math.ceil(entries / 100))
    return expected


def by_path(server: SimulatorServer, fragment: str) -> int:
    counts = server.request_counts()["by_path"]
    return sum(n for path, n in counts.items() if fragment in path)


# -- a full sync ---------------------------------------------------------------------------------
def test_full_sync_lands_everything_once_with_only_the_needed_details(
    tmp_path: Path,
    org: Organisation,
    server: SimulatorServer,
    con: duckdb.DuckDBPyConnection,
    slept: list[float],
) -> None:
    settings = make_settings(tmp_path, server.pagerduty_url)
    ctx = sync(con, settings, server, slept)
    now = server.now
    since = now - timedelta(days=365)
    truth = incidents(org, since, now)
    assert landed(con, "incident") == {i.source_id for i in truth}
    assert landed(con, "log_entry") == log_entry_ids(org, since, now)
    assert landed(con, "alert") == alert_ids(truth, now)
    assert landed(con, "incident_custom_fields") == set()  # no pagerduty_field configured
    assert landed(con, "service") == {s.pd_id for s in org.services}
    assert landed(con, "team") == {t.pd_id for t in org.teams}
    assert len(landed(con, "priority")) == 5
    statuses = {p["status"] for p in payloads(con, "incident").values()}
    assert statuses == {"triggered", "acknowledged", "resolved"}  # no statuses[] filter
    assert slept == []
    assert ctx.requests == server.request_counts()["by_api"]["pagerduty"]


def test_a_full_sync_makes_the_minimum_number_of_requests(
    tmp_path: Path,
    org: Organisation,
    server: SimulatorServer,
    con: duckdb.DuckDBPyConnection,
    slept: list[float],
) -> None:
    ctx = sync(con, make_settings(tmp_path, server.pagerduty_url), server, slept)
    now = server.now
    truth = incidents(org, now - timedelta(days=365), now)
    alerts = sum(1 for i in truth if needs_alerts(i, now))  # one page each
    # the fallback is exercised both ways, and stays rare
    assert any(i.alerts_at(now) > 1 and not trigger_has_runbook(i) for i in truth)
    assert any(i.trigger_channel == "email" and not trigger_has_runbook(i) for i in truth)
    assert 0 < alerts < len(truth) / 5
    assert by_path(server, "/alerts") == alerts
    assert ctx.requests == listing_minimum(org, now) + alerts


def test_fetch_alerts_false_never_asks_for_alerts(
    tmp_path: Path,
    org: Organisation,
    server: SimulatorServer,
    con: duckdb.DuckDBPyConnection,
    slept: list[float],
) -> None:
    settings = make_settings(tmp_path, server.pagerduty_url, fetch_alerts=False)
    ctx = sync(con, settings, server, slept)
    assert by_path(server, "/alerts") == 0 and landed(con, "alert") == set()
    assert ctx.requests == listing_minimum(org, server.now)


def test_custom_fields_cost_one_request_per_incident_when_configured(
    tmp_path: Path,
    org: Organisation,
    server: SimulatorServer,
    con: duckdb.DuckDBPyConnection,
    slept: list[float],
) -> None:
    ctx = sync(con, make_settings(tmp_path, server.pagerduty_url, **FIELDS), server, slept)
    now = server.now
    truth = incidents(org, now - timedelta(days=365), now)
    # resolved incidents, and the open ones once (they are new)
    assert landed(con, "incident_custom_fields") == {i.source_id for i in truth}
    alerts = sum(1 for i in truth if needs_alerts(i, now))
    assert ctx.requests == listing_minimum(org, now) + alerts + len(truth)


def test_window_edges_are_explicit_utc_instants(
    tmp_path: Path,
    org: Organisation,
    server: SimulatorServer,
    con: duckdb.DuckDBPyConnection,
    slept: list[float],
) -> None:
    """A zone-less ``since`` would be read in the account's zone (UTC-3): three hours off."""
    now = server.now
    target = next(
        i
        for i in reversed(org.incidents)
        if i.source == "pagerduty" and i.created_at < now - timedelta(days=20)
    )
    since = target.created_at - timedelta(hours=1)
    lookback = f"{int((now - since).total_seconds())}s"
    sync(con, make_settings(tmp_path, server.pagerduty_url, lookback=lookback), server, slept)
    assert landed(con, "incident") == {i.source_id for i in incidents(org, since, now)}
    assert target.source_id in landed(con, "incident")


def test_a_second_run_adds_and_changes_nothing(
    tmp_path: Path, server: SimulatorServer, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    settings = make_settings(tmp_path, server.pagerduty_url, **FIELDS)
    sync(con, settings, server, slept)
    again = sync(con, settings, server, slept)
    assert sum(r.changed for r in again.totals.values()) == 0
    assert by_path(server, "/alerts") == 0
    assert by_path(server, "/custom_fields") == 0


def long_open(org: Organisation) -> Incident:
    """An incident open for more than [sync] lookback (7 d) + 2 days, resolved before the end."""
    return next(
        i
        for i in org.incidents
        if i.source == "pagerduty"
        and i.resolved_at is not None
        and i.resolved_at - i.created_at > timedelta(days=9)
        and i.resolved_at < END - timedelta(days=1)
    )


def test_an_incremental_run_follows_open_incidents_and_new_ones(
    tmp_path: Path, org: Organisation, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    # a clock at which an incident created more than [sync] lookback ago is still open, and
    # resolves during the next three days: only the open-incident re-fetch can see that
    old = long_open(org)
    assert old.resolved_at is not None
    first_now = old.resolved_at - timedelta(hours=12)
    with SimulatorServer(org, tokens=SimulatorTokens(pagerduty=TOKEN), now=first_now) as sim:
        settings = make_settings(tmp_path, sim.pagerduty_url, **FIELDS)
        sync(con, settings, sim, slept)
        assert payloads(con, "incident")[old.source_id]["status"] != "resolved"
        sim.advance(timedelta(days=3))
        ctx = sync(con, settings, sim, slept)
        now = sim.now
        counts = sim.request_counts()["by_path"]
        assert counts[f"/pagerduty/incidents/{old.source_id}"] == 1  # the open-incident re-fetch
        stored = payloads(con, "incident")
        visible = incidents(org, now - timedelta(days=365), now)
        assert set(stored) == {i.source_id for i in visible}
        assert {k: v["status"] for k, v in stored.items()} == {
            i.source_id: i.status_at(now) for i in visible
        }
        assert landed(con, "log_entry") == log_entry_ids(org, now - timedelta(days=365), now)
        assert old.source_id in landed(con, "incident_custom_fields")
        # details only for what changed: custom fields of the new incidents and of those
        # resolved since (+1 each), alerts of the new incidents and of those into which more
        # alerts were grouped (an acknowledged or resolved one keeps its alerts)
        new = [i for i in visible if i.created_at > first_now]
        resolved = [
            i
            for i in visible
            if i.created_at <= first_now
            and i.status_at(first_now) != "resolved"
            and i.status_at(now) == "resolved"
        ]
        assert old in resolved
        assert by_path(sim, "/custom_fields") == len(new) + len(resolved)
        before = {
            i.source_id: i.alerts_at(first_now) if needs_alerts(i, first_now) else 0
            for i in visible
            if i.created_at <= first_now
        }
        asked = sum(
            1
            for i in visible
            if needs_alerts(i, now) and i.alerts_at(now) > before.get(i.source_id, 0)
        )
        assert by_path(sim, "/alerts") == asked > 0
        assert landed(con, "alert") == alert_ids(visible, now)
        assert ctx.totals["incident"].changed < len(visible)


def test_an_open_incident_that_is_gone_is_no_longer_asked_for(
    tmp_path: Path,
    org: Organisation,
    con: duckdb.DuckDBPyConnection,
    slept: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    old = long_open(org)
    assert old.resolved_at is not None
    path = f"/pagerduty/incidents/{old.source_id}"
    now = old.resolved_at - timedelta(hours=12)
    with SimulatorServer(org, tokens=SimulatorTokens(pagerduty=TOKEN), now=now) as sim:
        settings = make_settings(tmp_path, sim.pagerduty_url)
        sync(con, settings, sim, slept)
        sim.advance(timedelta(days=1))
        sim.add_fault(path=f"{path}$", kind="status", status=404)
        sync(con, settings, sim, slept)
        assert f"incident {old.source_id} is gone (404)" in caplog.text
        state = json.loads(
            con.execute("select state from sync_state where stream = 'incidents'").fetchall()[0][0]
        )
        assert state["gone_ids"] == [old.source_id]
        assert old.source_id not in state["open_ids"]
        sync(con, settings, sim, slept)
        assert path not in sim.request_counts()["by_path"]


# -- the 10,000 offset cap ------------------------------------------------------------------
def test_a_window_over_the_offset_cap_is_split_and_nothing_is_lost(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    burst = generate(
        9,
        END,
        months=1,
        incidents_per_day=4,
        opsgenie_share=0.0,
        burst_at=END - timedelta(days=10),
        burst_count=10_500,
        postmortems=False,
    )
    with SimulatorServer(burst, tokens=SimulatorTokens(pagerduty=TOKEN)) as sim:
        settings = make_settings(
            tmp_path,
            sim.pagerduty_url,
            fetch_alerts=False,
            taxonomy={"pagerduty_field": None},
            releases={"pagerduty_field": None},
        )
        sync(con, settings, sim, slept)
        now = sim.now
        truth = incidents(burst, now - timedelta(days=365), now)
        listing = sim.request_counts()["by_path"]["/pagerduty/incidents"]
    assert len(truth) > 10_500
    # each split of a crowded window costs one probe and a partial page per part: a burst of
    # 20 h inside a 180-day window is halved ~8 times before it fits
    assert math.ceil(len(truth) / 100) < listing <= math.ceil(len(truth) / 100) + 20
    assert landed(con, "incident") == {i.source_id for i in truth}
    assert landed(con, "log_entry") == log_entry_ids(burst, now - timedelta(days=365), now)


def test_a_400_is_an_error_never_the_end_of_the_data(
    tmp_path: Path, server: SimulatorServer, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    server.add_fault(path="/pagerduty/log_entries$", kind="status", status=400)
    with pytest.raises(HttpError, match="HTTP 400") as failure:
        sync(con, make_settings(tmp_path, server.pagerduty_url), server, slept)
    assert failure.value.status == 400
    rows = con.execute("select count(*) from sync_state").fetchone()[0]
    assert rows == 0  # no watermark: the next run redoes the whole range


# -- retries --------------------------------------------------------------------------------
def test_429_waits_ratelimit_reset_then_goes_on(
    tmp_path: Path, server: SimulatorServer, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    server.add_fault(path="/pagerduty/incidents$", kind="rate_limit", retry_after=7, count=2)
    ctx = sync(con, make_settings(tmp_path, server.pagerduty_url), server, slept)
    assert slept == [7.0, 7.0]
    assert ctx.requests == server.request_counts()["by_api"]["pagerduty"]


def test_429_retries_are_capped(
    tmp_path: Path, server: SimulatorServer, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    server.add_fault(path="/pagerduty/services$", kind="rate_limit", retry_after=3, count=50)
    with pytest.raises(RateLimitedError, match="HTTP 429"):
        sync(con, make_settings(tmp_path, server.pagerduty_url), server, slept)
    assert slept == [3.0] * 5
    assert server.request_counts()["by_api"]["pagerduty"] == 6


def test_a_bare_429_backs_off_exponentially(
    tmp_path: Path, server: SimulatorServer, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    server.add_fault(path="/pagerduty/teams$", kind="rate_limit", headers=False, count=3)
    sync(con, make_settings(tmp_path, server.pagerduty_url), server, slept)
    assert len(slept) == 3
    assert 1 <= slept[0] <= 1.25 and 2 <= slept[1] <= 2.5 and 4 <= slept[2] <= 5


def test_5xx_backs_off_and_then_fails_after_the_cap(
    tmp_path: Path, server: SimulatorServer, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    settings = make_settings(tmp_path, server.pagerduty_url)
    server.add_fault(path="/pagerduty/priorities$", kind="status", status=503, count=2)
    sync(con, settings, server, slept)
    assert len(slept) == 2
    slept.clear()
    server.add_fault(path="/pagerduty/priorities$", kind="status", status=500, count=10)
    with pytest.raises(ServerHttpError, match="HTTP 500"):
        sync(con, settings, server, slept)
    # the one HTTP policy (etl/http/policy.py) retries a 5xx 4 times, as for Opsgenie and
    # Argo CD; PagerDuty's own table, 3, went with the second retry table
    assert len(slept) == 4


def test_timeouts_and_dropped_connections_are_retried(
    tmp_path: Path, server: SimulatorServer, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    server.add_fault(path="/pagerduty/services$", kind="delay", delay=2.0)
    server.add_fault(path="/pagerduty/teams$", kind="drop")
    ctx = sync(con, make_settings(tmp_path, server.pagerduty_url), server, slept)
    assert len(slept) == 2
    assert ctx.totals["service"].received > 0 and ctx.totals["team"].received > 0


# -- the shared policy (etl.http.policy) decides the wrapper's retries -------------------------
def test_the_wrapper_takes_its_retry_counts_from_the_policy_it_is_given(
    tmp_path: Path, server: SimulatorServer, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    policy = RetryPolicy(rate_limit_retries=2, server_retries=1, sleep=slept.append)
    server.add_fault(path="/pagerduty/services$", kind="rate_limit", retry_after=4, count=50)
    with pytest.raises(RateLimitedError) as failure:
        sync(con, make_settings(tmp_path, server.pagerduty_url), server, slept, retry=policy)
    assert slept == [4.0, 4.0]  # 2 retries, each waiting ratelimit-reset as given
    assert by_path(server, "/services") == 1 + 2
    message = str(failure.value)
    assert message.startswith(f"pagerduty: GET {server.pagerduty_url}/services?")
    assert ": status 429: client error (HTTP 429 Too Many Requests) after 2 retries: " in message


def test_the_default_policy_is_the_shared_table(
    tmp_path: Path, server: SimulatorServer, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    """RetryPolicy(): 4 retries of a 5xx, backing off 1, 2, 4, 8 s plus at most 25 %."""
    server.add_fault(path="/pagerduty/priorities$", kind="status", status=500, count=10)
    with pytest.raises(ServerHttpError, match="after 4 retries"):
        sync(con, make_settings(tmp_path, server.pagerduty_url), server, slept)
    assert by_path(server, "/priorities") == 1 + 4
    assert len(slept) == 4
    for nominal, waited in zip([1, 2, 4, 8], slept, strict=True):
        assert nominal <= waited <= nominal * 1.25


def test_a_ratelimit_reset_over_the_cap_waits_the_cap(
    tmp_path: Path, server: SimulatorServer, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    server.add_fault(path="/pagerduty/teams$", kind="rate_limit", retry_after=600, count=1)
    sync(con, make_settings(tmp_path, server.pagerduty_url), server, slept)
    assert slept == [120.0]  # RetryPolicy.max_rate_limit_wait, not 600


def test_501_is_not_retried(
    tmp_path: Path, server: SimulatorServer, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    server.add_fault(path="/pagerduty/priorities$", kind="status", status=501, count=1)
    with pytest.raises(ServerHttpError, match=r": status 501: server error \(HTTP 501 "):
        sync(con, make_settings(tmp_path, server.pagerduty_url), server, slept)
    assert slept == []
    assert by_path(server, "/priorities") == 1


def test_a_connection_dropped_past_the_retries_is_a_transport_error(
    tmp_path: Path, server: SimulatorServer, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    policy = RetryPolicy(transport_retries=1, sleep=slept.append)
    server.add_fault(path="/pagerduty/teams$", kind="drop", count=50)
    with pytest.raises(TransportError) as failure:
        sync(con, make_settings(tmp_path, server.pagerduty_url), server, slept, retry=policy)
    assert by_path(server, "/teams") == 1 + 1
    assert len(slept) == 1 and 1 <= slept[0] <= 1.25
    message = str(failure.value)
    assert message.startswith(f"pagerduty: GET {server.pagerduty_url}/teams?")
    assert " after 1 retry: " in message


def test_an_error_status_message_has_the_shared_shape(
    tmp_path: Path, server: SimulatorServer, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    server.add_fault(path="/pagerduty/log_entries$", kind="status", status=400)
    with pytest.raises(HttpError) as failure:
        sync(con, make_settings(tmp_path, server.pagerduty_url), server, slept)
    message = str(failure.value)
    assert message.startswith(f"pagerduty: GET {server.pagerduty_url}/log_entries?")
    # the simulator's error body for a 400 fault (simulator/faults.py), verbatim
    assert message.endswith(
        ': status 400: client error (HTTP 400 Bad Request): {"error":{"message":'
        '"Internal Server Error","code":2000}}'
    )


# -- secrets and errors -----------------------------------------------------------------------
def test_a_refused_token_fails_with_its_last_four_characters_only(
    tmp_path: Path,
    server: SimulatorServer,
    con: duckdb.DuckDBPyConnection,
    slept: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "pd-wrong-token-9d8c7b6a5f4e"
    caplog.set_level(logging.DEBUG)
    settings = make_settings(tmp_path, server.pagerduty_url, token=wrong)
    with pytest.raises(HttpError) as failure:
        sync(con, settings, server, slept)
    message = str(failure.value)
    assert failure.value.status == 401
    assert "*5f4e" in message and wrong not in message
    assert message.endswith(". the token *5f4e was refused (wrong token or wrong base_url?)")
    assert wrong not in caplog.text
    assert slept == []


def test_http_base_urls_are_refused_off_loopback(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, slept: list[float]
) -> None:
    settings = make_settings(tmp_path, "http://pagerduty.example.com")
    ctx = SyncContext(con, settings, "pagerduty", 1, False, datetime.now(UTC))
    with pytest.raises(Exception, match=r"expected an https:// URL"):
        PagerDutyConnector(settings, sleep=slept.append).sync(ctx)


# -- analytics ---------------------------------------------------------------------------------
def test_analytics_lands_every_incident_in_utc_through_cursor_pages(
    tmp_path: Path,
    org: Organisation,
    server: SimulatorServer,
    con: duckdb.DuckDBPyConnection,
    slept: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pagerduty_details, "ANALYTICS_LIMIT", 100)
    settings = make_settings(tmp_path, server.pagerduty_url, analytics=True)
    sync(con, settings, server, slept)
    now = server.now
    truth = {i.source_id: i for i in incidents(org, now - timedelta(days=365), now)}
    stored = payloads(con, "analytics_incident")
    assert set(stored) == set(truth)
    assert by_path(server, "/analytics/raw/incidents") == math.ceil(len(truth) / 100)
    for incident_id, payload in stored.items():
        expected = truth[incident_id].created_at.replace(tzinfo=None).isoformat()
        assert payload["created_at"] == expected  # zone-less, in Etc/UTC
