"""The simulated PagerDuty API: contract against the trimmed spec, paging, windows, truth."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from simulator_specs import END, Client, small_org, validate

from opskpi.simulator import SimulatorServer, generate
from opskpi.simulator.org import Incident

pytestmark = pytest.mark.integration
CAP_MESSAGE = "Offset+limit exceeds maximum allowed value of 10000"


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(small_org()) as sim:
        yield sim


@pytest.fixture(scope="module")
def pd(server: SimulatorServer) -> Client:
    return Client(server, "pagerduty")


def _pd_incidents(server: SimulatorServer) -> list[Incident]:
    return [
        i for i in server.org.incidents if i.source == "pagerduty" and i.created_at <= server.now
    ]


def _walk(pd: Client, path: str, key: str, **params: object) -> list[dict]:
    items, offset = [], 0
    while True:
        page = pd.json(path, offset=offset, limit=100, **params)
        items += page[key]
        if not page["more"]:
            return items
        offset += len(page[key])


# --- contract -----------------------------------------------------------------------------
def test_incident_list_and_detail_match_the_spec(pd: Client, reference_dir: Path) -> None:
    page = pd.json("/incidents", limit=100)
    validate(reference_dir, "pagerduty", "/incidents", page)
    assert page["incidents"] and page["total"] is None
    detail = pd.json(f"/incidents/{page['incidents'][0]['id']}")
    validate(reference_dir, "pagerduty", "/incidents/{id}", detail)
    assert detail["incident"] == page["incidents"][0]


def test_every_sub_resource_matches_the_spec(
    pd: Client, server: SimulatorServer, reference_dir: Path
) -> None:
    incidents = _pd_incidents(server)
    sample = [
        incidents[0],
        next(i for i in incidents if i.merged_into),
        next(i for i in incidents if i.unacks),
        next(i for i in incidents if i.alert_count > 1 and i.runbook_alert),
        next(i for i in incidents if i.trigger_channel == "email"),
    ]
    for inc in sample:
        base = f"/incidents/{inc.source_id}"
        for include in ({}, {"include[]": "channels"}):
            validate(
                reference_dir,
                "pagerduty",
                "/incidents/{id}/log_entries",
                pd.json(base + "/log_entries", **include),
            )
        alerts = pd.json(base + "/alerts")
        validate(reference_dir, "pagerduty", "/incidents/{id}/alerts", alerts)
        for listed in alerts["alerts"]:
            alert = pd.json(f"{base}/alerts/{listed['id']}")
            validate(reference_dir, "pagerduty", "/incidents/{id}/alerts/{alert_id}", alert)
            assert alert["alert"] == listed
        values = pd.json(base + "/custom_fields/values")
        validate(reference_dir, "pagerduty", "/incidents/{id}/custom_fields/values", values)
    day = {"since": "2026-02-20T00:00:00Z", "until": "2026-02-21T00:00:00Z"}
    entries = pd.json("/log_entries", **day)
    validate(reference_dir, "pagerduty", "/log_entries", entries)
    with_channels = pd.json("/log_entries", **day, **{"include[]": "channels"})
    validate(reference_dir, "pagerduty", "/log_entries", with_channels)
    one = pd.json(f"/log_entries/{entries['log_entries'][0]['id']}")
    validate(reference_dir, "pagerduty", "/log_entries/{id}", one)
    for path, key in (
        ("/services", "services"),
        ("/teams", "teams"),
        ("/priorities", "priorities"),
    ):
        body = pd.json(path)
        validate(reference_dir, "pagerduty", path, body)
        assert body[key]
    service = pd.json(f"/services/{server.org.services[0].pd_id}")
    validate(reference_dir, "pagerduty", "/services/{id}", service)


def test_custom_field_definitions_and_single_analytics(
    pd: Client, server: SimulatorServer, reference_dir: Path
) -> None:
    path = "/incidents/types/{type_id_or_name}/custom_fields"
    typed = pd.json(
        "/incidents/types/incident_default/custom_fields", **{"include[]": "field_options"}
    )
    validate(reference_dir, "pagerduty", path, typed)
    fields = {f["name"]: f for f in typed["fields"]}
    assert [o["data"]["value"] for o in fields["root_cause"]["field_options"]] == [
        "change",
        "capacity",
        "external_dependency",
        "data",
        "security",
        "process",
    ]
    validate(
        reference_dir, "pagerduty", "/incidents/custom_fields", pd.json("/incidents/custom_fields")
    )
    inc = _pd_incidents(server)[0]
    one = pd.json(f"/analytics/raw/incidents/{inc.source_id}")
    validate(reference_dir, "pagerduty", "/analytics/raw/incidents/{id}", one)
    assert one["data"]["id"] == inc.source_id


def test_rate_limited_answer_matches_the_spec(
    pd: Client, server: SimulatorServer, reference_dir: Path
) -> None:
    server.add_fault(path="/pagerduty/teams$", kind="rate_limit")
    limited = pd.get("/teams")
    assert limited.status_code == 429
    validate(reference_dir, "pagerduty", "/teams", limited.json(), status="429")


def test_log_entry_types_cover_the_incident_lifecycle(pd: Client) -> None:
    entries = _walk(
        pd,
        "/log_entries",
        "log_entries",
        since="2026-02-01T00:00:00Z",
        until="2026-02-15T00:00:00Z",
    )
    types = {e["type"] for e in entries}
    assert {
        "trigger_log_entry",
        "notify_log_entry",
        "escalate_log_entry",
        "acknowledge_log_entry",
        "unacknowledge_log_entry",
        "assign_log_entry",
        "resolve_log_entry",
    } <= types
    assert all(e["incident"]["type"] == "incident_reference" for e in entries)
    assert all(e["created_at"].endswith("-03:00") for e in entries)
    times = [datetime.fromisoformat(e["created_at"]) for e in entries]
    assert times == sorted(times, reverse=True)  # newest first


def test_error_bodies_match_the_spec(pd: Client, reference_dir: Path) -> None:
    capped = pd.get("/incidents", offset=9950, limit=100)
    assert capped.status_code == 400
    validate(reference_dir, "pagerduty", "/incidents", capped.json(), status="400")
    anonymous = pd.session.get(
        pd.base + "/incidents", headers={"Authorization": "Token token=nope"}
    )
    assert anonymous.status_code == 401
    validate(reference_dir, "pagerduty", "/incidents", anonymous.json(), status="401")


def test_analytics_matches_the_spec(pd: Client, reference_dir: Path) -> None:
    body = {
        "filters": {
            "created_at_start": "2026-02-01T00:00:00Z",
            "created_at_end": "2026-03-01T00:00:00Z",
        }
    }
    response = pd.post("/analytics/raw/incidents", {**body, "limit": 50})
    assert response.status_code == 200
    page = response.json()
    validate(reference_dir, "pagerduty", "/analytics/raw/incidents", page, method="post")
    assert len(page["data"]) == 50 and page["more"] is True
    assert all(
        "+" not in r["created_at"] and not r["created_at"].endswith("Z") for r in page["data"]
    )


# --- paging -------------------------------------------------------------------------------
def test_offset_paging_walks_a_window_exactly(pd: Client, server: SimulatorServer) -> None:
    since, until = datetime(2026, 1, 10, tzinfo=UTC), datetime(2026, 2, 10, tzinfo=UTC)
    items = _walk(pd, "/incidents", "incidents", since=since.isoformat(), until=until.isoformat())
    expected = [i.source_id for i in _pd_incidents(server) if since <= i.created_at < until]
    assert [i["id"] for i in items] == expected
    last = pd.json(
        "/incidents",
        since=since.isoformat(),
        until=until.isoformat(),
        offset=len(expected) - 5,
        limit=100,
        total="true",
    )
    assert last["more"] is False and last["total"] == len(expected)


def test_offset_cap_is_a_400_with_the_documented_error(pd: Client) -> None:
    assert pd.get("/incidents", offset=9900, limit=100).status_code == 200
    response = pd.get("/incidents", offset=9901, limit=100)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 2002 and error["message"] == "Arguments Caused Error"
    assert error["errors"][0].startswith(CAP_MESSAGE)
    assert pd.get("/log_entries", offset=10000, limit=1).status_code == 400


def test_time_windows_follow_pagerduty_rules(pd: Client, server: SimulatorServer) -> None:
    too_long = pd.get("/incidents", since="2025-12-01T00:00:00Z", until="2026-06-02T00:00:00Z")
    assert too_long.status_code == 400
    assert too_long.json()["error"]["code"] == 2001
    assert pd.get("/incidents", since="not-a-date").status_code == 400
    default = _walk(pd, "/incidents", "incidents")  # no since/until: the last month
    month_ago = server.now.replace(month=server.now.month - 1)
    expected = [
        i.source_id for i in _pd_incidents(server) if month_ago <= i.created_at < server.now
    ]
    assert [i["id"] for i in default] == expected
    everything = pd.json("/incidents", date_range="all", total="true", limit=1)
    assert everything["total"] == len(_pd_incidents(server))


def test_zone_less_since_is_read_in_the_account_time_zone(pd: Client) -> None:
    local = _walk(
        pd, "/incidents", "incidents", since="2026-02-01T00:00:00", until="2026-02-08T00:00:00"
    )
    utc = _walk(
        pd, "/incidents", "incidents", since="2026-02-01T03:00:00Z", until="2026-02-08T03:00:00Z"
    )
    shifted = _walk(
        pd, "/incidents", "incidents", since="2026-02-01T00:00:00Z", until="2026-02-08T00:00:00Z"
    )
    assert [i["id"] for i in local] == [i["id"] for i in utc]
    assert [i["id"] for i in local] != [i["id"] for i in shifted]


def test_time_zone_parameter_changes_rendering(pd: Client) -> None:
    utc = pd.json("/incidents", limit=1)["incidents"][0]
    local = pd.json("/incidents", limit=1, time_zone="America/Sao_Paulo")["incidents"][0]
    assert utc["created_at"].endswith("Z") and local["created_at"].endswith("-03:00")
    assert datetime.fromisoformat(utc["created_at"]) == datetime.fromisoformat(local["created_at"])
    entry = pd.json(f"/incidents/{utc['id']}/log_entries", time_zone="UTC")["log_entries"][0]
    assert entry["created_at"].endswith("Z")


def test_filters_statuses_services_and_sort(pd: Client, server: SimulatorServer) -> None:
    open_now = _walk(
        pd,
        "/incidents",
        "incidents",
        date_range="all",
        **{"statuses[]": ["triggered", "acknowledged"]},
    )
    expected = {
        i.source_id for i in _pd_incidents(server) if i.resolved_at_view(server.now) is None
    }
    assert {i["id"] for i in open_now} == expected and expected
    service = server.org.services[0]
    mine = _walk(
        pd, "/incidents", "incidents", date_range="all", **{"service_ids[]": service.pd_id}
    )
    assert mine and {i["service"]["summary"] for i in mine} == {service.name}
    desc = pd.json("/incidents", limit=5, sort_by="created_at:desc")["incidents"]
    assert [i["created_at"] for i in desc] == sorted((i["created_at"] for i in desc), reverse=True)


def test_analytics_cursor_walk_returns_each_incident_once(
    pd: Client, server: SimulatorServer
) -> None:
    body = {
        "filters": {
            "created_at_start": "2026-01-01T00:00:00-03:00",
            "created_at_end": "2026-02-01T00:00:00-03:00",
        },
        "limit": 100,
        "order": "asc",
        "time_zone": "America/Sao_Paulo",
    }
    seen: list[str] = []
    while True:
        page = pd.post("/analytics/raw/incidents", body).json()
        seen += [r["id"] for r in page["data"]]
        if not page["more"]:
            break
        body["starting_after"] = page["last"]
    start, end = datetime(2026, 1, 1, 3, tzinfo=UTC), datetime(2026, 2, 1, 3, tzinfo=UTC)
    assert seen == [i.source_id for i in _pd_incidents(server) if start <= i.created_at < end]
    assert pd.post("/analytics/raw/incidents", {"limit": 1001}).status_code == 400
    assert (
        pd.post("/analytics/raw/incidents", {"limit": 5, "starting_after": "QNOPE"}).status_code
        == 400
    )


def test_analytics_updated_after_and_zone_less_times(pd: Client, server: SimulatorServer) -> None:
    cutoff = server.now - timedelta(days=2)
    body = {"filters": {"updated_after": cutoff.isoformat()}, "limit": 1000, "time_zone": "Etc/UTC"}
    page = pd.post("/analytics/raw/incidents", body).json()
    expected = {i.source_id for i in _pd_incidents(server) if i.last_event_at(server.now) > cutoff}
    assert {r["id"] for r in page["data"]} == expected
    row = page["data"][0]
    inc = server.world.pd_by_id[row["id"]]
    assert row["created_at"] == inc.created_at.replace(tzinfo=None).isoformat()


# --- the truth behind the shapes ----------------------------------------------------------
def test_log_entries_carry_first_ack_and_escalations(pd: Client, server: SimulatorServer) -> None:
    reacked = [i for i in _pd_incidents(server) if len(i.acks) > 1][:5]
    assert reacked
    for inc in reacked:
        entries = pd.json(f"/incidents/{inc.source_id}/log_entries", limit=100)["log_entries"]
        acks = sorted(
            datetime.fromisoformat(e["created_at"])
            for e in entries
            if e["type"] == "acknowledge_log_entry"
        )
        assert acks[0] == inc.acks[0]
        escalations = [
            datetime.fromisoformat(e["created_at"])
            for e in entries
            if e["type"] == "escalate_log_entry"
        ]
        assert sorted(escalations) == list(inc.escalations)
        assert any(e["type"] == "unacknowledge_log_entry" for e in entries)


def test_acknowledgements_only_while_acknowledged(pd: Client, server: SimulatorServer) -> None:
    states = {"acknowledged": 0, "resolved": 0, "triggered": 0}
    for inc in _pd_incidents(server)[-300:]:
        status = inc.status_at(server.now)
        if states[status] >= 3:
            continue
        states[status] += 1
        body = pd.json(f"/incidents/{inc.source_id}")["incident"]
        assert body["status"] == status
        assert bool(body["acknowledgements"]) == (status == "acknowledged")
        assert body["resolved_at"] is None or status == "resolved"
    assert all(states.values())


def test_runbooks_merges_and_custom_fields_are_where_the_readme_says(
    pd: Client, server: SimulatorServer
) -> None:
    incidents = _pd_incidents(server)
    in_details = next(
        i for i in incidents if i.runbook_location == "details" and not i.runbook_alert
    )
    alert = pd.json(f"/incidents/{in_details.source_id}/alerts")["alerts"][0]
    assert alert["body"]["details"]["runbook_url"] == in_details.runbook_url
    in_link = next(i for i in incidents if i.runbook_location == "link" and not i.runbook_alert)
    trigger = pd.json(f"/incidents/{in_link.source_id}/log_entries", limit=100)["log_entries"][-1]
    assert trigger["type"] == "trigger_log_entry"
    assert {"type": "link", "href": in_link.runbook_url, "text": "Runbook"} in trigger["contexts"]
    without = next(i for i in incidents if i.runbook_location == "none")
    alert = pd.json(f"/incidents/{without.source_id}/alerts")["alerts"][0]
    assert "runbook" not in str(alert).lower()
    merged = next(i for i in incidents if i.merged_into)
    body = pd.json(f"/incidents/{merged.source_id}")["incident"]
    assert body["resolve_reason"]["type"] == "merge_resolve_reason"
    assert body["resolve_reason"]["incident"]["id"] == merged.merged_into
    caused = next(i for i in incidents if i.root_cause and i.release)
    values = {
        f["name"]: f["value"]
        for f in pd.json(f"/incidents/{caused.source_id}/custom_fields/values")["custom_fields"]
    }
    assert values == {"root_cause": caused.root_cause, "release": caused.release}


def _trigger(pd: Client, inc: Incident, **params: str) -> dict:
    entries = pd.json(f"/incidents/{inc.source_id}/log_entries", limit=100, **params)
    return next(e for e in entries["log_entries"] if e["type"] == "trigger_log_entry")


def test_trigger_log_entries_carry_the_first_alerts_details_with_channels(
    pd: Client, server: SimulatorServer
) -> None:
    channels = {"include[]": "channels"}
    for inc in _pd_incidents(server)[:200]:
        alerts = pd.json(f"/incidents/{inc.source_id}/alerts")["alerts"]
        first = alerts[0]["body"]
        bare, full = _trigger(pd, inc), _trigger(pd, inc, **channels)
        assert bare["channel"] == {"type": inc.trigger_channel}  # a reference without include
        assert bare["contexts"] == full["contexts"] == first["contexts"]
        if inc.trigger_channel == "email":
            assert "details" not in full["channel"] and full["channel"]["subject"] == inc.title
        else:
            assert full["channel"]["details"] == first["details"]
    # several alerts grouped: counted on the incident, listed, a later one carrying the runbook
    late = next(
        i
        for i in _pd_incidents(server)
        if i.runbook_alert and i.runbook_location == "details" and i.trigger_channel != "email"
    )
    body = pd.json(f"/incidents/{late.source_id}")["incident"]
    alerts = pd.json(f"/incidents/{late.source_id}/alerts")["alerts"]
    assert body["alert_counts"]["all"] == len(alerts) == late.alert_count > 1
    assert [datetime.fromisoformat(a["created_at"]) for a in alerts] == list(late.alert_times())
    assert len({a["id"] for a in alerts}) == len(alerts)
    assert "runbook" not in str(_trigger(pd, late, **channels)).lower()
    carrying = [a for a in alerts if a["body"]["details"].get("runbook_url") == late.runbook_url]
    assert carrying == [alerts[late.runbook_alert]]


def test_alerts_arrive_one_a_minute(pd: Client, server: SimulatorServer) -> None:
    grouped = next(i for i in _pd_incidents(server) if i.alert_count > 2 and i.resolved_at)
    view = grouped.created_at + timedelta(seconds=90)
    with SimulatorServer(server.org, now=view) as early:
        client = Client(early, "pagerduty")
        body = client.json(f"/incidents/{grouped.source_id}")["incident"]
        alerts = client.json(f"/incidents/{grouped.source_id}/alerts")["alerts"]
    assert body["alert_counts"] == {"all": 2, "triggered": 2, "resolved": 0}
    assert len(alerts) == 2


def test_priority_or_urgency_expresses_severity(pd: Client, server: SimulatorServer) -> None:
    mapping = {"P1": "sev1", "P2": "sev2", "P3": "sev3", "P4": "sev4", "P5": "sev4"}
    page = _walk(
        pd, "/incidents", "incidents", since="2026-02-01T00:00:00Z", until="2026-03-01T00:00:00Z"
    )
    no_priority = 0
    for body in page:
        inc = server.world.pd_by_id[body["id"]]
        if body["priority"] is None:
            no_priority += 1
            assert {"high": "sev2", "low": "sev3"}[body["urgency"]] == inc.severity
        else:
            assert mapping[body["priority"]["summary"]] == inc.severity
    assert no_priority


# --- the dense burst ----------------------------------------------------------------------
def test_dense_burst_needs_window_splitting() -> None:
    burst_at = datetime(2026, 2, 10, 1, tzinfo=UTC)
    org = generate(5, END, months=1, incidents_per_day=2, burst_at=burst_at, burst_count=10_500)
    day = (burst_at, burst_at + timedelta(days=1))
    in_day = [
        i for i in org.incidents if i.source == "pagerduty" and day[0] <= i.created_at < day[1]
    ]
    assert len(in_day) > 10_000
    with SimulatorServer(org) as sim:
        pd = Client(sim, "pagerduty")
        window = {"since": day[0].isoformat(), "until": day[1].isoformat()}
        page = pd.json("/incidents", offset=9900, limit=100, total="true", **window)
        assert page["more"] is True and page["total"] == len(in_day)
        assert pd.get("/incidents", offset=10000, limit=100, **window).status_code == 400
        middle = day[0] + timedelta(hours=10)
        first = pd.json(
            "/incidents", limit=1, total="true", since=window["since"], until=middle.isoformat()
        )
        second = pd.json(
            "/incidents", limit=1, total="true", since=middle.isoformat(), until=window["until"]
        )
        assert first["total"] + second["total"] == len(in_day)
        assert max(first["total"], second["total"]) <= 10_000
