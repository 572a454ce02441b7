"""The simulated Opsgenie API: contract, ``paging.next`` chains, logs, incidents, timelines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from simulator_specs import SERVICES_SCHEMA, TIMELINE_SCHEMA, Client, small_org, validate

from opskpi.simulator import SimulatorServer
from opskpi.simulator.org import Incident
from opskpi.simulator.timeutil import epoch_ms

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(small_org()) as sim:
        yield sim


@pytest.fixture(scope="module")
def og(server: SimulatorServer) -> Client:
    return Client(server, "opsgenie")


def _alerts(server: SimulatorServer) -> list[Incident]:
    return [
        i for i in server.org.incidents if i.source == "opsgenie" and i.created_at <= server.now
    ]


def _follow(og: Client, first_url: str) -> tuple[list[dict], int]:
    items, pages, url = [], 0, first_url
    while url:
        response = og.session.get(url, timeout=30)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["data"]
        pages += 1
        url = body.get("paging", {}).get("next")
    return items, pages


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- contract -----------------------------------------------------------------------------
def test_alert_endpoints_match_the_spec(
    og: Client, server: SimulatorServer, reference_dir: Path
) -> None:
    page = og.json("/v2/alerts", limit=50)
    validate(reference_dir, "opsgenie", "/v2/alerts", page)
    alert = page["data"][0]
    detail = og.json(f"/v2/alerts/{alert['id']}")
    validate(reference_dir, "opsgenie", "/v2/alerts/{identifier}", detail)
    assert {"details", "description", "entity"} <= set(detail["data"])
    logs = og.json(f"/v2/alerts/{alert['id']}/logs")
    validate(reference_dir, "opsgenie", "/v2/alerts/{identifier}/logs", logs)
    assert (
        og.json(f"/v2/alerts/{alert['tinyId']}", identifierType="tiny")["data"]["id"] == alert["id"]
    )
    assert (
        og.json(f"/v2/alerts/{alert['alias']}", identifierType="alias")["data"]["id"] == alert["id"]
    )


def test_incident_endpoints_match_the_spec(og: Client, reference_dir: Path) -> None:
    for path in ("/v1/incidents", "/v1/incidents/"):
        page = og.json(path, query="status:resolved", limit=20)
        validate(reference_dir, "opsgenie", "/v1/incidents/", page)
        assert page["data"]
    incident = page["data"][0]
    detail = og.json(f"/v1/incidents/{incident['id']}")
    validate(reference_dir, "opsgenie", "/v1/incidents/{identifier}", detail)
    jsonschema.validate(
        og.json(f"/v2/incident-timelines/{incident['id']}/entries"), TIMELINE_SCHEMA
    )


def test_directory_endpoints(og: Client, server: SimulatorServer, reference_dir: Path) -> None:
    teams = og.json("/v2/teams")
    validate(reference_dir, "opsgenie", "/v2/teams", teams)
    assert len(teams["data"]) == len(server.org.teams)
    team = og.json(f"/v2/teams/{teams['data'][0]['id']}")
    validate(reference_dir, "opsgenie", "/v2/teams/{identifier}", team)
    services = og.json("/v1/services", limit=100)
    jsonschema.validate(services, SERVICES_SCHEMA)
    assert len(services["data"]) == len(server.org.services)


def test_errors(og: Client, reference_dir: Path) -> None:
    missing_query = og.get("/v1/incidents")
    assert missing_query.status_code == 422
    validate(reference_dir, "opsgenie", "/v1/incidents/", missing_query.json(), status="422")
    assert og.get("/v2/alerts", limit=101).status_code == 422
    assert og.get("/v2/alerts", query="createdAt>yesterday").status_code == 422
    assert og.get("/v2/alerts/nope").status_code == 404
    anonymous = og.session.get(og.base + "/v2/alerts", headers={"Authorization": "GenieKey wrong"})
    assert anonymous.status_code == 401
    validate(reference_dir, "opsgenie", "/v2/alerts", anonymous.json(), status="401")


def test_rate_limited_answer_matches_the_spec(
    og: Client, server: SimulatorServer, reference_dir: Path
) -> None:
    server.add_fault(path="/opsgenie/v2/alerts$", kind="rate_limit")
    limited = og.get("/v2/alerts")
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    validate(reference_dir, "opsgenie", "/v2/alerts", limited.json(), status="429")


# --- paging -------------------------------------------------------------------------------
def test_paging_next_chain_covers_a_created_at_window(og: Client, server: SimulatorServer) -> None:
    start, end = datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 2, 15, tzinfo=UTC)
    query = f"createdAt>={epoch_ms(start)} AND createdAt<{epoch_ms(end)}"
    first = og.get("/v2/alerts", query=query, limit=20, sort="createdAt", order="asc").url
    items, pages = _follow(og, first)
    expected = [i.source_id for i in _alerts(server) if start <= i.created_at < end]
    assert [a["id"] for a in items] == expected
    assert pages == -(-len(expected) // 20) and pages > 1


def test_paging_links_are_absolute_on_the_simulator_host(
    og: Client, server: SimulatorServer
) -> None:
    page = og.get("/v2/alerts", limit=10)
    body = page.json()
    assert urlsplit(body["paging"]["next"]).netloc == urlsplit(server.url).netloc
    assert body["paging"]["next"].startswith(server.opsgenie_url + "/v2/alerts?")
    assert page.headers["X-Paging-Next"] == body["paging"]["next"]
    last = og.session.get(body["paging"]["last"], timeout=30).json()
    assert "next" not in last["paging"] and last["data"]


def test_default_order_is_newest_first_and_updated_at_filters(
    og: Client, server: SimulatorServer
) -> None:
    page = og.json("/v2/alerts", limit=100)["data"]
    created = [_ts(a["createdAt"]) for a in page]
    assert created == sorted(created, reverse=True)
    cutoff = epoch_ms(server.now) - 3 * 86_400_000
    recent, _ = _follow(og, og.get("/v2/alerts", query=f"updatedAt>{cutoff}", limit=100).url)
    expected = {
        i.source_id for i in _alerts(server) if epoch_ms(i.last_event_at(server.now)) > cutoff
    }
    assert {a["id"] for a in recent} == expected
    open_alerts, _ = _follow(og, og.get("/v2/alerts", query="status:open", limit=100).url)
    assert {a["status"] for a in open_alerts} == {"open"}


def test_alert_log_chain_uses_opaque_offsets(og: Client, server: SimulatorServer) -> None:
    inc = next(i for i in _alerts(server) if len(i.escalations) >= 2 and i.acks)
    first = og.get(f"/v2/alerts/{inc.source_id}/logs", limit=2, order="asc").url
    logs, pages = _follow(og, first)
    assert pages >= 3  # a final request answers an empty page without "next"
    assert [entry["createdAt"] for entry in logs] == sorted(entry["createdAt"] for entry in logs)
    escalations = [entry for entry in logs if entry["log"].startswith("Escalated to next level")]
    assert len(escalations) == len(inc.escalations)
    acks = [entry for entry in logs if entry["log"] == "Alert acknowledged via web"]
    assert _ts(acks[0]["createdAt"]) == inc.acks[0]
    desc = og.json(f"/v2/alerts/{inc.source_id}/logs", limit=100)["data"]
    assert desc == list(reversed(logs))


# --- truth --------------------------------------------------------------------------------
def test_report_times_are_milliseconds_since_created(og: Client, server: SimulatorServer) -> None:
    checked = 0
    for inc in _alerts(server)[:60]:
        alert = og.json(f"/v2/alerts/{inc.source_id}")["data"]
        created = _ts(alert["createdAt"])
        assert created == inc.created_at
        report = alert["report"]
        if inc.acks:
            assert created.timestamp() * 1000 + report["ackTime"] == pytest.approx(
                inc.acks[0].timestamp() * 1000
            )
            checked += 1
        else:
            assert "ackTime" not in report
        if inc.resolved_at_view(server.now):
            assert report["closeTime"] == epoch_ms(inc.resolved_at) - epoch_ms(inc.created_at)
    assert checked


def test_service_team_runbook_and_tags(og: Client, server: SimulatorServer) -> None:
    kinds = set()
    for inc in _alerts(server)[:120]:
        alert = og.json(f"/v2/alerts/{inc.source_id}")["data"]
        tags = alert["tags"]
        service = alert["details"].get("service")
        if service is None:
            service = next((t[8:] for t in tags if t.startswith("service:")), None)
        if service is None:
            service = alert["entity"]
        assert service == inc.service
        kinds.add(inc.service_field)
        team = server.world.teams[inc.team]
        assert {"type": "team", "id": team.og_id} in alert["responders"]
        if inc.runbook_location == "details":
            assert alert["details"]["runbook_url"] == inc.runbook_url
        elif inc.runbook_location == "description":
            assert f"Runbook: {inc.runbook_url}" in alert["description"].splitlines()
        else:
            assert "runbook" not in str(alert).lower()
        assert (f"cause:{inc.root_cause}" in tags) == bool(inc.root_cause)
        assert (f"release:{inc.release}" in tags) == bool(inc.release)
        assert alert["priority"] == inc.priority
    assert kinds == {"details", "tag", "entity"}


def test_incident_timelines_are_newest_first_with_acks(og: Client, server: SimulatorServer) -> None:
    incidents = [i for i in _alerts(server) if i.og_incident_id]
    reopened = next(i for i in incidents if i.reopened)
    acked = next(i for i in incidents if len(i.acks) >= 1 and i.resolved_at)
    for inc in (reopened, acked):
        body = og.json(f"/v2/incident-timelines/{inc.og_incident_id}/entries", limit=100)
        entries = body["data"]["entries"]
        times = [_ts(e["eventTime"]) for e in entries]
        assert times == sorted(times, reverse=True)
        kinds = [e["type"] for e in entries]
        assert kinds[-1] == "IncidentOpened"
        ack_times = [_ts(e["eventTime"]) for e in entries if e["type"] == "ResponderAlertAcked"]
        assert min(ack_times, default=None) == (inc.acks[0] if inc.acks else None)
        resolved = [_ts(e["eventTime"]) for e in entries if e["type"] == "IncidentResolved"]
        assert max(resolved) == inc.resolved_at
    assert "IncidentReopened" in [
        e["type"]
        for e in og.json(f"/v2/incident-timelines/{reopened.og_incident_id}/entries", limit=100)[
            "data"
        ]["entries"]
    ]
    paged = og.json(f"/v2/incident-timelines/{acked.og_incident_id}/entries", limit=1)["data"]
    assert len(paged["entries"]) == 1 and paged["nextOffset"] == "1"
    grouped = og.json(f"/v2/incident-timelines/{acked.og_incident_id}/entries", group="incident")
    assert {e["group"] for e in grouped["data"]["entries"]} == {"incident"}


def test_incident_search_matches_truth(og: Client, server: SimulatorServer) -> None:
    first = og.get("/v1/incidents", query="status:open", limit=100).url
    open_now, _ = _follow(og, first)
    expected = {
        i.og_incident_id
        for i in _alerts(server)
        if i.og_incident_id and i.resolved_at_view(server.now) is None
    }
    assert {i["id"] for i in open_now} == expected
    everything, _ = _follow(og, og.get("/v1/incidents", query="createdAt>=0", limit=100).url)
    assert len(everything) == sum(1 for i in _alerts(server) if i.og_incident_id)
    assert {"resolved", "closed"} <= {i["status"] for i in everything}
