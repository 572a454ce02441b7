"""Opsgenie endpoints: alert search with ``paging.next`` links, logs, incidents, timelines."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from opskpi.simulator import opsgenie as og
from opskpi.simulator.org import Incident
from opskpi.simulator.routing import HttpError, Request, Response, Router, int_arg
from opskpi.simulator.timeutil import epoch_ms

router = Router()
Predicate = Callable[[Incident, datetime], bool]
_CLAUSE = re.compile(r"^\s*([A-Za-z_.]+)\s*(>=|<=|!=|>|<|=|:)\s*(.+?)\s*$")


def envelope(body: dict[str, Any]) -> dict[str, Any]:
    return {
        **body,
        "took": round(0.003 + time.perf_counter() % 0.01, 3),
        "requestId": str(uuid.uuid4()),
    }


def error(status: int, message: str) -> HttpError:
    return HttpError(Response(status, envelope({"message": message})))


def unprocessable(message: str) -> HttpError:
    return error(422, message)


def authorised(request: Request, key: str) -> bool:
    return request.headers.get("Authorization", "").strip() == f"GenieKey {key}"


def unauthorised() -> Response:
    return Response(401, envelope({"message": "Could not authenticate"}))


def handle(request: Request) -> Response:
    started = time.perf_counter()
    try:
        response = router.dispatch(request)
    except HttpError as exc:
        response = exc.response
    if response is None:
        response = error(404, "Requested resource not found").response
    response.headers.setdefault("X-Request-ID", str(uuid.uuid4()))
    response.headers["X-Response-Time"] = f"{time.perf_counter() - started:.3f}"
    response.headers["X-RateLimit-State"] = "OK"
    return response


# --- search query ---------------------------------------------------------------------------
def parse_query(text: str, incidents: bool = False) -> list[Predicate]:
    """``createdAt>=1711929600000 AND status:open``: AND-ed clauses; epoch-ms times."""
    if not text.strip():
        return []
    if re.search(r"\s(OR|or)\s", text):
        raise unprocessable("OR queries are not supported by the simulator")
    predicates: list[Predicate] = []
    for clause in re.split(r"\s+(?:AND|and)\s+", text.strip()):
        match = _CLAUSE.match(clause)
        if match is None:
            raise unprocessable(f"Invalid query: {clause}")
        field, op, value = match.group(1), match.group(2), match.group(3).strip("\"'")
        predicates.append(_predicate(field, op, value, incidents))
    return predicates


def _compare(op: str, left: int, right: int) -> bool:
    return {
        ">": left > right,
        ">=": left >= right,
        "<": left < right,
        "<=": left <= right,
        "=": left == right,
        ":": left == right,
        "!=": left != right,
    }[op]


def _predicate(field: str, op: str, value: str, incidents: bool) -> Predicate:
    if field in ("createdAt", "updatedAt"):
        try:
            bound = int(value)
        except ValueError:
            raise unprocessable(f"{field} must be compared with epoch milliseconds") from None
        if field == "createdAt":
            return lambda inc, now: _compare(op, epoch_ms(inc.created_at), bound)
        if incidents:
            return lambda inc, now: _compare(op, epoch_ms(max(og.timeline_times(inc, now))), bound)
        return lambda inc, now: _compare(op, epoch_ms(inc.last_event_at(now)), bound)
    if op not in (":", "="):
        raise unprocessable(f"Operator {op} is not supported for {field}")
    if field == "status":
        if incidents:
            return lambda inc, now: og.incident_status(inc, now) == value
        return lambda inc, now: ("closed" if inc.resolved_at_view(now) else "open") == value
    if field in ("tag", "tags"):
        return lambda inc, now: value in og.tags(inc)
    if field == "priority":
        return lambda inc, now: (inc.priority or "P3") == value
    if field == "acknowledged":
        wanted = value.lower() == "true"
        return lambda inc, now: bool(inc.acks_at(now)) == wanted
    raise unprocessable(f"Unknown query field: {field}")


# --- paging ----------------------------------------------------------------------------------
def _offset_limit(request: Request) -> tuple[int, int]:
    offset = int_arg(request, "offset", 0, unprocessable)
    limit = int_arg(request, "limit", 20, unprocessable)
    if offset < 0 or not 1 <= limit <= 100:
        raise unprocessable("limit must be between 1 and 100 and offset non-negative")
    return offset, limit


def _link(request: Request, **changes: Any) -> str:
    params = {k: v[0] for k, v in request.query.items() if v}
    params.update({k: str(v) for k, v in changes.items()})
    return f"{request.url}?{urlencode(params)}"


def _offset_page(
    request: Request,
    items: Sequence[Any],
    render: Callable[[Any], Any],
    *,
    total_count: bool = False,
) -> Response:
    """One page of an offset/limit list: ``data`` + ``paging`` (``first``, ``last``, ``next``
    while items remain, ``prev`` after the first page) and the ``X-Paging-*`` headers; with
    ``total_count``, a ``totalCount`` member too (a shape some lists have and others not)."""
    offset, limit = _offset_limit(request)
    chunk = items[offset : offset + limit]
    last_offset = max(0, (len(items) - 1) // limit * limit)
    paging = {
        "first": _link(request, offset=0, limit=limit),
        "last": _link(request, offset=last_offset, limit=limit),
    }
    if offset + limit < len(items):
        paging["next"] = _link(request, offset=offset + limit, limit=limit)
    if offset > 0:
        paging["prev"] = _link(request, offset=max(0, offset - limit), limit=limit)
    headers = {f"X-Paging-{k.capitalize()}": v for k, v in paging.items()}
    body: dict[str, Any] = {"data": [render(i) for i in chunk], "paging": paging}
    if total_count:
        body["totalCount"] = len(items)
    return Response(200, envelope(body), headers)


def _sorted(
    items: list[Incident], sort: str, order: str, now: datetime, incidents: bool
) -> list[Incident]:
    keys: dict[str, Callable[[Incident], Any]] = {
        "createdAt": lambda i: (i.created_at, i.number),
        "updatedAt": lambda i: (i.last_event_at(now), i.number),
        "tinyId": lambda i: i.og_incident_number if incidents else i.number,
        "message": lambda i: (i.title, i.number),
        "status": lambda i: (
            og.incident_status(i, now) if incidents else bool(i.resolved_at_view(now)),
            i.number,
        ),
    }
    if sort not in keys:
        raise unprocessable(f"Unsupported sort field: {sort}")
    if order not in ("asc", "desc"):
        raise unprocessable("order must be asc or desc")
    return sorted(items, key=keys[sort], reverse=order == "desc")


def _search(request: Request, pool: Sequence[Incident], incidents: bool) -> list[Incident]:
    now = request.now
    query = request.arg("query", "") or ""
    sort, order = (
        request.arg("sort", "createdAt") or "createdAt",
        request.arg("order", "desc") or "desc",
    )
    key = ("og-search", incidents, now, query, sort, order)

    def build() -> list[Incident]:
        predicates = parse_query(query, incidents)
        chosen = [i for i in pool if i.created_at <= now and all(p(i, now) for p in predicates)]
        return _sorted(chosen, sort, order, now, incidents)

    return request.world.cached(key, build)


# --- alerts ------------------------------------------------------------------------------------
def _alert(request: Request) -> Incident:
    world, ident = request.world, request.params["id"]
    kind = request.arg("identifierType", "id")
    if kind == "tiny":
        inc = world.og_by_tiny.get(ident)
    elif kind == "alias":
        inc = next((i for i in world.og if og.alias(i) == ident), None)
    else:
        inc = world.og_by_id.get(ident)
    if inc is None or not inc.visible_at(request.now):
        raise error(404, "Alert does not exist")
    return inc


@router.add("GET", "/v2/alerts")
def list_alerts(request: Request) -> Response:
    items = _search(request, request.world.og, incidents=False)
    return _offset_page(request, items, lambda i: og.render_alert(request.world, i, request.now))


@router.add("GET", r"/v2/alerts/(?P<id>[^/]+)")
def get_alert(request: Request) -> Response:
    inc = _alert(request)
    return Response(
        200, envelope({"data": og.render_alert(request.world, inc, request.now, full=True)})
    )


@router.add("GET", r"/v2/alerts/(?P<id>[^/]+)/logs")
def alert_logs(request: Request) -> Response:
    """Opaque string offsets: ``next`` is present on every non-empty page."""
    inc = _alert(request)
    order = request.arg("order", "desc") or "desc"
    direction = request.arg("direction", "next") or "next"
    offset = request.arg("offset", "") or ""
    limit = int_arg(request, "limit", 20, unprocessable)
    if not 1 <= limit <= 100 or order not in ("asc", "desc") or direction not in ("next", "prev"):
        raise unprocessable("invalid limit, order or direction")
    events = [e for e in og.alert_log_events(request.world, inc) if e[0] <= request.now]
    if order == "desc":
        events.reverse()
    offsets = [og.log_offset(e) for e in events]
    if offset and offset not in offsets:
        raise unprocessable("invalid offset")
    position = offsets.index(offset) if offset else -1
    if direction == "next":
        chunk = events[position + 1 : position + 1 + limit]
    else:
        chunk = events[max(0, position - limit) : max(0, position)]
    paging = {"first": _link(request, offset="", direction="next", limit=limit, order=order)}
    if chunk:
        paging["next"] = _link(
            request, offset=og.log_offset(chunk[-1]), direction="next", limit=limit, order=order
        )
    return Response(200, envelope({"data": [og.render_log(e) for e in chunk], "paging": paging}))


# --- incidents -----------------------------------------------------------------------------------
def _og_incident(request: Request) -> Incident:
    world, ident = request.world, request.params["id"]
    if request.arg("identifierType", "id") == "tiny":
        inc = world.og_incident_by_tiny.get(ident)
    else:
        inc = world.og_incident_by_id.get(ident)
    if inc is None or not inc.visible_at(request.now):
        raise error(404, "Incident does not exist")
    return inc


@router.add("GET", "/v1/incidents/?")
def list_incidents(request: Request) -> Response:
    if request.arg("query") is None:
        raise unprocessable("query is required")
    items = _search(request, request.world.og_incidents, incidents=True)
    return _offset_page(request, items, lambda i: og.render_incident(request.world, i, request.now))


@router.add("GET", r"/v1/incidents/(?P<id>[^/]+)")
def get_incident(request: Request) -> Response:
    inc = _og_incident(request)
    return Response(200, envelope({"data": og.render_incident(request.world, inc, request.now)}))


@router.add("GET", r"/v2/incident-timelines/(?P<id>[^/]+)/entries")
def timeline_entries(request: Request) -> Response:
    """Newest first; ``data.nextOffset`` while entries remain."""
    inc = _og_incident(request)
    limit = int_arg(request, "limit", 20, unprocessable)
    offset = int_arg(request, "offset", 0, unprocessable)
    if not 1 <= limit <= 100 or offset < 0:
        raise unprocessable("invalid limit or offset")
    groups = {g for raw in request.args("group") for g in raw.split(",") if g}
    entries = [
        {k: v for k, v in e.items() if k != "_at"}
        for e in reversed(og.timeline(request.world, inc))
        if e["_at"] <= request.now and (not groups or e["group"] in groups)
    ]
    data: dict[str, Any] = {"entries": entries[offset : offset + limit]}
    if offset + limit < len(entries):
        data["nextOffset"] = str(offset + limit)
    return Response(200, envelope({"data": data}))


# --- directory --------------------------------------------------------------------------------
@router.add("GET", "/v2/teams")
def list_teams(request: Request) -> Response:
    teams = [og.render_team(request.world, t) for t in request.world.org.teams]
    return Response(200, envelope({"data": teams, "expandable": ["members"]}))


@router.add("GET", r"/v2/teams/(?P<id>[^/]+)")
def get_team(request: Request) -> Response:
    ident, by_name = request.params["id"], request.arg("identifierType") == "name"
    for team in request.world.org.teams:
        if (team.name if by_name else team.og_id) == ident:
            return Response(200, envelope({"data": og.render_team(request.world, team)}))
    raise error(404, "Team does not exist")


def services_total_count(seed: int) -> bool:
    """Whether ``GET /v1/services`` carries a ``totalCount``. The OAS leaves services out; the
    official Go SDK's list result is ``data`` + ``paging`` with no count, while a count has been
    seen on this list: both shapes exist, so organisations of odd seeds get one and the others
    (the demo's seed 42 among them) do not. Paging links come either way."""
    return seed % 2 == 1


@router.add("GET", "/v1/services")
def list_services(request: Request) -> Response:
    world = request.world
    return _offset_page(
        request,
        world.org.services,
        lambda s: og.render_service(world, s),
        total_count=services_total_count(world.org.seed),
    )


@router.add("GET", r"/v1/services/(?P<id>[^/]+)")
def get_service(request: Request) -> Response:
    for service in request.world.org.services:
        if service.og_id == request.params["id"]:
            return Response(200, envelope({"data": og.render_service(request.world, service)}))
    raise error(404, "Service does not exist")
