"""What the APIs serve agrees with the truth rows ``simulator_truth`` computes KPIs from.

A minimal reader here applies KPI_DEFINITIONS §1 to the served JSON (first ack, escalations
before it, resolution, severity, runbook, field/tag links) and must land on
``unified_incidents`` exactly, so an end-to-end sync can be compared with the truth.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from simulator_specs import Client, small_org
from simulator_truth import Unified, unified_incidents

from opskpi.simulator import SimulatorServer
from opskpi.simulator.timeutil import epoch_ms

pytestmark = pytest.mark.integration
SEVERITY = {"P1": "sev1", "P2": "sev2", "P3": "sev3", "P4": "sev4", "P5": "sev4"}
SINCE, UNTIL = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 16, tzinfo=UTC)


@pytest.fixture(scope="module", params=["end", "mid"])
def server(request: pytest.FixtureRequest) -> Iterator[SimulatorServer]:
    org = small_org()
    now = org.end if request.param == "end" else UNTIL + timedelta(hours=7)
    with SimulatorServer(org, now=now) as sim:
        yield sim


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _truth(sim: SimulatorServer, mode: str = "alerts") -> dict[str, Unified]:
    rows = unified_incidents(sim.org, sim.now, opsgenie_mode=mode)
    return {r.key: r for r in rows if SINCE <= r.created < UNTIL}


def _check(row: Unified, seen: dict) -> None:
    assert seen["created"] == row.created
    assert seen["ack"] == row.ack
    assert seen["resolved"] == row.resolved
    assert seen["escalations"] == row.escalation_count
    assert seen["severity"] == row.severity
    assert seen["service"] == row.service
    assert seen["runbook"] == row.own_runbook
    assert seen["cause"] == row.field_cause
    assert seen["release"] == row.field_release
    assert seen["merged"] == row.merged


def test_pagerduty_rows(server: SimulatorServer) -> None:
    pd = Client(server, "pagerduty")
    truth = {k: v for k, v in _truth(server).items() if k.startswith("pagerduty:")}
    listed, offset = [], 0
    while True:
        page = pd.json(
            "/incidents", since=SINCE.isoformat(), until=UNTIL.isoformat(), offset=offset, limit=100
        )
        listed += page["incidents"]
        offset += len(page["incidents"])
        if not page["more"]:
            break
    assert {f"pagerduty:{i['id']}" for i in listed} == set(truth)
    for body in listed:
        entries = pd.json(
            f"/incidents/{body['id']}/log_entries", limit=100, **{"include[]": "channels"}
        )["log_entries"]
        acks = sorted(_ts(e["created_at"]) for e in entries if e["type"] == "acknowledge_log_entry")
        first_ack = acks[0] if acks else None
        escalations = [
            e
            for e in entries
            if e["type"] == "escalate_log_entry"
            and (first_ack is None or _ts(e["created_at"]) < first_ack)
        ]
        alerts = pd.json(f"/incidents/{body['id']}/alerts")["alerts"]
        assert len(alerts) == body["alert_counts"]["all"]
        trigger = next(e for e in entries if e["type"] == "trigger_log_entry")
        links = [*(c for a in alerts for c in a["body"]["contexts"]), *trigger["contexts"]]
        details = [*(a["body"]["details"] for a in alerts), trigger["channel"].get("details")]
        runbook = any(isinstance(d, dict) and "runbook_url" in d for d in details) or any(
            "runbook" in (c.get("text", "") + c.get("href", "")).lower()
            for c in links
            if c["type"] == "link"
        )
        fields = {
            f["name"]: f["value"]
            for f in pd.json(f"/incidents/{body['id']}/custom_fields/values")["custom_fields"]
        }
        priority = body["priority"]["summary"] if body["priority"] else None
        seen = {
            "created": _ts(body["created_at"]),
            "ack": first_ack,
            "resolved": _ts(body["resolved_at"]) if body["resolved_at"] else None,
            "escalations": len(escalations),
            "severity": SEVERITY[priority]
            if priority
            else {"high": "sev2", "low": "sev3"}[body["urgency"]],
            "service": body["service"]["summary"],
            "runbook": runbook,
            "cause": fields["root_cause"],
            "release": fields["release"],
            "merged": (body["resolve_reason"] or {}).get("type") == "merge_resolve_reason",
        }
        _check(truth[f"pagerduty:{body['id']}"], seen)


def test_opsgenie_alert_rows(server: SimulatorServer) -> None:
    og = Client(server, "opsgenie")
    truth = {k: v for k, v in _truth(server).items() if k.startswith("opsgenie:")}
    query = f"createdAt>={epoch_ms(SINCE)} AND createdAt<{epoch_ms(UNTIL)}"
    url, listed = og.get("/v2/alerts", query=query, limit=100).url, []
    while url:
        page = og.session.get(url, timeout=30).json()
        listed += page["data"]
        url = page["paging"].get("next")
    assert {f"opsgenie:{a['id']}" for a in listed} == set(truth)
    for item in listed:
        alert = og.json(f"/v2/alerts/{item['id']}")["data"]
        created = _ts(alert["createdAt"])
        report = alert["report"]
        ack = created + timedelta(milliseconds=report["ackTime"]) if "ackTime" in report else None
        closed = (
            created + timedelta(milliseconds=report["closeTime"]) if "closeTime" in report else None
        )
        logs, url = [], og.get(f"/v2/alerts/{item['id']}/logs", order="asc", limit=100).url
        while url:
            page = og.session.get(url, timeout=30).json()
            logs += page["data"]
            url = page["paging"].get("next")
        escalations = [
            entry
            for entry in logs
            if entry["log"].startswith("Escalated to next level")
            and (ack is None or _ts(entry["createdAt"]) < ack)
        ]
        tags = alert["tags"]
        service = alert["details"].get("service") or next(
            (t.split(":", 1)[1] for t in tags if t.startswith("service:")), alert["entity"]
        )
        runbook = "runbook_url" in alert["details"] or bool(
            re.search(r"^Runbook: \S+", alert["description"], re.M)
        )
        seen = {
            "created": created,
            "ack": ack,
            "resolved": closed,
            "escalations": len(escalations),
            "severity": SEVERITY[alert["priority"]],
            "service": service,
            "runbook": runbook,
            "cause": next((t.split(":", 1)[1] for t in tags if t.startswith("cause:")), None),
            "release": next((t.split(":", 1)[1] for t in tags if t.startswith("release:")), None),
            "merged": False,
        }
        _check(truth[f"opsgenie:{alert['id']}"], seen)


def test_opsgenie_incident_rows(server: SimulatorServer) -> None:
    og = Client(server, "opsgenie")
    truth = {k: v for k, v in _truth(server, "incidents").items() if k.startswith("opsgenie:")}
    query = f"createdAt>={epoch_ms(SINCE)} AND createdAt<{epoch_ms(UNTIL)}"
    listed = og.json("/v1/incidents", query=query, limit=100)["data"]
    assert {f"opsgenie:{i['id']}" for i in listed} == set(truth)
    for body in listed:
        entries = og.json(f"/v2/incident-timelines/{body['id']}/entries", limit=100)["data"][
            "entries"
        ]
        acks = [_ts(e["eventTime"]) for e in entries if e["type"] == "ResponderAlertAcked"]
        resolutions = [_ts(e["eventTime"]) for e in entries if e["type"] == "IncidentResolved"]
        resolved = max(resolutions) if body["status"] in ("resolved", "closed") else None
        tags = body["tags"]
        seen = {
            "created": _ts(body["createdAt"]),
            "ack": min(acks, default=None),
            "resolved": resolved,
            "escalations": 0,
            "severity": SEVERITY[body["priority"]],
            "service": body["extraProperties"]["service"],
            "runbook": "runbook_url" in body["extraProperties"]
            or bool(re.search(r"^Runbook: \S+", body["description"], re.M)),
            "cause": next((t.split(":", 1)[1] for t in tags if t.startswith("cause:")), None),
            "release": next((t.split(":", 1)[1] for t in tags if t.startswith("release:")), None),
            "merged": False,
        }
        _check(truth[f"opsgenie:{body['id']}"], seen)
