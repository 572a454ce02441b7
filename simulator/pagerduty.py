"""PagerDuty REST API v2 shapes rendered from the truth, as of a clock instant."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import Any

from opskpi.simulator.ids import pd_alert_id, pd_log_entry_id, pd_object_id
from opskpi.simulator.org import Incident, Service, Team
from opskpi.simulator.routing import HttpError, Response
from opskpi.simulator.timeutil import iso_seconds
from opskpi.simulator.world import World

PRIORITY_DESCRIPTIONS = {
    "P1": "Indisponibilidade total ou perda de dados; acionar diretoria",
    "P2": "Funcionalidade crítica degradada para muitos clientes",
    "P3": "Degradação parcial ou problema de estabilidade",
    "P4": "Problema menor sem impacto relevante ao cliente",
    "P5": "Cosmético",
}
# the organisation's incident custom fields: `opskpi demo` configures opskpi to read them
ROOT_CAUSE_FIELD = "root_cause"  # a taxonomy key
RELEASE_FIELD = "release"  # app@revision
ALERT_SEVERITY = {"sev1": "critical", "sev2": "error", "sev3": "warning", "sev4": "info"}
Event = tuple[datetime, int, str, str | None]  # (at, index, kind, user key)


def web_url(world: World, path: str) -> str:
    return f"https://{world.org.subdomain}.pagerduty.com/{path}"


def api_url(world: World, path: str) -> str:
    return f"{world.base_url}/pagerduty/{path}"


def priority_ids(world: World) -> dict[str, str]:
    return _priority_ids(world.org.seed)


@lru_cache(maxsize=16)
def _priority_ids(seed: int) -> dict[str, str]:
    rng = random.Random(f"{seed}:priorities")
    return {name: pd_object_id(rng) for name in PRIORITY_DESCRIPTIONS}


def user_ref(world: World, key: str) -> dict[str, Any]:
    user = world.users[key]
    return {
        "id": user.pd_id,
        "type": "user_reference",
        "summary": user.name,
        "self": api_url(world, f"users/{user.pd_id}"),
        "html_url": web_url(world, f"users/{user.pd_id}"),
    }


def service_ref(world: World, service: Service) -> dict[str, Any]:
    return {
        "id": service.pd_id,
        "type": "service_reference",
        "summary": service.name,
        "self": api_url(world, f"services/{service.pd_id}"),
        "html_url": web_url(world, f"service-directory/{service.pd_id}"),
    }


def team_ref(world: World, team: Team) -> dict[str, Any]:
    return {
        "id": team.pd_id,
        "type": "team_reference",
        "summary": team.name,
        "self": api_url(world, f"teams/{team.pd_id}"),
        "html_url": web_url(world, f"teams/{team.pd_id}"),
    }


def escalation_policy_ref(world: World, team: Team) -> dict[str, Any]:
    ep = team.escalation_policy_id
    return {
        "id": ep,
        "type": "escalation_policy_reference",
        "summary": f"Plantão {team.name}",
        "self": api_url(world, f"escalation_policies/{ep}"),
        "html_url": web_url(world, f"escalation_policies/{ep}"),
    }


def incident_ref(world: World, inc: Incident) -> dict[str, Any]:
    return {
        "id": inc.source_id,
        "type": "incident_reference",
        "summary": f"[#{inc.number}] {inc.title}",
        "self": api_url(world, f"incidents/{inc.source_id}"),
        "html_url": web_url(world, f"incidents/{inc.source_id}"),
    }


def render_priority(world: World, name: str) -> dict[str, Any]:
    pid = priority_ids(world)[name]
    return {
        "id": pid,
        "type": "priority",
        "summary": name,
        "self": api_url(world, f"priorities/{pid}"),
        "html_url": None,
        "name": name,
        "description": PRIORITY_DESCRIPTIONS[name],
    }


def events(inc: Incident) -> list[Event]:
    """Every log event of the incident's whole life, in a stable order (ids depend on it)."""
    pages = inc.notifications()  # the primary, then one page per escalation
    out: list[Event] = [
        (inc.created_at, 0, "trigger", None),
        (pages[0][0], 1, "notify", pages[0][1]),
    ]
    n = 2
    for level, (at, (paged_at, paged)) in enumerate(zip(inc.escalations, pages[1:], strict=True)):
        out.append((at, n, "escalate", inc.secondary if level % 2 == 0 else inc.responder))
        out.append((paged_at, n + 1, "notify", paged))
        n += 2
    for at, by in zip(inc.acks, inc.ack_by, strict=True):
        out.append((at, n, "acknowledge", by))
        n += 1
    for at in inc.unacks:
        out.append((at, n, "unacknowledge", None))
        n += 1
    if inc.reassigned_at is not None:
        out.append((inc.reassigned_at, n, "assign", inc.secondary))
        n += 1
    if inc.resolved_at is not None:
        out.append((inc.resolved_at, n, "resolve", inc.resolved_by))
    out.sort(key=lambda e: (e[0], e[1]))
    return out


