"""Opsgenie shapes (alerts, alert logs, incidents, incident timelines) as of a clock instant."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from opskpi.simulator.org import NOTIFY_DELAY, Incident, Service, Team
from opskpi.simulator.timeutil import epoch_ms, iso_millis
from opskpi.simulator.world import World

LogEvent = tuple[datetime, int, str, str]  # (at, index, text, owner)
CLOSE_DELAY = timedelta(hours=2)  # resolved Opsgenie incidents are closed this much later...


def _digest(*parts: object) -> str:
    return hashlib.md5("|".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def _uuid(*parts: object) -> str:
    h = _digest(*parts)
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _email(world: World, key: str | None) -> str:
    return world.users[key].email if key else "System"


def alias(inc: Incident) -> str:
    return inc.alias or f"{inc.service}-{_digest(inc.source_id)[:10]}"


def entity(inc: Incident) -> str:
    """``entity`` is the service only when nothing else names it; else the pod that fired."""
    if inc.service_field == "entity":
        return inc.service
    return f"{inc.service}-{_digest('pod', inc.source_id)[:5]}-{_digest('rs', inc.source_id)[:5]}"


def tags(inc: Incident) -> list[str]:
    out = ["env:prod", f"severity:{inc.severity}"]
    if inc.service_field in ("details", "tag"):
        out.append(f"service:{inc.service}")
    if inc.root_cause:
        out.append(f"cause:{inc.root_cause}")
    if inc.release:
        out.append(f"release:{inc.release}")
    return out


def description(inc: Incident) -> str:
    text = f"{inc.title}.\nPainel: https://grafana.construtora.example/d/{inc.service}"
    if inc.runbook_location == "description" and inc.runbook_url:
        text += f"\nRunbook: {inc.runbook_url}"
    return text


def details(inc: Incident) -> dict[str, str]:
    out = {
        "cluster": "prod-sa-east-1",
        "dashboard": f"https://grafana.construtora.example/d/{inc.service}",
    }
    if inc.service_field == "details":
        out["service"] = inc.service
    if inc.runbook_location == "details" and inc.runbook_url:
        out["runbook_url"] = inc.runbook_url
    return out


def _acked_now(inc: Incident, now: datetime) -> bool:
    return inc.status_at(now) == "acknowledged" or (
        inc.resolved_at_view(now) is not None and bool(inc.acks_at(now))
    )


def render_alert(world: World, inc: Incident, now: datetime, full: bool = False) -> dict[str, Any]:
    """A ``BaseAlert`` (list item); ``full`` adds the ``Alert`` fields of GET /v2/alerts/{id}."""
    team = world.teams[inc.team]
    resolved = inc.resolved_at_view(now)
    acks = inc.acks_at(now)
    report: dict[str, Any] = {}
    if acks:
        report["ackTime"] = epoch_ms(acks[0]) - epoch_ms(inc.created_at)
        report["acknowledgedBy"] = _email(world, inc.ack_by[0])
    if resolved is not None:
        report["closeTime"] = epoch_ms(resolved) - epoch_ms(inc.created_at)
        report["closedBy"] = _email(world, inc.resolved_by)
    last_occurred = min(inc.created_at + timedelta(minutes=inc.alert_count - 1), resolved or now)
    body: dict[str, Any] = {
        "id": inc.source_id,
        "tinyId": str(inc.number),
        "alias": alias(inc),
        "message": inc.title,
        "status": "closed" if resolved else "open",
        "acknowledged": _acked_now(inc, now),
        "isSeen": bool(acks),
        "tags": tags(inc),
        "snoozed": False,
        "count": inc.alert_count,
        "lastOccurredAt": iso_millis(max(last_occurred, inc.created_at)),
        "createdAt": iso_millis(inc.created_at),
        "updatedAt": iso_millis(inc.last_event_at(now)),
        "source": "prometheus-alertmanager",
        "owner": _email(world, inc.ack_by[0]) if acks else "",
        "priority": inc.priority or "P3",
        "responders": [{"type": "team", "id": team.og_id}],
        "teams": [{"id": team.og_id}],
        "integration": {
            "id": _uuid("integration", world.org.seed),
            "name": "Prometheus Alertmanager",
            "type": "Prometheus",
        },
        "report": report,
    }
    if full:
        body["actions"] = ["Reiniciar pods", "Rollback"]
        body["entity"] = entity(inc)
        body["description"] = description(inc)
        body["details"] = details(inc)
    return body


def alert_log_events(world: World, inc: Incident) -> list[LogEvent]:
    """Every alert log line of the alert's whole life, oldest first, stable indexes (an Opsgenie
    or a JSM Operations alert: JSM kept Opsgenie's log lines). The "Sent ... notification to"
    lines are ``Incident.notifications()``: the primary, then the secondary at each escalation."""
    team = world.teams[inc.team]
    out: list[LogEvent] = [
        (inc.created_at, 0, "Alert created via Prometheus Alertmanager", "System"),
        (
            inc.created_at + NOTIFY_DELAY[inc.source],
            1,
            f"Sent [Mobile] notification to {_email(world, inc.responder)}",
            "System",
        ),
    ]
    n = 2
    for level, at in enumerate(inc.escalations, start=1):
        text = f"Escalated to next level: Plantão {team.name} (nível {level + 1})"
        out.append((at, n, text, "System"))
        paged = f"Sent [Mobile] notification to {_email(world, inc.secondary)}"
        out.append((at + NOTIFY_DELAY[inc.source], n + 1, paged, "System"))
        n += 2
    for at, by in zip(inc.acks, inc.ack_by, strict=True):
        out.append((at, n, "Alert acknowledged via web", _email(world, by)))
        n += 1
    for at in inc.unacks:
        out.append((at, n, "Alert unacknowledged automatically (acknowledge timeout)", "System"))
        n += 1
    if inc.reassigned_at is not None:
        text = f"Alert owner changed to {_email(world, inc.secondary)} via web"
        out.append(
            (inc.reassigned_at, n, text, _email(world, inc.ack_by[0] if inc.ack_by else None))
        )
        n += 1
    if inc.resolved_at is not None:
        how = "Alert closed via web" if inc.resolved_by else "Alert closed via API"
        out.append((inc.resolved_at, n, how, _email(world, inc.resolved_by)))
    out.sort(key=lambda e: (e[0], e[1]))
    return out


def log_offset(event: LogEvent) -> str:
    ms = epoch_ms(event[0])
    return f"{ms}_{ms * 1_000_000 + event[1]}"


def render_log(event: LogEvent) -> dict[str, Any]:
    at, _index, text, owner = event
    return {
        "log": text,
        "type": "system",
        "owner": owner,
        "createdAt": iso_millis(at),
        "offset": log_offset(event),
    }


# --- incidents ----------------------------------------------------------------------------
def incident_closed_at(inc: Incident) -> datetime | None:
    """Two of three resolved incidents are also closed, ``CLOSE_DELAY`` after resolution."""
    if inc.resolved_at is None or inc.og_incident_number % 3 == 0:
        return None
    return inc.resolved_at + CLOSE_DELAY


def incident_status(inc: Incident, now: datetime) -> str:
    closed = incident_closed_at(inc)
    if closed is not None and closed <= now:
        return "closed"
    if inc.resolved_at_view(now) is not None:
        return "resolved"
    if inc.reopened is not None and inc.reopened[0] <= now < inc.reopened[1]:
        return "resolved"
    return "open"


def render_incident(world: World, inc: Incident, now: datetime) -> dict[str, Any]:
    team = world.teams[inc.team]
    service = world.services[inc.service]
    status = incident_status(inc, now)
    extra = {"service": inc.service}
    if inc.runbook_location == "details" and inc.runbook_url:
        extra["runbook_url"] = inc.runbook_url
    body: dict[str, Any] = {
        "id": inc.og_incident_id,
        "tinyId": str(inc.og_incident_number),
        "message": inc.title,
        "description": description(inc),
        "status": status,
        "isSeen": True,
        "tags": tags(inc),
        "createdAt": iso_millis(inc.created_at),
        "updatedAt": iso_millis(max(timeline_times(inc, now), default=inc.created_at)),
        "source": "prometheus-alertmanager",
        "owner": _email(world, inc.ack_by[0]) if inc.acks_at(now) else "",
        "priority": inc.priority or "P3",
        "responders": [
            {"type": "team", "id": team.og_id},
            {"type": "user", "id": world.users[inc.responder].og_id},
        ],
        "ownerTeam": team.og_id,
        "extraProperties": extra,
        "impactedServices": [service.og_id],
        "impactStartDate": iso_millis(inc.created_at),
        "links": {
            "web": f"https://{world.org.subdomain}.app.opsgenie.com/incident/detail/{inc.og_incident_id}",
            "api": f"{world.base_url}/opsgenie/v1/incidents/{inc.og_incident_id}",
        },
        "actions": [],
    }
    ended = inc.resolved_at_view(now) or (inc.reopened[0] if inc.reopened else None)
    if status != "open" and ended is not None:
        body["impactEndDate"] = iso_millis(ended)
    return body


def timeline(world: World, inc: Incident) -> list[dict[str, Any]]:
    """Every timeline entry (oldest first) of the incident's whole life, with ``_at``."""
    raw: list[tuple[datetime, str, str, str, str]] = [
        (inc.created_at, "incident", "IncidentOpened", "Incident opened", "System"),
        (
            inc.created_at + timedelta(milliseconds=150),
            "incident",
            "IncidentResponderTeamAdded",
            "Responder added",
            "System",
        ),
    ]
    for at, by in zip(inc.acks, inc.ack_by, strict=True):
        raw.append(
            (
                at,
                "responderAlert",
                "ResponderAlertAcked",
                "Responder alert acked",
                world.users[by].name,
            )
        )
    resolver = world.users[inc.resolved_by].name if inc.resolved_by else "System"
    if inc.reopened is not None:
        first, reopen = inc.reopened
        raw.append((first, "incident", "IncidentResolved", "Incident resolved", resolver))
        raw.append((reopen, "incident", "IncidentReopened", "Incident reopened", resolver))
    if inc.resolved_at is not None:
        raw.append((inc.resolved_at, "incident", "IncidentResolved", "Incident resolved", resolver))
        closed = incident_closed_at(inc)
        if closed is not None:
            raw.append((closed, "incident", "IncidentClosed", "Incident closed", resolver))
    entries: list[dict[str, Any]] = []
    for index, (at, group, kind, title, actor) in enumerate(raw):
        entries.append(
            {
                "id": f"{kind}_{_uuid(inc.og_incident_id, index)}",
                "group": group,
                "type": kind,
                "eventTime": iso_millis(at),
                "hidden": False,
                "actor": {"name": actor, "type": "user" if actor != "System" else "system"},
                "title": {"type": "plain_text", "content": title},
                "_at": at,
            }
        )
    entries.sort(key=lambda e: e["_at"])
    return entries


def timeline_times(inc: Incident, now: datetime) -> list[datetime]:
    times = [inc.created_at, *inc.acks_at(now)]
    if inc.reopened is not None:
        times += [t for t in inc.reopened if t <= now]
    resolved = inc.resolved_at_view(now)
    if resolved is not None:
        times.append(resolved)
        closed = incident_closed_at(inc)
        if closed is not None and closed <= now:
            times.append(closed)
    return times


def render_team(world: World, team: Team) -> dict[str, Any]:
    members = [
        {"user": {"id": u.og_id, "username": u.email}, "role": "user"}
        for u in world.org.users
        if u.team == team.key
    ]
    return {
        "id": team.og_id,
        "name": team.name,
        "description": f"Time {team.name}",
        "members": members,
    }


def render_service(world: World, service: Service) -> dict[str, Any]:
    return {
        "id": service.og_id,
        "name": service.name,
        "description": f"Serviço {service.name}",
        "teamId": world.teams[service.team].og_id,
        "visibility": "TEAM_MEMBERS",
        "tags": [f"team:{service.team}"],
    }
