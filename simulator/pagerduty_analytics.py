"""PagerDuty analytics: ``POST /analytics/raw/incidents`` (cursor paging, zone-less times)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from opskpi.simulator import pagerduty as pd
from opskpi.simulator.org import Incident
from opskpi.simulator.pagerduty import invalid
from opskpi.simulator.routing import Request, Response
from opskpi.simulator.timeutil import iso_naive, parse_instant, zone
from opskpi.simulator.world import World

ANALYTICS_ORDER = {
    "created_at": lambda i: (i.created_at, i.number),
    "seconds_to_resolve": lambda i: (
        i.resolved_at - i.created_at if i.resolved_at else timedelta.max,
        i.number,
    ),
}


def analytics_incidents(request: Request) -> Response:
    """Cursor paging: the next page repeats the body with ``starting_after`` = ``last``."""
    world, now = request.world, request.now
    try:
        body = request.json()
    except ValueError:
        raise invalid("Body is not valid JSON") from None
    filters = body.get("filters") or {}
    limit = body.get("limit", 20)
    order = body.get("order", "desc")
    order_by = body.get("order_by", "created_at")
    tz_name = body.get("time_zone") or "Etc/UTC"
    if not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise invalid("limit must be between 1 and 1000")
    if order not in ("asc", "desc") or order_by not in ANALYTICS_ORDER:
        raise invalid("invalid order or order_by")
    if len(filters.get("priority_names") or []) > 5 or len(filters.get("priority_ids") or []) > 5:
        raise invalid("at most 5 priorities")
    try:
        tz = zone(tz_name)
    except KeyError:
        raise invalid(f"Invalid time zone: {tz_name}") from None

    def instant(name: str) -> datetime | None:
        raw = filters.get(name)
        if not raw:
            return None
        try:
            return parse_instant(raw, tz)
        except (TypeError, ValueError):
            raise invalid(f"{name} is not a valid date") from None

    start, end, updated_after = (
        instant("created_at_start"),
        instant("created_at_end"),
        instant("updated_after"),
    )
    services = set(filters.get("service_ids") or [])
    teams = set(filters.get("team_ids") or [])
    priority_names = set(filters.get("priority_names") or [])
    priority_ids = set(filters.get("priority_ids") or [])
    id_to_name = {v: k for k, v in pd.priority_ids(world).items()}
    priority_names |= {id_to_name[p] for p in priority_ids if p in id_to_name}
    chosen = []
    for position in world.pd_window(start, end, now):
        inc = world.pd[position]
        if updated_after is not None and inc.last_event_at(now) <= updated_after:
            continue
        if filters.get("urgency") and inc.urgency != filters["urgency"]:
            continue
        major = filters.get("major")
        if major is not None and (inc.priority in ("P1", "P2")) != bool(major):
            continue
        if services and world.services[inc.service].pd_id not in services:
            continue
        if teams and world.teams[inc.team].pd_id not in teams:
            continue
        if priority_names and inc.priority not in priority_names:
            continue
        chosen.append(inc)
    if order_by == "seconds_to_resolve":
        chosen = [i for i in chosen if i.resolved_at_view(now) is not None]
    chosen.sort(key=ANALYTICS_ORDER[order_by], reverse=order == "desc")
    ids = [i.source_id for i in chosen]
    lo, hi = 0, len(chosen)
    if body.get("starting_after"):
        if body["starting_after"] not in ids:
            raise invalid("Invalid cursor: starting_after")
        lo = ids.index(body["starting_after"]) + 1
        hi = min(len(chosen), lo + limit)
    elif body.get("ending_before"):
        if body["ending_before"] not in ids:
            raise invalid("Invalid cursor: ending_before")
        hi = ids.index(body["ending_before"])
        lo = max(0, hi - limit)
    else:
        hi = min(len(chosen), limit)
    page = chosen[lo:hi]
    return Response(
        200,
        {
            "data": [render_analytics(world, i, now, tz) for i in page],
            "first": page[0].source_id if page else None,
            "last": page[-1].source_id if page else None,
            "limit": limit,
            "more": hi < len(chosen),
            "order": order,
            "order_by": order_by,
            "filters": filters,
            "time_zone": tz_name,
            "starting_after": body.get("starting_after"),
            "ending_before": body.get("ending_before"),
        },
    )


def render_analytics(world: World, inc: Incident, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """One ``AnalyticsRawIncident``: zone-less timestamps in ``tz``."""
    service = world.services[inc.service]
    team = world.teams[inc.team]
    acks = inc.acks_at(now)
    escalations = inc.escalations_at(now)
    resolved = inc.resolved_at_view(now)
    ackers = list(dict.fromkeys(b for a, b in zip(inc.acks, inc.ack_by, strict=True) if a <= now))
    level = int(inc.priority[1]) if inc.priority else None
    return {
        "id": inc.source_id,
        "incident_number": inc.number,
        "created_at": iso_naive(inc.created_at, tz),
        "updated_at": iso_naive(inc.last_event_at(now), tz),
        "resolved_at": iso_naive(resolved, tz) if resolved else None,
        "status": inc.status_at(now),
        "description": inc.title,
        "urgency": inc.urgency,
        "major": inc.priority in ("P1", "P2"),
        "priority_id": pd.priority_ids(world)[inc.priority] if inc.priority else None,
        "priority_name": inc.priority,
        "priority_order": (6 - level) * 100000000 if level else None,
        "service_id": service.pd_id,
        "service_name": service.name,
        "team_id": team.pd_id,
        "team_name": team.name,
        "escalation_policy_id": team.escalation_policy_id,
        "escalation_policy_name": f"Plantão {team.name}",
        "incident_type_id": "PINCTYP",
        "incident_type_name": "incident_default",
        "acknowledged_user_ids": [world.users[k].pd_id for k in ackers],
        "acknowledged_user_names": [world.users[k].name for k in ackers],
        "acknowledgement_count": len(acks),
        "assigned_user_ids": [world.users[inc.responder].pd_id],
        "assigned_user_names": [world.users[inc.responder].name],
        "assignment_count": 1 + len(escalations),
        "auto_resolved": bool(resolved) and inc.resolved_by is None,
        "escalation_count": len(escalations),
        "timeout_escalation_count": len(escalations),
        "manual_escalation_count": 0,
        "reassignment_count": 1 if inc.reassigned_at and inc.reassigned_at <= now else 0,
        "seconds_to_first_ack": int((acks[0] - inc.created_at).total_seconds()) if acks else None,
        "seconds_to_resolve": int((resolved - inc.created_at).total_seconds())
        if resolved
        else None,
        "seconds_to_engage": None,
        "seconds_to_mobilize": None,
        "engaged_seconds": None,
        "engaged_user_count": len(ackers),
        "active_user_count": len(ackers),
        "joined_user_ids": [world.users[k].pd_id for k in ackers],
        "joined_user_names": [world.users[k].name for k in ackers],
        "snoozed_seconds": 0,
        "total_notifications": 1 + len(escalations),
        "business_hour_interruptions": 0,
        "off_hour_interruptions": 0,
        "sleep_hour_interruptions": 0,
        "resolved_by_user_id": world.users[inc.resolved_by].pd_id
        if resolved and inc.resolved_by
        else None,
        "resolved_by_user_name": world.users[inc.resolved_by].name
        if resolved and inc.resolved_by
        else None,
        "user_defined_effort_seconds": None,
    }
