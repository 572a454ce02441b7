"""The simulated JSM Operations API: every answer validated against Atlassian's published spec
(``jsm-ops-openapi.trimmed.json``, read in place), the 20,000 cap, relative next links, both
spellings of the fields public sources disagree on, Basic auth, ``_edge/tenant_info``, and the
organisation whose Opsgenie account moved to JSM halfway (Opsgenie before, JSM after, some
alerts in both), checked through the two APIs as a client sees them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests
from simulator_specs import Client, validate

from opskpi.simulator import Organisation, SimulatorServer, generate
from opskpi.simulator.generate import GenerateParams
from opskpi.simulator.jsm import cloud_id, mid_period

pytestmark = pytest.mark.integration

END = datetime(2026, 3, 1, tzinfo=UTC)
SPEC = "jsm-ops-openapi.trimmed.json"
# the fields public sources spell the Opsgenie way (reference README §2 and §2b)
OPSGENIE_ALERT_KEYS = {"report", "details", "lastOccurredAt"}
OPSGENIE_LOG_KEYS = {"createdAt", "type"}


@cache
def migrated_org() -> Organisation:
    params = GenerateParams(seed=11, end=END, months=3)
    at = mid_period(params.start_utc, params.end_utc, "America/Sao_Paulo")
    return generate(11, END, months=3, incidents_per_day=10, jsm_migration_at=at)


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(migrated_org()) as sim:
        yield sim


@pytest.fixture(scope="module")
def jsm(server: SimulatorServer) -> Client:
    return Client(server, "jsm")


@pytest.fixture(scope="module")
def api(server: SimulatorServer) -> str:
    return f"/api/{cloud_id(server.org)}/v1"


def spec_properties(reference_dir: Path, schema: str) -> set[str]:
    spec = json.loads((reference_dir / SPEC).read_text())
    return set(spec["components"]["schemas"][schema]["properties"])


def every_alert(jsm: Client, api: str, reference_dir: Path | None = None) -> list[dict[str, Any]]:
    """The whole listing, oldest first, by offset (validated page by page when asked)."""
    out: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = jsm.json(f"{api}/alerts", size=100, offset=offset, sort="createdAt", order="asc")
        if reference_dir is not None:
            validate(reference_dir, "jsm", "/api/{cloudId}/v1/alerts", page)
        out += page["values"]
        if not page["links"].get("next"):
            return out
        offset += len(page["values"])


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- contract -----------------------------------------------------------------------------------
def test_every_endpoint_answers_as_the_spec_says(
    jsm: Client, api: str, server: SimulatorServer, reference_dir: Path
) -> None:
    alerts = every_alert(jsm, api, reference_dir)
    assert len(alerts) > 100  # more than one page
    for alert in alerts[:: max(1, len(alerts) // 25)]:
        detail = jsm.json(f"{api}/alerts/{alert['id']}")
        validate(reference_dir, "jsm", "/api/{cloudId}/v1/alerts/{id}", detail)
        logs = jsm.json(f"{api}/alerts/{alert['id']}/logs")
        validate(reference_dir, "jsm", "/api/{cloudId}/v1/alerts/{id}/logs", logs)
        assert logs["values"]
        notes = jsm.json(f"{api}/alerts/{alert['id']}/notes")
        validate(reference_dir, "jsm", "/api/{cloudId}/v1/alerts/{id}/notes", notes)
        by_alias = jsm.json(f"{api}/alerts/alias", alias=alert["alias"])
        validate(reference_dir, "jsm", "/api/{cloudId}/v1/alerts/alias", by_alias)
        assert by_alias["id"] == alert["id"]
    teams = jsm.json(f"{api}/teams")
    validate(reference_dir, "jsm", "/api/{cloudId}/v1/teams", teams)
    assert {t["teamName"] for t in teams["platformTeams"]} == {t.name for t in server.org.teams}
    comms = jsm.json(f"/stakeholder-comms/cloudId/{cloud_id(server.org)}/api/incidents/list")
    validate(reference_dir, "jsm", "/stakeholder-comms/cloudId/{cloudId}/api/incidents/list", comms)
    assert comms["nodes"]


def test_the_validator_catches_a_wrong_status_and_a_wrong_type(reference_dir: Path) -> None:
    path = "/api/{cloudId}/v1/alerts"
    good = {"values": [{"id": "a", "status": "closed", "count": 2}], "count": 1, "links": {}}
    validate(reference_dir, "jsm", path, good)
    for key, value in (("status", "resolvedish"), ("count", "two"), ("priority", "P9")):
        bad = {**good, "values": [{**good["values"][0], key: value}]}
        with pytest.raises(jsonschema.ValidationError):
            validate(reference_dir, "jsm", path, bad)


def test_keys_beyond_the_spec_are_only_the_opsgenie_spellings_and_both_are_served(
    jsm: Client, api: str, reference_dir: Path
) -> None:
    alert_keys = spec_properties(reference_dir, "AlertResponse")
    log_keys = spec_properties(reference_dir, "AlertLog")
    spellings: dict[str, int] = {"jsm": 0, "opsgenie": 0}
    log_spellings: dict[str, int] = {"jsm": 0, "opsgenie": 0}
    for alert in every_alert(jsm, api):
        detail = jsm.json(f"{api}/alerts/{alert['id']}")
        for body in (alert, detail):
            assert set(body) - alert_keys <= OPSGENIE_ALERT_KEYS, body["id"]
        if "report" in detail:
            spellings["opsgenie"] += 1
            assert "ackTime" not in detail and "extraProperties" not in detail
            assert isinstance(detail["details"], dict) and "lastOccurredAt" in detail
            # Opsgenie's list lacked these; the detail has them
            assert "description" not in alert and "details" not in alert
        else:
            spellings["jsm"] += 1
            assert isinstance(detail["extraProperties"], dict) and "lastOccuredAt" in detail
            assert alert["extraProperties"] == detail["extraProperties"]
        for line in jsm.json(f"{api}/alerts/{alert['id']}/logs", size=100)["values"]:
            assert set(line) - log_keys <= OPSGENIE_LOG_KEYS
            log_spellings["jsm" if "logTime" in line else "opsgenie"] += 1
    assert spellings["jsm"] > 10 and spellings["opsgenie"] > 10
    assert log_spellings["jsm"] > 10 and log_spellings["opsgenie"] > 10


def test_both_ack_spellings_give_the_first_acknowledgement(
    jsm: Client, api: str, server: SimulatorServer
) -> None:
    by_id = {i.source_id: i for i in server.world.jsm}
    seen = {"iso": 0, "ms": 0}
    for alert in every_alert(jsm, api):
        inc = by_id[alert["id"]]
        if not inc.acks:
            assert "ackTime" not in alert and "ackTime" not in alert.get("report", {})
            continue
        if "ackTime" in alert:
            assert _ts(alert["ackTime"]) == inc.acks[0]
            seen["iso"] += 1
        else:
            millis = alert["report"]["ackTime"]
            assert _ts(alert["createdAt"]) + timedelta(milliseconds=millis) == inc.acks[0]
            seen["ms"] += 1
        if inc.resolved_at is not None:
            close = alert.get("closeTime")
            if close is None:
                close_at = _ts(alert["createdAt"]) + timedelta(
                    milliseconds=alert["report"]["closeTime"]
                )
            else:
                close_at = _ts(close)
            assert close_at == inc.resolved_at and alert["status"] == "closed"
    assert seen["iso"] > 0 and seen["ms"] > 0


# --- paging -------------------------------------------------------------------------------------
def test_the_offset_cap_is_a_400_not_an_empty_page(jsm: Client, api: str) -> None:
    # "Sum of offset and size should be lower than 20K": 19,899 + 100 = 19,999 is allowed
    assert jsm.get(f"{api}/alerts", offset=19_899, size=100).status_code == 200
    for offset, size in ((19_900, 100), (19_990, 10), (25_000, 1)):
        response = jsm.get(f"{api}/alerts", offset=offset, size=size)
        assert response.status_code == 400, (offset, size)
        assert "20000" in response.json()["errors"][0]["title"]


def test_next_links_are_relative_to_the_api_root(
    jsm: Client, api: str, server: SimulatorServer
) -> None:
    first = jsm.json(f"{api}/alerts", size=5, sort="createdAt", order="asc")
    link = first["links"]["next"]
    assert link.startswith("/v1/alerts?") and "offset=5" in link and "size=5" in link
    root = f"{server.url}/jsm/ops/api/{cloud_id(server.org)}"
    second = jsm.session.get(root + link, timeout=30).json()
    direct = jsm.json(f"{api}/alerts", size=5, offset=5, sort="createdAt", order="asc")
    assert [a["id"] for a in second["values"]] == [a["id"] for a in direct["values"]]
    # resolved against the host instead, the link misses the API
    assert requests.get(server.url + link, timeout=30).status_code == 404
    total = first["count"]
    last = jsm.json(f"{api}/alerts", size=5, offset=total - 3, sort="createdAt", order="asc")
    assert len(last["values"]) == 3 and "next" not in last["links"]


def test_logs_follow_the_after_cursor_to_the_end(
    jsm: Client, api: str, server: SimulatorServer
) -> None:
    root = f"{server.url}/jsm/ops/api/{cloud_id(server.org)}"
    inc = max(server.world.jsm, key=lambda i: len(i.escalations) + len(i.acks))
    body = jsm.json(f"{api}/alerts/{inc.source_id}/logs", size=2)
    lines, pages = list(body["values"]), 1
    while body["links"].get("next"):
        assert body["links"]["next"].startswith(f"/v1/alerts/{inc.source_id}/logs?after=")
        body = jsm.session.get(root + body["links"]["next"], timeout=30).json()
        lines += body["values"]
        pages += 1
    # the alert's life: created, the primary notified, each escalation with the secondary
    # notified (two lines), each ack and unack, the reassignment, the close
    assert len(inc.escalations) >= 1  # the escalation lines and their notifications are exercised
    expected = (
        1
        + 1
        + 2 * len(inc.escalations)
        + len(inc.acks)
        + len(inc.unacks)
        + (inc.reassigned_at is not None)
        + (inc.resolved_at is not None)
    )
    assert len(lines) == expected and pages == -(-expected // 2)
    times = [_ts(line.get("logTime") or line["createdAt"]) for line in lines]
    assert times == sorted(times)
    # nothing repeated across pages: every line is its own (time, text)
    assert len({(t, line["log"]) for t, line in zip(times, lines, strict=True)}) == expected
    notified = [line["log"] for line in lines if line["log"].startswith("Sent [Mobile]")]
    emails = {u.key: u.email for u in server.org.users}
    assert notified == [
        f"Sent [Mobile] notification to {emails[inc.responder]}",
        *[f"Sent [Mobile] notification to {emails[inc.secondary]}"] * len(inc.escalations),
    ]


def test_stakeholder_comms_pages_by_cursor(jsm: Client, server: SimulatorServer) -> None:
    path = f"/stakeholder-comms/cloudId/{cloud_id(server.org)}/api/incidents/list"
    body = jsm.json(path, limit=2)
    nodes = list(body["nodes"])
    while body["pageInfo"]["hasNextPage"]:
        body = jsm.json(path, limit=2, cursor=body["pageInfo"]["endCursor"])
        nodes += body["nodes"]
    assert len(nodes) == body["totalCount"] > 2
    assert len({n["incident"]["id"] for n in nodes}) == len(nodes)
    for node in nodes:
        incident, updates = node["incident"], node["incidentUpdates"]
        assert updates[0]["status"] == "INVESTIGATING"
        assert ("updateNeededAt" in incident) == (incident["status"] != "RESOLVED")
        assert incident["status"] == updates[-1]["status"]


# --- auth and site ------------------------------------------------------------------------------
def test_basic_auth_is_required(server: SimulatorServer, api: str, reference_dir: Path) -> None:
    url = f"{server.url}/jsm/ops{api}/alerts"
    for header in (
        None,
        f"GenieKey {server.tokens.opsgenie}",
        "Basic " + "b3BzLWJvdDp3cm9uZw==",  # ops-bot:wrong
        "Basic not-base64!",
    ):
        headers = {"Authorization": header} if header else {}
        response = requests.get(url, headers=headers, timeout=30)
        assert response.status_code == 401
        validate(reference_dir, "jsm", "/api/{cloudId}/v1/alerts", response.json(), status="401")


def test_tenant_info_gives_the_cloud_id_without_credentials(server: SimulatorServer) -> None:
    response = requests.get(f"{server.jsm_site_url}/_edge/tenant_info", timeout=30)
    assert response.json() == {"cloudId": cloud_id(server.org)}
    jsm = Client(server, "jsm")
    assert jsm.get("/api/not-this-site/v1/alerts").status_code == 404


def test_a_narrow_token_gets_403_on_stakeholder_comms() -> None:
    from opskpi.simulator import SimulatorTokens

    with SimulatorServer(migrated_org(), tokens=SimulatorTokens(jsm_comms_scope=False)) as sim:
        jsm = Client(sim, "jsm")
        cloud = cloud_id(sim.org)
        assert jsm.get(f"/api/{cloud}/v1/alerts").status_code == 200
        assert jsm.get(f"/stakeholder-comms/cloudId/{cloud}/api/incidents/list").status_code == 403


# --- the migration, as a client of both APIs sees it --------------------------------------------
def test_opsgenie_before_jsm_after_and_some_alerts_in_both(
    jsm: Client, api: str, server: SimulatorServer
) -> None:
    migrated = server.org.jsm_migrated_at
    assert migrated is not None
    og = Client(server, "opsgenie")
    opsgenie: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = og.json("/v2/alerts", limit=100, offset=offset, sort="createdAt", order="asc")
        opsgenie += page["data"]
        if "next" not in page["paging"]:
            break
        offset += 100
    alerts = every_alert(jsm, api)
    og_by_tiny_created = {(a["tinyId"], a["createdAt"]): a for a in opsgenie}
    og_by_alias = {a["alias"]: a for a in opsgenie}
    imported = [a for a in alerts if _ts(a["createdAt"]) < migrated]
    native = [a for a in alerts if _ts(a["createdAt"]) >= migrated]
    assert imported and native
    # every JSM alert older than the migration is an Opsgenie alert: same tinyId and createdAt
    assert all((a["tinyId"], a["createdAt"]) in og_by_tiny_created for a in imported)
    lost_alias = [
        a
        for a in imported
        if og_by_tiny_created[(a["tinyId"], a["createdAt"])]["alias"] != a["alias"]
    ]
    assert 0 < len(lost_alias) < len(imported)
    # Opsgenie alerts after the migration are copies of JSM alerts: the same alias, their own
    # tinyId and id, received moments later
    after = [a for a in opsgenie if _ts(a["createdAt"]) >= migrated]
    assert after
    jsm_by_alias = {a["alias"]: a for a in native}
    for copy in after:
        twin = jsm_by_alias[copy["alias"]]
        gap = _ts(copy["createdAt"]) - _ts(twin["createdAt"])
        assert timedelta(0) < gap < timedelta(seconds=1)
        assert copy["id"] != twin["id"]
    assert any(c["tinyId"] != jsm_by_alias[c["alias"]]["tinyId"] for c in after)
    # and most of the history is in one system only
    assert len(opsgenie) > len(imported) + len(after)
    assert len(native) > len(after)
    assert set(og_by_alias) & set(jsm_by_alias) == {c["alias"] for c in after}


def test_an_organisation_that_never_migrated_has_an_empty_jsm(reference_dir: Path) -> None:
    org = generate(11, END, months=1, incidents_per_day=4)
    with SimulatorServer(org) as sim:
        jsm = Client(sim, "jsm")
        page = jsm.json(f"/api/{cloud_id(org)}/v1/alerts")
        validate(reference_dir, "jsm", "/api/{cloudId}/v1/alerts", page)
        assert page["values"] == [] and page["count"] == 0
        assert sim.summary()["incidents"]["jsm_alerts"] == 0