def visible_events(inc: Incident, now: datetime) -> list[Event]:
    return [e for e in events(inc) if e[0] <= now]


def _contexts(inc: Incident, index: int = 0) -> list[dict[str, Any]]:
    """The Events API ``links`` of the incident's ``index``-th alert."""
    contexts = [
        {
            "type": "link",
            "href": f"https://grafana.construtora.example/d/{inc.service}",
            "text": "Painel Grafana",
        }
    ]
    if inc.runbook_location == "link" and inc.runbook_url and inc.runbook_alert == index:
        contexts.insert(0, {"type": "link", "href": inc.runbook_url, "text": "Runbook"})
    return contexts


def _custom_details(inc: Incident, index: int = 0) -> dict[str, Any]:
    """The Events API ``payload.custom_details`` of the incident's ``index``-th alert."""
    details: dict[str, Any] = {
        "service": inc.service,
        "summary": inc.title,
        "dashboard": f"https://grafana.construtora.example/d/{inc.service}",
    }
    if inc.runbook_location == "details" and inc.runbook_url and inc.runbook_alert == index:
        details["runbook_url"] = inc.runbook_url
    return details


def trigger_summary(inc: Incident) -> str:
    if inc.trigger_channel == "email":
        return "Triggered through email."
    return "Triggered through the API."


def _trigger_channel(world: World, inc: Incident, channels: bool) -> dict[str, Any]:
    """The trigger's channel: only its type unless ``include[]=channels`` was asked for.

    Events API v2: the first alert's summary and custom details. Email: the message, which
    carries no details object (the details live on the alert, parsed by the integration).
    """
    if not channels:
        return {"type": inc.trigger_channel}
    if inc.trigger_channel == "email":
        return {
            "type": "email",
            "summary": inc.title,
            "to": f"{inc.service}@{world.org.subdomain}.pagerduty.com",
            "from": "alertas@construtora.example",
            "subject": inc.title,
            "body": inc.title,
            "body_content_type": "text/plain",
        }
    return {"type": inc.trigger_channel, "summary": inc.title, "details": _custom_details(inc)}


