"""PagerDuty REST API v2 endpoints: classic offset paging with its 10,000 cap, analytics cursors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from opskpi.simulator import pagerduty as pd
from opskpi.simulator import pagerduty_analytics
from opskpi.simulator import pagerduty_directory as directory
from opskpi.simulator.ids import pd_log_entry_id
from opskpi.simulator.org import Incident
from opskpi.simulator.pagerduty import error, invalid
from opskpi.simulator.routing import HttpError, Request, Response, Router, int_arg
from opskpi.simulator.timeutil import add_months, parse_instant, zone
from opskpi.simulator.world import LONG_DAYS

router = Router()
OFFSET_CAP = 10_000
RATE_HEADERS = {"ratelimit-limit": "960", "ratelimit-remaining": "959", "ratelimit-reset": "60"}
OVERVIEW_KINDS = frozenset({"trigger", "acknowledge", "escalate", "assign", "resolve"})


def authorised(request: Request, token: str) -> bool:
    return request.headers.get("Authorization", "").strip() == f"Token token={token}"


def unauthorised() -> Response:
    return Response(401, {"error": {"message": "Unauthorized", "code": 2006}})


def handle(request: Request) -> Response:
    try:
        response = router.dispatch(request)
    except HttpError as exc:
        response = exc.response
    if response is None:
        response = Response(404, {"error": {"message": "Not Found", "code": 2100}})
    response.headers = {**RATE_HEADERS, **response.headers}
    return response


# --- helpers ----------------------------------------------------------------------------
def _tz(request: Request, default: tzinfo) -> tzinfo:
    name = request.arg("time_zone")
    if not name:
        return default
    try:
        return zone(name)
    except KeyError:
        raise invalid(f"Invalid time zone: {name}") from None


def _instant(request: Request, name: str, tz: tzinfo) -> datetime | None:
    raw = request.arg(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_instant(raw, tz)
    except ValueError:
        raise invalid(f"{name} is not a valid date: {raw}") from None


def _paging(request: Request, default_limit: int = 25) -> tuple[int, int]:
    limit = int_arg(request, "limit", default_limit, invalid)
    offset = int_arg(request, "offset", 0, invalid)
    if limit < 1 or offset < 0:
        raise invalid("limit must be positive and offset non-negative")
    limit = min(limit, 100)
    if offset + limit > OFFSET_CAP:
        raise error(
            400,
            "Arguments Caused Error",
            2002,
            [
                "Offset+limit exceeds maximum allowed value of 10000. Please try to refine your "
                "search to reduce the returned set of records below this number, like adding a "
                "date range."
            ],
        )
    return offset, limit


def _page(request: Request, key: str, items: Sequence[Any], render: Any) -> Response:
    offset, limit = _paging(request)
    chunk = items[offset : offset + limit]
    body = {
        key: [render(item) for item in chunk],
        "limit": limit,
        "offset": offset,
        "more": offset + limit < len(items),
        "total": len(items) if request.arg("total") == "true" else None,
    }
    return Response(200, body)


def _incident(request: Request) -> Incident:
    inc = request.world.pd_by_id.get(request.params["id"])
    if inc is None or not inc.visible_at(request.now):
        raise error(404, "Not Found", 2100)
    return inc


def _window(request: Request, query_tz: tzinfo) -> tuple[datetime | None, datetime | None]:
    """``since``/``until`` as PagerDuty reads them (6-month cap, 1-month default)."""
    if request.arg("date_range") == "all":
        return None, None
    since = _instant(request, "since", query_tz)
    until = _instant(request, "until", query_tz)
    if since is None and until is None:
        until = request.now
        since = add_months(until, -1)
    elif since is None:
        assert until is not None
        since = add_months(until, -1)
    elif until is None:
        until = max(request.now, since)
    if until < since:
        raise invalid("until must be after since")
    if until > add_months(since, 6):
        raise invalid("The maximum range for since and until is 6 months.")
    return since, until


# --- incidents ----------------------------------------------------------------------------
SORT_KEYS = {
    "created_at": lambda i: i.created_at,
    "incident_number": lambda i: i.number,
    "urgency": lambda i: i.urgency,
}


def _incident_list(request: Request) -> list[Incident]:
    world, now = request.world, request.now
    query_tz = _tz(request, world.account_tz)
    since, until = _window(request, query_tz)
    statuses = frozenset(request.args("statuses"))
    services = frozenset(request.args("service_ids"))
    teams = frozenset(request.args("team_ids"))
    urgencies = frozenset(request.args("urgencies"))
    incident_key = request.arg("incident_key")
    sort = [s for raw in request.args("sort_by") for s in raw.split(",") if s]
    key = (
        "pd-incidents",
        now,
        since,
        until,
        statuses,
        services,
        teams,
        urgencies,
        incident_key,
        tuple(sort),
    )

    def build() -> list[Incident]:
        team_keys = {t.key for t in world.org.teams if t.pd_id in teams}
        chosen = []
        for position in world.pd_window(since, until, now):
            inc = world.pd[position]
            if statuses and inc.status_at(now) not in statuses:
                continue
            if services and world.services[inc.service].pd_id not in services:
                continue
            if teams and inc.team not in team_keys:
                continue
            if urgencies and inc.urgency not in urgencies:
                continue
            if incident_key and pd.incident_key(inc) != incident_key:
                continue
            chosen.append(inc)
        for spec in reversed(sort):
            field, _, direction = spec.partition(":")
            reverse = direction == "desc"
            if field == "resolved_at":
                far = datetime.max.replace(tzinfo=UTC)
                chosen.sort(key=lambda i: i.resolved_at_view(now) or far, reverse=reverse)
            elif field in SORT_KEYS:
                chosen.sort(key=SORT_KEYS[field], reverse=reverse)
            else:
                raise invalid(f"Invalid sort_by field: {field}")
        return chosen

    return world.cached(key, build)


@router.add("GET", "/incidents")
def list_incidents(request: Request) -> Response:
    tz = _tz(request, UTC)
    items = _incident_list(request)
    return _page(
        request, "incidents", items, lambda i: pd.render_incident(request.world, i, request.now, tz)
    )


@router.add("GET", r"/incidents/(?P<id>[A-Z0-9]+)")
def get_incident(request: Request) -> Response:
    inc = _incident(request)
    tz = _tz(request, UTC)
    return Response(200, {"incident": pd.render_incident(request.world, inc, request.now, tz)})


def _channels(request: Request) -> bool:
    """``include[]=channels``: full channel objects instead of ``{"type": ...}`` only."""
    return "channels" in request.args("include")


def _entries_page(request: Request, items: Sequence[tuple[pd.Event, Incident]]) -> Response:
    tz = _tz(request, request.world.account_tz)
    world, channels = request.world, _channels(request)
    return _page(
        request,
        "log_entries",
        items,
        lambda e: pd.render_log_entry(world, e[1], e[0], tz, channels),
    )


@router.add("GET", r"/incidents/(?P<id>[A-Z0-9]+)/log_entries")
def incident_log_entries(request: Request) -> Response:
    inc = _incident(request)
    tz = _tz(request, request.world.account_tz)
    since, until = _instant(request, "since", tz), _instant(request, "until", tz)
    overview = request.arg("is_overview") == "true"
    chosen = [
        (e, inc)
        for e in reversed(pd.visible_events(inc, request.now))
        if (since is None or e[0] >= since)
        and (until is None or e[0] < until)
        and (not overview or e[2] in OVERVIEW_KINDS)
    ]
    return _entries_page(request, chosen)


@router.add("GET", "/log_entries")
def list_log_entries(request: Request) -> Response:
    world, now = request.world, request.now
    tz = _tz(request, world.account_tz)
    until = _instant(request, "until", tz) or now
    since = _instant(request, "since", tz) or add_months(until, -1)
    if until < since:
        raise invalid("until must be after since")
    overview = request.arg("is_overview") == "true"
    teams = frozenset(request.args("team_ids"))

    def build() -> list[tuple[pd.Event, Incident]]:
        team_keys = {t.key for t in world.org.teams if t.pd_id in teams}
        horizon = since - timedelta(days=LONG_DAYS)
        candidates = [world.pd[p] for p in world.pd_window(horizon, until, now)]
        candidates += [i for i in world.pd_long if i.created_at < horizon]
        chosen = []
        for inc in candidates:
            if teams and inc.team not in team_keys:
                continue
            for e in pd.visible_events(inc, now):
                if since <= e[0] < until and (not overview or e[2] in OVERVIEW_KINDS):
                    chosen.append((e, inc))
        chosen.sort(key=lambda item: (item[0][0], item[1].number, item[0][1]), reverse=True)
        return chosen

    items = world.cached(("pd-log", now, since, until, overview, teams), build)
    return _entries_page(request, items)


@router.add("GET", r"/log_entries/(?P<id>R[A-Z0-9]+)")
def get_log_entry(request: Request) -> Response:
    entry_id = request.params["id"]
    inc = request.world.pd_by_id.get("Q" + entry_id[1:14])
    if inc is not None:
        for e in pd.visible_events(inc, request.now):
            if pd_log_entry_id(inc.source_id, e[1]) == entry_id:
                tz = _tz(request, request.world.account_tz)
                entry = pd.render_log_entry(request.world, inc, e, tz, _channels(request))
                return Response(200, {"log_entry": entry})
    raise error(404, "Not Found", 2100)


@router.add("GET", r"/incidents/(?P<id>[A-Z0-9]+)/alerts")
def incident_alerts(request: Request) -> Response:
    inc = _incident(request)
    tz = _tz(request, UTC)
    alerts = pd.render_alerts(request.world, inc, request.now, tz)
    return _page(request, "alerts", alerts, lambda alert: alert)


@router.add("GET", r"/incidents/(?P<id>[A-Z0-9]+)/alerts/(?P<alert_id>[A-Z0-9]+)")
def incident_alert(request: Request) -> Response:
    inc = _incident(request)
    for alert in pd.render_alerts(request.world, inc, request.now):
        if alert["id"] == request.params["alert_id"]:
            return Response(200, {"alert": alert})
    raise error(404, "Not Found", 2100)


@router.add("GET", "/incidents/custom_fields")
def custom_field_definitions(request: Request) -> Response:
    """Deprecated upstream (base incident type only), still answered."""
    options = "field_options" in request.args("include")
    return Response(200, directory.render_field_definitions(request.world, None, options))


@router.add("GET", r"/incidents/types/(?P<type>[^/]+)/custom_fields")
def incident_type_fields(request: Request) -> Response:
    if request.params["type"] not in ("incident_default", "PINCTYP"):
        raise error(404, "Not Found", 2100)
    options = "field_options" in request.args("include")
    return Response(
        200, directory.render_field_definitions(request.world, request.params["type"], options)
    )


@router.add("GET", r"/incidents/(?P<id>[A-Z0-9]+)/custom_fields/values")
def custom_field_values(request: Request) -> Response:
    return Response(200, pd.render_custom_fields(request.world, _incident(request)))


# --- directory --------------------------------------------------------------------------
@router.add("GET", "/services")
def list_services(request: Request) -> Response:
    world = request.world
    query = (request.arg("query") or "").lower()
    teams = frozenset(request.args("team_ids"))
    items = [
        s
        for s in world.org.services
        if query in s.name.lower() and (not teams or world.teams[s.team].pd_id in teams)
    ]
    return _page(request, "services", items, lambda s: directory.render_service(world, s))


@router.add("GET", r"/services/(?P<id>P[A-Z0-9]+)")
def get_service(request: Request) -> Response:
    service = request.world.service_by_pd_id.get(request.params["id"])
    if service is None:
        raise error(404, "Not Found", 2100)
    return Response(200, {"service": directory.render_service(request.world, service)})


@router.add("GET", "/teams")
def list_teams(request: Request) -> Response:
    query = (request.arg("query") or "").lower()
    items = [t for t in request.world.org.teams if query in t.name.lower()]
    return _page(request, "teams", items, lambda t: directory.render_team(request.world, t))


@router.add("GET", "/priorities")
def list_priorities(request: Request) -> Response:
    names = list(pd.PRIORITY_DESCRIPTIONS)
    return _page(request, "priorities", names, lambda n: pd.render_priority(request.world, n))


# --- analytics ----------------------------------------------------------------------------


router.add("POST", "/analytics/raw/incidents")(pagerduty_analytics.analytics_incidents)


@router.add("GET", r"/analytics/raw/incidents/(?P<id>[A-Z0-9]+)")
def analytics_incident(request: Request) -> Response:
    inc = _incident(request)
    data = pagerduty_analytics.render_analytics(request.world, inc, request.now, UTC)
    return Response(200, {"time_zone": "Etc/UTC", "data": data})
