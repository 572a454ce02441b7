"""Opsgenie: alerts (with details and logs) or incidents (with timelines), teams and services.

Objects land verbatim; keys and object types are what ``sql/staging/stg_opsgenie__*`` reads.
Teams come in one list; services page by ``paging.next`` or a short page, a ``totalCount``
taken where one comes and never required (``OffsetListPaginator``: the official Go SDK's list
result has none).

Incremental, per stream (``alerts`` / ``incidents`` in ``sync_state``):

* list by ``createdAt >= watermark - lookback`` (epoch ms; ``initial_lookback`` on the first or
  a ``--full`` run), oldest first, following ``paging.next``;
* an object whose ``updatedAt`` equals the landed one costs nothing more; a new or changed one
  gets its detail (alerts: the list omits ``details``/``description``) and children (alert
  logs, incident timeline), children landed first so a run killed in between redoes them; an
  object with a child an earlier run rejected (still to fetch again, not quarantined) counts as
  changed, so the child lands once the source sends it whole (docs/operations.md);
* objects still open at the last run but older than the window are re-read one by one;
* those per-object requests run ``[sources.opsgenie] concurrency`` at a time
  (``etl.http.inflight``; ``max_requests_per_minute`` caps them, a 429 holds every worker:
  ``etl.http.throttle``); what they fetch is landed on the run's thread, in the list's order;
* the watermark (newest ``createdAt`` seen) and the open ids are saved at the end only, as
  the stream's :class:`StreamState`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urljoin

from opskpi.config import Settings
from opskpi.config.model import OpsgenieSettings
from opskpi.etl.context import SyncContext
from opskpi.etl.errors import ConfigurationError, DataError, HttpError
from opskpi.etl.http import (
    BasePaginator,
    CursorPaginator,
    HttpClient,
    NextLinkPaginator,
    PageRequest,
    Reply,
    RetryPolicy,
    SinglePagePaginator,
)
from opskpi.etl.http.factory import source_client
from opskpi.etl.http.inflight import in_flight
from opskpi.etl.warehouse.landing import Reject
from opskpi.etl.warehouse.sync_state import StreamState

log = logging.getLogger(__name__)

PAGE = 100  # Opsgenie's maximum limit
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)
REGIONS = "US https://api.opsgenie.com, EU https://api.eu.opsgenie.com"


@dataclass(frozen=True)
class Stream:
    """An incrementally synced collection and how to complete one of its objects."""

    state_key: str  # alerts | incidents
    object_type: str  # alert | incident
    list_path: str
    item_path: str  # GET one object, "{id}" replaced
    detail: bool  # land the GET-one body instead of the list item
    watch: Callable[[dict[str, Any], int], bool]  # re-read next run? (object, cutoff ms)
    child_type: str  # alert_log | timeline_entry


def _alert_open(alert: dict[str, Any], cutoff_ms: int) -> bool:
    return alert.get("status") != "closed"  # a closed alert never reopens


def _incident_open(incident: dict[str, Any], cutoff_ms: int) -> bool:
    """Open, or resolved lately: a resolved incident may still be closed or reopened."""
    status = incident.get("status")
    updated = epoch_ms(incident.get("updatedAt"))
    return status == "open" or (status == "resolved" and (updated or 0) >= cutoff_ms)


ALERTS = Stream("alerts", "alert", "/v2/alerts", "/v2/alerts/{id}", True, _alert_open, "alert_log")
INCIDENTS = Stream(
    "incidents",
    "incident",
    "/v1/incidents",
    "/v1/incidents/{id}",
    False,
    _incident_open,
    "timeline_entry",
)


def epoch_ms(value: Any) -> int | None:
    """``2024-04-01T10:00:00.123Z`` → epoch milliseconds; None if it is not a timestamp."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return int(parsed.timestamp() * 1000) if parsed.tzinfo else None


def watermark_ms(state: StreamState) -> int | None:
    """The saved watermark in epoch milliseconds (exactly: no float on the way)."""
    return None if state.watermark is None else (state.watermark - EPOCH) // MILLISECOND


def watermark_at(ms: int | None) -> datetime | None:
    return None if ms is None else EPOCH + ms * MILLISECOND


