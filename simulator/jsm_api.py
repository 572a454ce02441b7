"""JSM Operations endpoints as Atlassian's published spec describes them: alerts (offset + size
under 20,000, ``{values, count, links.next}`` with a link relative to the API root), alert logs
and notes (cursor ``after``), teams (``platformTeams``), stakeholder-comms incidents (cursor
connection), Basic auth, and the site's ``/_edge/tenant_info``.

Paths, under the simulator's ``/jsm`` prefix (the real host is ``api.atlassian.com``):
``/jsm/ops/api/{cloudId}/v1/...`` and ``/jsm/ops/stakeholder-comms/cloudId/{cloudId}/api/...``;
the site is served under ``/site`` (``/site/_edge/tenant_info``).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from opskpi.simulator import jsm
from opskpi.simulator import opsgenie as og
from opskpi.simulator.org import Incident
from opskpi.simulator.routing import HttpError, Request, Response, Router, int_arg
from opskpi.simulator.timeutil import epoch_ms, iso_millis

router = Router()
OFFSET_CAP = 20_000  # "Sum of offset and size should be lower than 20K"
MAX_SIZE = 100
API = r"/ops/api/(?P<cloud>[^/]+)/v1"
COMMS = r"/ops/stakeholder-comms/cloudId/(?P<cloud>[^/]+)/api"
SORTS = ("createdAt", "insertedAt", "lastOccurredAt", "priority")
Predicate = Callable[[Incident, datetime], bool]
_CLAUSE = re.compile(r"^\s*([A-Za-z_.]+)\s*(>=|<=|!=|>|<|=|:)\s*(.+?)\s*$")


def errors(status: int, title: str, code: str = "BAD_REQUEST") -> HttpError:
    return HttpError(Response(status, {"errors": [{"title": title, "code": code}]}))


def invalid(title: str) -> HttpError:
    return errors(422, title, "VALIDATION_ERROR")


def basic_credential(email: str, token: str) -> str:
    return base64.b64encode(f"{email}:{token}".encode()).decode()


def authorised(request: Request, email: str, token: str) -> bool:
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    return decoded == f"{email}:{token}"


def unauthorised() -> Response:
    return Response(401, {"code": 401, "message": "Unauthorized; scope does not match"})


def handle(request: Request, *, comms_scope: bool = True) -> Response:
    if not comms_scope and "/stakeholder-comms/" in request.path:
        return errors(403, "The token has no stakeholder-comms scope", "FORBIDDEN").response
    try:
        response = router.dispatch(request)
    except HttpError as exc:
        response = exc.response
    if response is None:
        response = errors(404, "Not found", "NOT_FOUND").response
    return response


def tenant_info(request: Request) -> Response:
    """``GET <site>/_edge/tenant_info``: public, no credentials."""
    if request.path.rstrip("/") != "/_edge/tenant_info":
        return Response(404, {"message": "Not found"})
    return Response(200, {"cloudId": jsm.cloud_id(request.world.org)})


def _cloud(request: Request) -> None:
    if request.params.get("cloud") != jsm.cloud_id(request.world.org):
        raise errors(404, "Site not found", "NOT_FOUND")


# --- alert search -------------------------------------------------------------------------------
def parse_query(text: str) -> list[Predicate]:
    """``createdAt>=1711929600000 AND status:open``: AND-ed clauses; times in epoch ms."""
    if not text.strip():
        return []
    if re.search(r"\s(OR|or)\s", text):
        raise invalid("OR queries are not supported by the simulator")
    predicates: list[Predicate] = []
    for clause in re.split(r"\s+(?:AND|and)\s+", text.strip()):
        match = _CLAUSE.match(clause)
        if match is None:
            raise invalid(f"Invalid query: {clause}")
        field, op, value = match.group(1), match.group(2), match.group(3).strip("\"'")
        predicates.append(_predicate(field, op, value))
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


def _predicate(field: str, op: str, value: str) -> Predicate:
    if field in ("createdAt", "updatedAt"):
        try:
            bound = int(value)
        except ValueError:
            raise invalid(f"{field} must be compared with epoch milliseconds") from None
        if field == "createdAt":
            return lambda inc, now: _compare(op, epoch_ms(inc.created_at), bound)
        return lambda inc, now: _compare(op, epoch_ms(inc.last_event_at(now)), bound)
    if op not in (":", "="):
        raise invalid(f"Operator {op} is not supported for {field}")
    if field == "status":
        return lambda inc, now: jsm.status(inc, now) == value
    if field in ("tag", "tags"):
        return lambda inc, now: value in og.tags(inc)
    if field == "priority":
        return lambda inc, now: (inc.priority or "P3") == value
    if field == "tinyId":
        return lambda inc, now: str(inc.number) == value
    raise invalid(f"Unknown query field: {field}")


def _window(request: Request) -> tuple[int | None, int | None]:
    """``from``/``to`` (int32 in the spec: epoch seconds here, the only unit that fits)."""
    bounds: list[int | None] = []
    for name in ("from", "to"):
        raw = request.arg(name)
        if raw in (None, ""):
            bounds.append(None)
            continue
        try:
            value = int(str(raw))
        except ValueError:
            raise invalid(f"{name} must be an integer") from None
        if not -(2**31) <= value < 2**31:
            raise invalid(f"{name} is not an int32")
        bounds.append(value)
    return bounds[0], bounds[1]


def _search(request: Request) -> list[Incident]:
    world, now = request.world, request.now
    query = request.arg("query", "") or ""
    sort = request.arg("sort", "insertedAt") or "insertedAt"
    order = request.arg("order", "desc") or "desc"
    if sort not in SORTS:
        raise invalid(f"sort must be one of {', '.join(SORTS)}")
    if order not in ("asc", "desc"):
        raise invalid("order must be asc or desc")
    start, stop = _window(request)
    key = ("jsm-search", now, query, sort, order, start, stop)

    def build() -> list[Incident]:
        predicates = parse_query(query)
        chosen = [
            i
            for i in world.jsm
            if jsm.inserted_at(world.org, i) <= now
            and (start is None or i.created_at.timestamp() >= start)
            and (stop is None or i.created_at.timestamp() < stop)
            and all(p(i, now) for p in predicates)
        ]
        keys: dict[str, Callable[[Incident], Any]] = {
            "createdAt": lambda i: (i.created_at, i.number),
            "insertedAt": lambda i: (jsm.inserted_at(world.org, i), i.created_at, i.number),
            "lastOccurredAt": lambda i: (i.created_at, i.alert_count, i.number),
            "priority": lambda i: (i.priority or "P3", i.created_at, i.number),
        }
        return sorted(chosen, key=keys[sort], reverse=order == "desc")

    return world.cached(key, build)


def _relative(path: str, request: Request, **changes: Any) -> str:
    """A next link relative to the API root (``/v1/alerts?offset=10&size=5``), as the spec's
    examples give it."""
    params = {k: v[0] for k, v in request.query.items() if v}
    params.update({k: str(v) for k, v in changes.items()})
    return f"{path}?{urlencode(params)}"


@router.add("GET", API + "/alerts")
def list_alerts(request: Request) -> Response:
    _cloud(request)
    offset = int_arg(request, "offset", 0, invalid)
    size = int_arg(request, "size", 20, invalid)
    if offset < 0 or not 1 <= size <= MAX_SIZE:
        raise invalid(f"size must be between 1 and {MAX_SIZE} and offset non-negative")
    if offset + size >= OFFSET_CAP:
        raise errors(
            400,
            "More than 20000 alerts cannot be retrieved. Sum of offset and size should be "
            "lower than 20K.",
        )
    items = _search(request)
    chunk = items[offset : offset + size]
    body: dict[str, Any] = {
        "values": [jsm.render_alert(request.world, i, request.now, listed=True) for i in chunk],
        "count": len(items),
    }
    links: dict[str, Any] = {}
    if offset + size < len(items):
        links["next"] = _relative("/v1/alerts", request, offset=offset + size, size=size)
    body["links"] = links
    return Response(200, body)


def _alert(request: Request) -> Incident:
    _cloud(request)
    inc = request.world.jsm_by_id.get(request.params["id"])
    if inc is None or jsm.inserted_at(request.world.org, inc) > request.now:
        raise errors(404, "Alert does not exist", "NOT_FOUND")
    return inc


@router.add("GET", API + "/alerts/alias")
def alert_by_alias(request: Request) -> Response:
    _cloud(request)
    wanted = request.arg("alias")
    if not wanted:
        raise invalid("alias is required")
    now = request.now
    matches = [
        i
        for i in request.world.jsm
        if jsm.inserted_at(request.world.org, i) <= now and og.alias(i) == wanted
    ]
    if not matches:
        raise errors(404, "Alert does not exist", "NOT_FOUND")
    inc = matches[-1]  # the latest alert of an alias reused over time
    return Response(200, jsm.render_alert(request.world, inc, request.now, listed=False))


@router.add("GET", API + "/alerts/(?P<id>[^/]+)")
def get_alert(request: Request) -> Response:
    inc = _alert(request)
    return Response(200, jsm.render_alert(request.world, inc, request.now, listed=False))


def _cursor_page(
    request: Request, path: str, cursors: Sequence[str], render: Callable[[int], Any]
) -> Response:
    """Items after the ``after`` cursor, ``size`` of them; ``links.next`` while more remain."""
    size = int_arg(request, "size", 20, invalid)
    if not 1 <= size <= MAX_SIZE:
        raise invalid(f"size must be between 1 and {MAX_SIZE}")
    after = request.arg("after", "") or ""
    if after and after not in cursors:
        raise invalid("invalid after")
    start = cursors.index(after) + 1 if after else 0
    chosen = range(start, min(start + size, len(cursors)))
    links: dict[str, Any] = {}
    if chosen and chosen.stop < len(cursors):
        links["next"] = f"{path}?{urlencode({'after': cursors[chosen.stop - 1], 'size': size})}"
    return Response(200, {"values": [render(i) for i in chosen], "links": links})


@router.add("GET", API + "/alerts/(?P<id>[^/]+)/logs")
def alert_logs(request: Request) -> Response:
    inc = _alert(request)
    events = jsm.log_events(request.world, inc, request.now)
    return _cursor_page(
        request,
        f"/v1/alerts/{inc.source_id}/logs",
        [jsm.log_cursor(e) for e in events],
        lambda i: jsm.render_log(inc, events[i]),
    )


@router.add("GET", API + "/alerts/(?P<id>[^/]+)/notes")
def alert_notes(request: Request) -> Response:
    inc = _alert(request)
    notes = []
    if inc.resolved_at_view(request.now) is not None and inc.acks:
        at = inc.resolved_at_view(request.now)
        assert at is not None
        notes.append(
            {
                "id": str(epoch_ms(at) * 1000 + 50),
                "createdAt": iso_millis(at),
                "updatedAt": iso_millis(at),
                "note": "Resolvido; ver o postmortem se houver.",
                "owner": request.world.users[inc.ack_by[0]].email,
            }
        )
    return _cursor_page(
        request,
        f"/v1/alerts/{inc.source_id}/notes",
        [n["id"] for n in notes],
        lambda i: notes[i],
    )


@router.add("GET", API + "/teams")
def list_teams(request: Request) -> Response:
    _cloud(request)
    return Response(200, {"platformTeams": [jsm.render_team(t) for t in request.world.org.teams]})


# --- stakeholder communications -----------------------------------------------------------------
@router.add("GET", COMMS + "/incidents/list")
def list_comms_incidents(request: Request) -> Response:
    """Newest first; ``cursor`` is the previous page's ``pageInfo.endCursor``."""
    _cloud(request)
    limit = int_arg(request, "limit", 20, invalid)
    if not 1 <= limit <= MAX_SIZE:
        raise errors(400, f"limit must be between 1 and {MAX_SIZE}")
    now = request.now
    items = [i for i in reversed(request.world.jsm_comms) if jsm.comms_started(i) <= now]
    cursors = [jsm.comms_id(i) for i in items]
    after = request.arg("cursor", "") or ""
    if after and after not in cursors:
        raise errors(400, "invalid cursor")
    start = cursors.index(after) + 1 if after else 0
    chunk = items[start : start + limit]
    page_info: dict[str, Any] = {"hasNextPage": start + limit < len(items)}
    if chunk:
        page_info["endCursor"] = jsm.comms_id(chunk[-1])
    return Response(
        200,
        {
            "nodes": [jsm.render_comms(request.world, i, now) for i in chunk],
            "pageInfo": page_info,
            "totalCount": len(items),
        },
    )