def render_log_entry(
    world: World, inc: Incident, event: Event, tz: tzinfo, channels: bool = False
) -> dict[str, Any]:
    """One log entry; ``channels``: the request asked for ``include[]=channels``."""
    at, index, kind, who = event
    service = world.services[inc.service]
    entry_id = pd_log_entry_id(inc.source_id, index)
    entry: dict[str, Any] = {
        "id": entry_id,
        "type": f"{kind}_log_entry",
        "summary": "",
        "self": api_url(world, f"log_entries/{entry_id}"),
        "html_url": web_url(world, f"incidents/{inc.source_id}/log_entries/{entry_id}"),
        "created_at": iso_seconds(at, tz),
        "agent": service_ref(world, service),
        "channel": {"type": "auto"},
        "service": service_ref(world, service),
        "incident": incident_ref(world, inc),
        "teams": [team_ref(world, world.teams[inc.team])],
        "contexts": [],
    }
    if kind == "trigger":
        entry["summary"] = trigger_summary(inc)
        entry["channel"] = _trigger_channel(world, inc, channels)
        entry["contexts"] = _contexts(inc)
        entry["event_details"] = {"description": inc.title}
    elif kind == "notify":
        assert who is not None
        entry.pop("agent")
        entry["user"] = user_ref(world, who)
        entry["summary"] = f"Notified {world.users[who].name} by push notification."
    elif kind == "escalate":
        assert who is not None
        entry["summary"] = "Escalated to the next level by timeout."
        entry["channel"] = {"type": "timeout"}
        entry["assignees"] = [user_ref(world, who)]
    elif kind == "acknowledge":
        assert who is not None
        entry["agent"] = user_ref(world, who)
        entry["summary"] = f"Acknowledged by {world.users[who].name}."
        entry["channel"] = {"type": "website"}
        entry["acknowledgement_timeout"] = 1800
    elif kind == "unacknowledge":
        entry["summary"] = "Unacknowledged due to timeout."
        entry["channel"] = {"type": "timeout"}
    elif kind == "assign":
        assert who is not None
        actor = inc.ack_by[0] if inc.ack_by else inc.responder
        entry["agent"] = user_ref(world, actor)
        entry["summary"] = f"Reassigned to {world.users[who].name}."
        entry["channel"] = {"type": "website"}
        entry["assignees"] = [user_ref(world, who)]
    elif kind == "resolve":
        if inc.merged_into:
            entry["summary"] = f"Resolved by merging into incident {inc.merged_into}."
            entry["channel"] = {"type": "website"}
        elif who is None:
            entry["summary"] = "Resolved through the API."
            entry["channel"] = {"type": "api"}
        else:
            entry["summary"] = f"Resolved by {world.users[who].name}."
            entry["channel"] = {"type": "website"}
        if who is not None:
            entry["agent"] = user_ref(world, who)
    return entry


def incident_key(inc: Incident) -> str:
    return hashlib.md5(inc.source_id.encode(), usedforsecurity=False).hexdigest()


def render_incident(world: World, inc: Incident, now: datetime, tz: tzinfo = UTC) -> dict[str, Any]:
    service = world.services[inc.service]
    team = world.teams[inc.team]
    status = inc.status_at(now)
    visible = visible_events(inc, now)
    resolved = inc.resolved_at_view(now)
    status_changes = [e for e in visible if e[2] in ("acknowledge", "unacknowledge", "resolve")]
    last_change = status_changes[-1] if status_changes else None
    acks_now: list[dict[str, Any]] = []
    if status == "acknowledged":
        last_unack = max((e[0] for e in visible if e[2] == "unacknowledge"), default=None)
        acks_now = [
            {"at": iso_seconds(e[0], tz), "acknowledger": user_ref(world, e[3] or inc.responder)}
            for e in visible
            if e[2] == "acknowledge" and (last_unack is None or e[0] > last_unack)
        ]
    assignments: list[dict[str, Any]] = []
    if status != "resolved":
        assignee = inc.secondary if any(e[2] in ("escalate", "assign") for e in visible) else None
        assignments = [
            {
                "at": iso_seconds(visible[-1][0], tz),
                "assignee": user_ref(world, assignee or inc.responder),
            }
        ]
    trigger_id = pd_log_entry_id(inc.source_id, 0)
    alerts = inc.alerts_at(now)
    body: dict[str, Any] = {
        "id": inc.source_id,
        "type": "incident",
        "summary": f"[#{inc.number}] {inc.title}",
        "self": api_url(world, f"incidents/{inc.source_id}"),
        "html_url": web_url(world, f"incidents/{inc.source_id}"),
        "incident_number": inc.number,
        "title": inc.title,
        "created_at": iso_seconds(inc.created_at, tz),
        "updated_at": iso_seconds(inc.last_event_at(now), tz),
        "status": status,
        "incident_key": incident_key(inc),
        "service": service_ref(world, service),
        "assignments": assignments,
        "assigned_via": "escalation_policy",
        "last_status_change_at": iso_seconds(last_change[0] if last_change else inc.created_at, tz),
        "resolved_at": iso_seconds(resolved, tz) if resolved else None,
        "first_trigger_log_entry": {
            "id": trigger_id,
            "type": "trigger_log_entry_reference",
            "summary": trigger_summary(inc),
            "self": api_url(world, f"log_entries/{trigger_id}"),
            "html_url": web_url(world, f"incidents/{inc.source_id}/log_entries/{trigger_id}"),
        },
        "alert_counts": {
            "all": alerts,
            "triggered": 0 if resolved else alerts,
            "resolved": alerts if resolved else 0,
        },
        "is_mergeable": True,
        "incident_type": {"name": "incident_default"},
        "escalation_policy": escalation_policy_ref(world, team),
        "teams": [team_ref(world, team)],
        "pending_actions": [],
        "acknowledgements": acks_now,
        "alert_grouping": None,
        "last_status_change_by": (
            user_ref(world, last_change[3])
            if last_change and last_change[3]
            else service_ref(world, service)
        ),
        "priority": render_priority(world, inc.priority) if inc.priority else None,
        "resolve_reason": None,
        "incidents_responders": [],
        "responder_requests": [],
        "urgency": inc.urgency,
    }
    if inc.merged_into and resolved:
        parent = inc.merged_into  # the reference is built from the id alone (streamable)
        body["resolve_reason"] = {
            "type": "merge_resolve_reason",
            "incident": {
                "id": parent,
                "type": "incident_reference",
                "self": api_url(world, f"incidents/{parent}"),
                "html_url": web_url(world, f"incidents/{parent}"),
            },
        }
    return body