class OffsetListPaginator(BasePaginator):
    """An Opsgenie offset/limit list (``GET /v1/services``), whichever shape it comes in.

    The official Go SDK's list result is ``data`` + ``paging`` (``next``, ``first``, ``last``)
    with no count; a ``totalCount`` has been seen too. So: follow ``paging.next`` (else the
    ``X-Paging-Next`` header) while the body has ``paging``; a body without ``paging`` pages by
    offset. Either way a short or empty page is the last, and a ``totalCount``, where an integer
    one comes, ends paging once that many items arrived. Nothing is required but ``data``.
    """

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.offset = 0
        self._next: str | None = None
        self._seen: set[str] = set()

    def init_request(self, request: PageRequest) -> None:
        request.params["offset"] = 0
        request.params["limit"] = self.limit

    def update_state(self, reply: Reply, data: list[Any]) -> None:
        body = reply.body if isinstance(reply.body, dict) else {}
        self._seen.add(reply.url)
        self.offset += len(data)
        count = body.get("totalCount")
        total = count if isinstance(count, int) and not isinstance(count, bool) else None
        paging = body.get("paging")
        link = paging.get("next") if isinstance(paging, dict) else None
        link = link or reply.headers.get("X-Paging-Next")
        if link is not None and not isinstance(link, str):
            raise DataError(f"{reply.where()}: 'paging.next' is not a URL")
        self._next = urljoin(reply.url, link) if link else None
        more = bool(data) and len(data) >= self.limit  # a short page is the last
        if total is not None:
            more = more and self.offset < total
        if isinstance(paging, dict) or self._next:  # the server pages by links: no link, no more
            more = more and self._next is not None
        self._has_next_page = more
        if more and self._next in self._seen:
            raise DataError(f"{reply.where()}: the next link points back to a seen page")

    def update_request(self, request: PageRequest) -> None:
        if self._next:
            request.url = self._next
            request.params = {}  # the link carries the whole query
        else:
            request.params["offset"] = self.offset


class _Batch:
    """Records of a list page's new or changed objects, landed together (one statement per
    object type), children before their parents."""

    ORDER = ("alert_log", "timeline_entry", "alert", "incident")

    def __init__(self) -> None:
        self.records: dict[str, list[dict[str, Any]]] = {t: [] for t in self.ORDER}
        self.keys: dict[int, tuple[str, str | None]] = {}  # id(record) → (key, parent)

    def add(self, object_type: str, record: dict[str, Any], key: str, parent: str | None) -> None:
        self.records[object_type].append(record)
        self.keys[id(record)] = (key, parent)

    def flush(self, ctx: SyncContext) -> None:
        for object_type in self.ORDER:
            records = self.records[object_type]
            if records:
                ctx.land(
                    object_type,
                    records,
                    key=lambda r: self.keys[id(r)][0],
                    parent_id=lambda r: self.keys[id(r)][1],
                )
                records.clear()
        self.keys.clear()


@dataclass
class _Completed:
    """What the requests of one new or changed object brought (fetched on a worker thread,
    landed on the run's): its body, its children (type, record, key, parent), and the
    children that cannot be landed."""

    body: dict[str, Any]
    children: list[tuple[str, dict[str, Any], str, str]] = field(default_factory=list)
    rejects: list[tuple[str, Reject]] = field(default_factory=list)


class OpsgenieConnector:
    name = "opsgenie"

    def __init__(
        self,
        settings: Settings,
        *,
        retry: RetryPolicy | None = None,
        session: Any = None,
        page_size: int = PAGE,
    ) -> None:
        config = settings.model.sources.opsgenie
        if config is None:
            raise ConfigurationError(f"{settings.origin}: [sources.opsgenie] is not configured")
        self.settings = settings
        self.config: OpsgenieSettings = config
        self.retry = retry
        self.session = session
        self.page_size = max(1, min(PAGE, page_size))
        self.stats: dict[str, int] = {}  # requests per endpoint of the last sync

    def client(self, ctx: SyncContext) -> HttpClient:
        base = self.config.base_url.rstrip("/")
        return source_client(
            self.settings,
            "opsgenie",
            ctx,
            auth_scheme="GenieKey",
            retry=self.retry,
            session=self.session,
            status_hints={
                401: f"Opsgenie did not accept the API key at {base}: an account lives in one "
                f"region only ({REGIONS}); check sources.opsgenie.base_url and the key",
                402: 'the Incident API needs a Standard or Enterprise plan (mode = "alerts" '
                "works on every plan)",
                403: "the API key has no read access to this resource",
            },
        )

    def sync(self, ctx: SyncContext) -> None:
        with self.client(ctx) as client:
            try:
                run = _Run(ctx, client, self.config, self.page_size)
                run.directory()
                run.stream(ALERTS if self.config.mode == "alerts" else INCIDENTS)
            finally:
                self.stats = dict(client.stats)


class _Run:
    def __init__(
        self, ctx: SyncContext, client: HttpClient, config: OpsgenieSettings, page: int
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.config = config
        self.page = page
        self.batch = _Batch()
        self.cutoff_ms = 0
        self.workers = config.concurrency

    # -- teams and services: small, re-read every run (unchanged payloads write nothing) --------
    def directory(self) -> None:
        for page in self.client.paginate(
            "/v2/teams", paginator=SinglePagePaginator(), endpoint="GET /v2/teams"
        ):
            self.ctx.land("team", page.items, location=page.reply.safe_url)
        for page in self.client.paginate(
            "/v1/services",
            paginator=OffsetListPaginator(self.page),
            endpoint="GET /v1/services",
        ):
            self.ctx.land("service", page.items, location=page.reply.safe_url)

    # -- alerts / incidents ----------------------------------------------------------------------
    def stream(self, stream: Stream) -> None:
        state = self.ctx.get_state(stream.state_key) or StreamState()
        watermark = watermark_ms(state)
        open_ids: set[str] = set(state.open_ids)
        seen: set[str] = set()
        now = self.ctx.now() if self.ctx.now else self.ctx.started_at
        self.cutoff_ms = int(now.timestamp() * 1000 - self._seconds("lookback") * 1000)
        params = {
            "query": self._query(watermark, now),
            "limit": self.page,
            "sort": "createdAt",
            "order": "asc",  # new objects append at the end: offsets stay valid while paging
        }
        for page in self.client.paginate(
            stream.list_path,
            params=params,
            paginator=NextLinkPaginator(),
            endpoint=f"GET {stream.list_path}",
        ):
            items = self._valid(page.items, stream.object_type, page.reply.safe_url)
            changed = self._changed(stream, [(str(i["id"]), i) for i in items])
            todo = [(str(i["id"]), i) for i, new in zip(items, changed, strict=True) if new]
            fetch = partial(self._fetch, stream)
            with closing(in_flight(fetch, todo, workers=self.workers, name="og")) as completed:
                for item, new in zip(items, changed, strict=True):
                    object_id = str(item["id"])
                    seen.add(object_id)
                    created = epoch_ms(item.get("createdAt"))
                    if created is not None and (watermark is None or created > watermark):
                        watermark = created
                    current: dict[str, Any] | None = item
                    if new:
                        current = self._take(stream, object_id, next(completed))
                    if current is not None:
                        _track(open_ids, object_id, stream.watch(current, self.cutoff_ms))
            self.batch.flush(self.ctx)
        self._reread(stream, sorted(open_ids - seen), open_ids)
        self.batch.flush(self.ctx)
        saved = StreamState(watermark=watermark_at(watermark), open_ids=tuple(sorted(open_ids)))
        self.ctx.set_state(stream.state_key, saved)
        log.info(
            "opsgenie %s: %d listed, %d still open", stream.state_key, len(seen), len(open_ids)
        )

    def _query(self, watermark: int | None, now: datetime) -> str:
        if watermark is None or self.ctx.full:
            start_ms = int(now.timestamp() - self._seconds("initial_lookback")) * 1000
        else:
            start_ms = watermark - int(self._seconds("lookback") * 1000)
        query = f"createdAt>={start_ms}"
        return f"{query} AND {self.config.query}" if self.config.query else query

    def _seconds(self, name: str) -> float:
        return getattr(self.ctx.settings.model.sync, name).seconds or 0.0

    def _reread(self, stream: Stream, ids: list[str], open_ids: set[str]) -> None:
        """Objects open at the last run, now older than the window: have they changed? Each
        is asked again; a changed one gets its children too."""
        get = partial(self._get_one, stream)
        with closing(in_flight(get, ids, workers=self.workers, name="og")) as asked:
            bodies = list(asked)
        found = [(i, body) for i, body in zip(ids, bodies, strict=True) if body is not None]
        changed = [
            pair for pair, new in zip(found, self._changed(stream, found), strict=True) if new
        ]
        fetch = partial(self._fetch, stream, fetched=True)
        with closing(in_flight(fetch, changed, workers=self.workers, name="og")) as done:
            for (object_id, _body), completed in zip(changed, done, strict=True):
                self._take(stream, object_id, completed)
        for object_id, body in zip(ids, bodies, strict=True):
            if body is None:
                open_ids.discard(object_id)  # deleted upstream
            else:
                _track(open_ids, object_id, stream.watch(body, self.cutoff_ms))

    def _fetch(
        self, stream: Stream, listed: tuple[str, dict[str, Any]], *, fetched: bool = False
    ) -> _Completed | None:
        """The detail and children of a new or changed object, ``(id, listed item or body)``
        (on a worker thread: HTTP only); None when it no longer exists."""
        object_id, body = listed
        if stream.detail and not fetched:
            detail = self._get_one(stream, object_id)
            if detail is None:
                return None
            body = detail
        done = _Completed(body)
        if stream.state_key == "alerts":
            self._alert_logs(object_id, done)
        else:
            self._timeline(object_id, done)
        return done

    def _take(
        self, stream: Stream, object_id: str, done: _Completed | None
    ) -> dict[str, Any] | None:
        """Land (in the batch) what :meth:`_fetch` brought, children first."""
        if done is None:
            return None
        for object_type, reject in done.rejects:
            self.ctx.reject(object_type, [reject])
        for object_type, record, key, parent in done.children:
            self.batch.add(object_type, record, key, parent)
        self.batch.add(stream.object_type, done.body, object_id, None)
        return done.body

    def _get_one(self, stream: Stream, object_id: str) -> dict[str, Any] | None:
        path = stream.item_path.format(id=object_id)
        try:
            reply = self.client.get(
                path, {"identifierType": "id"}, endpoint=f"GET {stream.item_path}"
            )
        except HttpError as exc:
            if exc.status == 404:
                log.warning("opsgenie %s %s no longer exists", stream.object_type, object_id)
                return None
            raise
        data = reply.body.get("data") if isinstance(reply.body, dict) else None
        if not isinstance(data, dict):
            raise DataError(f"{reply.where()}: expected a JSON object with an object 'data'")
        return data

    def _alert_logs(self, alert_id: str, done: _Completed) -> None:
        for page in self.client.paginate(
            f"/v2/alerts/{alert_id}/logs",
            params={
                "identifierType": "id",
                "direction": "next",
                "order": "asc",
                "limit": self.page,
            },
            paginator=NextLinkPaginator(page_size=self.page),
            endpoint="GET /v2/alerts/{id}/logs",
        ):
            # log lines have no id: the opaque paging offset names them
            lines, rejects = _split_valid(
                page.items, "alert_log", page.reply.safe_url, "offset", parent=alert_id
            )
            done.rejects.extend(("alert_log", r) for r in rejects)
            for line in lines:
                done.children.append(("alert_log", line, f"{alert_id}/{line['offset']}", alert_id))

    def _timeline(self, incident_id: str, done: _Completed) -> None:
        for page in self.client.paginate(
            f"/v2/incident-timelines/{incident_id}/entries",
            params={"limit": self.page},
            paginator=CursorPaginator(("data", "nextOffset"), "offset"),
            data_selector="data.entries",
            endpoint="GET /v2/incident-timelines/{id}/entries",
        ):
            entries, rejects = _split_valid(
                page.items, "timeline_entry", page.reply.safe_url, parent=incident_id
            )
            done.rejects.extend(("timeline_entry", r) for r in rejects)
            for entry in entries:
                key = f"{incident_id}/{entry['id']}"
                done.children.append(("timeline_entry", entry, key, incident_id))

    # -- helpers -------------------------------------------------------------------------------
    def _valid(
        self, items: list[Any], object_type: str, location: str, id_field: str = "id"
    ) -> list[dict[str, Any]]:
        """The records that can be landed; the others go to ``raw_rejects`` with the reason."""
        good, bad = _split_valid(items, object_type, location, id_field)
        if bad:
            self.ctx.reject(object_type, bad)
        return good

    def _changed(self, stream: Stream, objects: list[tuple[str, dict[str, Any]]]) -> list[bool]:
        """Whether each ``(id, listed item or body)`` is to be completed (detail, children):
        new or changed (its ``updatedAt`` is not the landed one), or with a child an earlier
        run rejected and still to fetch again: unchanged, it would not be asked for its
        children, and the reject, not met again, would pass for resolved."""
        if self.ctx.full:
            return [True] * len(objects)
        ids = [object_id for object_id, _ in objects]
        landed = self.ctx.landed_field(stream.object_type, ids, "updatedAt")
        retry = self.ctx.parents_with_pending_rejects(stream.child_type, ids)
        return [
            object_id in retry or landed.get(object_id) != body.get("updatedAt")
            for object_id, body in objects
        ]


def _split_valid(
    items: list[Any],
    object_type: str,
    location: str,
    id_field: str = "id",
    *,
    parent: str | None = None,
) -> tuple[list[dict[str, Any]], list[Reject]]:
    """The records that can be landed, and the others with the reason (and ``parent``, the
    object the records are children of)."""
    good, bad = [], []
    for item in items:
        if not isinstance(item, dict):
            reason = f"not a JSON object: {type(item).__name__}"
        elif item.get(id_field) in (None, ""):
            reason = f"{object_type} without an {id_field}"
        else:
            good.append(item)
            continue
        body = json.dumps(item, ensure_ascii=False, default=str)
        bad.append(Reject(body, reason, location, parent))
    return good, bad


def _track(open_ids: set[str], object_id: str, is_open: bool) -> None:
    if is_open:
        open_ids.add(object_id)
    else:
        open_ids.discard(object_id)