def render_alerts(
    world: World, inc: Incident, now: datetime, tz: tzinfo = UTC
) -> list[dict[str, Any]]:
    """The alerts grouped into the incident by ``now``, oldest first."""
    return [render_alert(world, inc, now, tz, k) for k in range(inc.alerts_at(now))]


def render_alert(
    world: World, inc: Incident, now: datetime, tz: tzinfo = UTC, index: int = 0
) -> dict[str, Any]:
    service = world.services[inc.service]
    resolved = inc.resolved_at_view(now)
    alert_id = pd_alert_id(inc.source_id, index)
    email = inc.trigger_channel == "email"
    integration = f"PINTG{service.pd_id[1:3]}" + ("E" if email else "")
    key = incident_key(inc) if index == 0 else f"{incident_key(inc)}-{index}"
    return {
        "id": alert_id,
        "type": "alert",
        "summary": inc.title,
        "self": api_url(world, f"incidents/{inc.source_id}/alerts/{alert_id}"),
        "html_url": web_url(world, f"alerts/{alert_id}"),
        "created_at": iso_seconds(inc.alert_times()[index], tz),
        "status": "resolved" if resolved else "triggered",
        "alert_key": key,
        "service": service_ref(world, service),
        "body": {
            "type": "alert_body",
            "contexts": _contexts(inc, index),
            "details": _custom_details(inc, index),
        },
        "incident": incident_ref(world, inc),
        "suppressed": False,
        "severity": ALERT_SEVERITY[inc.severity],
        "integration": {
            "id": integration,
            "type": (
                "generic_email_inbound_integration_reference"
                if email
                else "events_api_v2_inbound_integration_reference"
            ),
            "summary": "Email" if email else "Prometheus Alertmanager",
            "self": api_url(world, f"services/{service.pd_id}/integrations/{integration}"),
            "html_url": web_url(world, f"services/{service.pd_id}/integrations"),
        },
    }


def render_custom_fields(world: World, inc: Incident) -> dict[str, Any]:
    return {
        "custom_fields": [
            {
                "id": "PCFRC01",
                "type": "field_value",
                "name": ROOT_CAUSE_FIELD,
                "display_name": "Causa raiz",
                "description": "Categoria da taxonomia de causa-raiz",
                "data_type": "string",
                "field_type": "single_value_fixed",
                "value": inc.root_cause,
            },
            {
                "id": "PCFRL02",
                "type": "field_value",
                "name": RELEASE_FIELD,
                "display_name": "Release",
                "description": "Deploy associado (app@revisão)",
                "data_type": "string",
                "field_type": "single_value",
                "value": inc.release,
            },
        ]
    }


def error(
    status: int, message: str, code: int | None = None, errors: Sequence[str] = ()
) -> HttpError:
    body: dict[str, Any] = {"message": message}
    if code is not None:
        body["code"] = code
    if errors:
        body["errors"] = list(errors)
    return HttpError(Response(status, {"error": body}))


def invalid(detail: str) -> HttpError:
    return error(400, "Invalid Input Provided", 2001, [detail])
