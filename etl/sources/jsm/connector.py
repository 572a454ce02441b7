"""JSM Operations, landed verbatim: teams, alerts with their logs, stakeholder-comms incidents.

Objects land as the API gives them; ``sql/staging/stg_jsm__*`` reads them in both spellings that
public sources give (the spec's top-level ISO ``ackTime``/``closeTime``, ``extraProperties``,
``lastOccuredAt``, log ``logTime``/``logType``; Opsgenie's ``report.*`` milliseconds,
``details``, ``lastOccurredAt``, log ``createdAt``/``type``). One run, in this order:

1. the cloud id: ``[sources.jsm] cloud_id``, else ``GET <site>/_edge/tenant_info`` (public, no
   credential sent);
2. ``team``: ``GET /v1/teams`` (``platformTeams``, one request);
3. ``alert``: ``GET /v1/alerts`` over ``[since, now)`` in ``createdAt`` windows under the
   20,000 offset cap (``windows.py``), oldest first. An alert whose ``updatedAt`` equals the
   landed one costs nothing more, unless an earlier run rejected one of its log lines (still to
   fetch again, not quarantined: docs/operations.md). A new or changed one gets, before it
   lands:

   * ``GET /v1/alerts/{id}`` only when the list item lacks what a KPI reads (``needs_detail``:
     ``description`` or ``entity``, or both ``extraProperties`` and ``details``, for the
     service and runbook rules);
   * ``alert_log``: ``GET /v1/alerts/{id}/logs`` by cursor (``after``, following
     ``links.next``), for escalations, acknowledgements and notifications;

   then the alerts still open at the last run that the windows did not list are re-read one by
   one (``GET /v1/alerts/{id}``; a 404 is gone for good). These per-alert requests run
   ``[sources.jsm] concurrency`` at a time (``etl.http.inflight``; ``max_requests_per_minute``
   caps them, a 429 holds every worker: ``etl.http.throttle``); what they fetch is landed on
   the run's thread, in the list's order;
4. ``comms_incident``: stakeholder-comms incidents with their updates, verbatim, when the
   token's scope allows (``[sources.jsm] comms``; a 401/403/404 there is a warning, not a
   failure).

``since`` is the last run's watermark minus ``[sync] lookback``, or now minus
``initial_lookback`` on a first or ``--full`` run. The watermark (this run's ``now``), the open
alerts and the gone ones are saved at the end of a successful run only (one ``StreamState``).
Alert notes are not read: no KPI uses them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from opskpi.config import Settings
from opskpi.config.model import JsmSettings
from opskpi.etl.context import SyncContext
from opskpi.etl.errors import ConfigurationError, DataError, HttpError
from opskpi.etl.http import HttpClient, Reply, RetryPolicy
from opskpi.etl.http.factory import public_client, source_client
from opskpi.etl.http.inflight import in_flight
from opskpi.etl.sources.jsm.links import next_link, resolve
from opskpi.etl.sources.jsm.windows import (
    OFFSET_CAP,
    PAGE_SIZE,
    Window,
    epoch_ms,
    iter_pages,
)
from opskpi.etl.warehouse.landing import Reject
from opskpi.etl.warehouse.sync_state import StreamState

log = logging.getLogger("opskpi.sources.jsm")

STREAM = "alerts"
CLOUD_ID = re.compile(r"[A-Za-z0-9-]+")  # it goes into every path: nothing else is accepted
MAX_LOG_PAGES = 1_000  # a cursor that never ends is an error, not a hang
CLOSED = "closed"  # a closed alert never changes again; every other status is re-read


def needs_detail(item: dict[str, Any]) -> bool:
    """Whether a listed alert lacks what a KPI reads, so ``GET /v1/alerts/{id}`` is needed:
    the service (``extraProperties``/``details`` ``service``, else a tag, else ``entity``) and
    the runbook (those properties, else a ``Runbook:`` line of ``description``)."""
    return (
        "description" not in item
        or "entity" not in item
        or ("extraProperties" not in item and "details" not in item)
    )


def log_key(alert_id: str, line: dict[str, Any]) -> str:
    """Log lines carry no id (the cursor names pages, not lines): the alert, the time and a
    digest of the line, stable across re-reads."""
    at = line.get("logTime") or line.get("createdAt") or ""
    digest = hashlib.sha256(
        json.dumps(line, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()[:12]
    return f"{alert_id}/{at}/{digest}"


@dataclass
class _Completed:
    """What the requests of one new or changed alert brought (fetched on a worker thread,
    landed on the run's): its body, its log lines ``(key, alert id, line)``, and the lines
    that cannot be landed."""

    body: dict[str, Any]
    logs: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


class _Batch:
    """A page's new or changed alerts and their logs, landed together, logs first (a run
    killed in between lists the alert again and redoes them)."""

    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []
        self.logs: list[tuple[str, str, dict[str, Any]]] = []  # (key, alert id, line)

    def flush(self, ctx: SyncContext) -> None:
        if self.logs:
            keys = {id(line): (key, parent) for key, parent, line in self.logs}
            ctx.land(
                "alert_log",
                [line for _k, _p, line in self.logs],
                key=lambda r: keys[id(r)][0],
                parent_id=lambda r: keys[id(r)][1],
            )
            self.logs.clear()
        if self.alerts:
            ctx.land("alert", self.alerts)
            self.alerts.clear()


class JsmConnector:
    name = "jsm"

    def __init__(
        self,
        settings: Settings,
        *,
        retry: RetryPolicy | None = None,
        session: Any = None,
        page_size: int = PAGE_SIZE,
        cap: int = OFFSET_CAP,
    ) -> None:
        config = settings.model.sources.jsm
        if config is None:
            raise ConfigurationError(f"{settings.origin}: [sources.jsm] is not configured")
        self.settings = settings
        self.config: JsmSettings = config
        self.retry = retry
        self.session = session
        self.page_size = max(1, min(PAGE_SIZE, page_size))
        self.cap = cap
        self.stats: dict[str, int] = {}  # requests per endpoint of the last sync

    def client(self, ctx: SyncContext) -> HttpClient:
        return source_client(
            self.settings,
            "jsm",
            ctx,
            auth_scheme="Basic",
            retry=self.retry,
            session=self.session,
            status_hints={
                401: "JSM did not accept the account e-mail and API token (Basic auth; "
                "Atlassian service accounts cannot call the Ops API): check "
                "sources.jsm.email_* and api_token_*",
                403: "the account cannot read this (scope read:ops-alert:jira-service-management "
                "for alerts and teams)",
                404: "no JSM Operations site here: check sources.jsm.cloud_id or site",
            },
        )

    def sync(self, ctx: SyncContext) -> None:
        stats: dict[str, int] = {}
        try:
            cloud = self.config.cloud_id or self._tenant_cloud_id(ctx, stats)
            with self.client(ctx) as client:
                try:
                    run = _Run(ctx, client, self.config, cloud, self.page_size, self.cap)
                    run.teams()
                    run.alerts()
                    if self.config.comms:
                        run.comms()
                finally:
                    stats.update(client.stats)
        finally:
            self.stats = stats

    def _tenant_cloud_id(self, ctx: SyncContext, stats: dict[str, int]) -> str:
        site = self.config.site
        assert site is not None  # the settings require site or cloud_id
        with public_client(
            self.settings, "jsm", ctx, site, key="sources.jsm.site", retry=self.retry
        ) as client:
            try:
                reply = client.get("/_edge/tenant_info", endpoint="GET <site>/_edge/tenant_info")
            finally:
                stats.update(client.stats)
        body = reply.body
        cloud = body.get("cloudId") if isinstance(body, dict) else None
        if not isinstance(cloud, str) or not CLOUD_ID.fullmatch(cloud.strip()):
            raise DataError(
                f"{reply.where()}: no usable 'cloudId' in the answer (letters, digits and "
                "hyphens); set sources.jsm.cloud_id"
            )
        return cloud.strip()


class _Run:
    def __init__(
        self,
        ctx: SyncContext,
        client: HttpClient,
        config: JsmSettings,
        cloud: str,
        page: int,
        cap: int,
    ) -> None:
        self.ctx, self.client, self.config = ctx, client, config
        self.page, self.cap = page, cap
        self.api = f"/jsm/ops/api/{cloud}/v1"
        self.api_root = client.url_for(f"/jsm/ops/api/{cloud}")
        self.comms_path = f"/jsm/ops/stakeholder-comms/cloudId/{cloud}/api/incidents/list"
        self.batch = _Batch()
        self.workers = config.concurrency
        now = ctx.now() if ctx.now else ctx.started_at
        self.now = now.astimezone(UTC)

    # -- teams ----------------------------------------------------------------------------------
    def teams(self) -> None:
        reply = self.client.get(f"{self.api}/teams", endpoint="GET /v1/teams")
        teams = reply.body.get("platformTeams") if isinstance(reply.body, dict) else None
        if not isinstance(teams, list):
            raise DataError(f"{reply.where()}: expected an object with a 'platformTeams' list")
        self.ctx.land("team", self._valid(teams, "team", reply.safe_url, "teamId"), key="teamId")

    # -- alerts ---------------------------------------------------------------------------------
    def alerts(self) -> None:
        state = self.ctx.get_state(STREAM) or StreamState()
        gone = set(state.gone_ids)
        open_ids = set(state.open_ids) - gone
        since = self._since(state)
        window = Window(epoch_ms(since), epoch_ms(self.now))
        seen: set[str] = set()
        listed = 0
        if window.span > 0:
            for page in iter_pages(
                self._fetch_alerts,
                [window],
                extra_query=self.config.query,
                size=self.page,
                cap=self.cap,
            ):
                items = self._valid(page.items, "alert", page.where)
                listed += len(items)
                changed = self._changed([(str(i["id"]), i) for i in items])
                todo = [(str(i["id"]), i) for i, new in zip(items, changed, strict=True) if new]
                fetched = iter(self._fetch_all(todo))
                for item, new in zip(items, changed, strict=True):
                    alert_id = str(item["id"])
                    seen.add(alert_id)
                    body: dict[str, Any] | None = item
                    if new:
                        body = self._take(next(fetched))
                    if body is None:
                        gone.add(alert_id)
                        open_ids.discard(alert_id)
                    else:
                        _track(open_ids, alert_id, body.get("status") != CLOSED)
                self.batch.flush(self.ctx)
        self._reread(sorted(open_ids - seen), open_ids, gone)
        self.batch.flush(self.ctx)
        self.ctx.set_state(
            STREAM,
            StreamState(
                watermark=self.now,
                open_ids=tuple(sorted(open_ids - gone)),
                gone_ids=tuple(sorted(gone)),
            ),
        )
        log.info("jsm alerts: %d listed, %d still open", listed, len(open_ids - gone))

    def _since(self, state: StreamState) -> datetime:
        sync = self.ctx.settings.model.sync
        if self.ctx.full or state.watermark is None:
            return self.now - timedelta(seconds=sync.initial_lookback.seconds or 0)
        since = state.watermark - timedelta(seconds=sync.lookback.seconds or 0)
        return min(since, self.now)

    def _fetch_alerts(self, params: dict[str, Any]) -> tuple[dict[str, Any], str]:
        reply = self.client.get(f"{self.api}/alerts", params, endpoint="GET /v1/alerts")
        if not isinstance(reply.body, dict):
            raise DataError(f"{reply.where()}: expected a JSON object")
        return reply.body, reply.safe_url

    def _fetch_all(
        self, todo: list[tuple[str, dict[str, Any]]], *, listed: bool = True
    ) -> list[_Completed | None]:
        """:meth:`_fetch` of every ``(alert id, item)``, ``concurrency`` at a time, in order."""

        def fetch(pair: tuple[str, dict[str, Any]]) -> _Completed | None:
            return self._fetch(pair[0], pair[1], listed=listed)

        with closing(in_flight(fetch, todo, workers=self.workers, name="jsm")) as done:
            return list(done)

    def _fetch(self, alert_id: str, item: dict[str, Any], *, listed: bool) -> _Completed | None:
        """Detail (when the list lacks it) and logs of a new or changed alert (on a worker
        thread: HTTP only); None when it no longer exists."""
        body = item
        if listed and needs_detail(item):
            detail = self._get_alert(alert_id)
            if detail is None:
                return None
            body = detail
        done = _Completed(body)
        self._logs(alert_id, done)
        return done

    def _take(self, done: _Completed | None) -> dict[str, Any] | None:
        """Land (in the batch) what :meth:`_fetch` brought."""
        if done is None:
            return None
        if done.rejects:
            self.ctx.reject("alert_log", done.rejects)
        self.batch.logs.extend(done.logs)
        self.batch.alerts.append(done.body)
        return done.body

    def _reread(self, ids: list[str], open_ids: set[str], gone: set[str]) -> None:
        """Alerts open at the last run, now older than the window: have they changed? Each is
        asked again; a changed one gets its logs too."""
        with closing(in_flight(self._get_alert, ids, workers=self.workers, name="jsm")) as asked:
            bodies = list(asked)
        found = [(i, body) for i, body in zip(ids, bodies, strict=True) if body is not None]
        changed = [pair for pair, new in zip(found, self._changed(found), strict=True) if new]
        for done in self._fetch_all(changed, listed=False):
            self._take(done)
        for alert_id, body in zip(ids, bodies, strict=True):
            if body is None:
                gone.add(alert_id)
                open_ids.discard(alert_id)
            else:
                _track(open_ids, alert_id, body.get("status") != CLOSED)

    def _changed(self, alerts: list[tuple[str, dict[str, Any]]]) -> list[bool]:
        """Whether each ``(alert id, item or body)`` is to be completed (detail, logs): new or
        changed (its ``updatedAt`` is not the landed one), or with a log line an earlier run
        rejected and still to fetch again: unchanged, its logs would not be asked for, and the
        reject, not met again, would pass for resolved."""
        if self.ctx.full:
            return [True] * len(alerts)
        ids = [alert_id for alert_id, _ in alerts]
        landed = self.ctx.landed_field("alert", ids, "updatedAt")
        retry = self.ctx.parents_with_pending_rejects("alert_log", ids)
        return [
            alert_id in retry or landed.get(alert_id) != body.get("updatedAt")
            for alert_id, body in alerts
        ]

    def _get_alert(self, alert_id: str) -> dict[str, Any] | None:
        try:
            reply = self.client.get(f"{self.api}/alerts/{alert_id}", endpoint="GET /v1/alerts/{id}")
        except HttpError as exc:
            if exc.status == 404:
                log.warning("jsm alert %s no longer exists (404); no longer followed", alert_id)
                return None
            raise
        body = reply.body
        if not isinstance(body, dict) or body.get("id") in (None, ""):
            raise DataError(f"{reply.where()}: expected an alert object with an 'id'")
        return body

    def _logs(self, alert_id: str, done: _Completed) -> None:
        url = self.client.url_for(f"{self.api}/alerts/{alert_id}/logs")
        params: dict[str, Any] | None = {"size": self.page}
        seen_urls: set[str] = set()
        for _ in range(MAX_LOG_PAGES):
            reply = self.client.get(url, params, endpoint="GET /v1/alerts/{id}/logs")
            values = _values(reply)
            lines, rejects = _split_valid(
                values, "alert_log", reply.safe_url, None, parent=alert_id
            )
            done.rejects.extend(rejects)
            for line in lines:
                done.logs.append((log_key(alert_id, line), alert_id, line))
            link = next_link(reply.body, reply.where())
            if link is None or not values:
                return
            url, params = resolve(link, self.api_root, reply.url), None
            if url in seen_urls:
                raise DataError(f"{reply.where()}: the next link points back to a seen page")
            seen_urls.add(url)
        raise DataError(f"jsm: alert {alert_id}: over {MAX_LOG_PAGES} pages of logs")

    # -- stakeholder communications -------------------------------------------------------------
    def comms(self) -> None:
        """Every stakeholder-comms incident with its updates (``nodes``), by cursor."""
        params: dict[str, Any] = {"limit": self.page}
        cursors: set[str] = set()
        try:
            for _ in range(MAX_LOG_PAGES):
                reply = self.client.get(
                    self.comms_path, params, endpoint="GET stakeholder-comms incidents/list"
                )
                body = reply.body if isinstance(reply.body, dict) else {}
                nodes = body.get("nodes")
                if not isinstance(nodes, list):
                    raise DataError(f"{reply.where()}: expected an object with a 'nodes' list")
                good, bad = [], []
                for node in nodes:
                    incident = node.get("incident") if isinstance(node, dict) else None
                    if isinstance(incident, dict) and incident.get("id") not in (None, ""):
                        good.append(node)
                    else:
                        bad.append(_reject(node, "comms incident without an incident id", reply))
                if bad:
                    self.ctx.reject("comms_incident", bad)
                self.ctx.land("comms_incident", good, key=_comms_key, location=reply.safe_url)
                info = body.get("pageInfo")
                more = isinstance(info, dict) and info.get("hasNextPage") is True
                cursor = info.get("endCursor") if more and isinstance(info, dict) else None
                if not isinstance(cursor, str) or not cursor or not nodes:
                    return
                if cursor in cursors:
                    raise DataError(f"{reply.where()}: the cursor {cursor!r} repeats")
                cursors.add(cursor)
                params = {"limit": self.page, "cursor": cursor}
        except HttpError as exc:
            if exc.status not in (401, 403, 404):
                raise
            log.warning(
                "jsm: stakeholder-comms incidents not read (HTTP %d: the token's scope lacks "
                "read:stakeholder-comms.incident, or the site has no status page); set "
                "sources.jsm.comms = false to skip them",
                exc.status,
            )

    # -- helpers --------------------------------------------------------------------------------
    def _valid(
        self, items: list[Any], object_type: str, location: str, id_field: str | None = "id"
    ) -> list[dict[str, Any]]:
        """The records that can be landed; the others go to ``raw_rejects`` with the reason."""
        good, bad = _split_valid(items, object_type, location, id_field)
        if bad:
            self.ctx.reject(object_type, bad)
        return good


def _split_valid(
    items: list[Any],
    object_type: str,
    location: str,
    id_field: str | None = "id",
    *,
    parent: str | None = None,
) -> tuple[list[dict[str, Any]], list[Reject]]:
    """The records that can be landed, and the others with the reason (and ``parent``, the
    alert of log lines)."""
    good, bad = [], []
    for item in items:
        if not isinstance(item, dict):
            reason = f"not a JSON object: {type(item).__name__}"
        elif id_field is not None and item.get(id_field) in (None, ""):
            reason = f"{object_type} without an {id_field}"
        else:
            good.append(item)
            continue
        body = json.dumps(item, ensure_ascii=False, default=str)
        bad.append(Reject(body, reason, location, parent))
    return good, bad


def _values(reply: Reply) -> list[Any]:
    values = reply.body.get("values") if isinstance(reply.body, dict) else None
    if not isinstance(values, list):
        raise DataError(f"{reply.where()}: expected an object with a 'values' list")
    return values


def _comms_key(node: dict[str, Any]) -> str:
    return str(node["incident"]["id"])


def _reject(node: Any, reason: str, reply: Reply) -> Reject:
    return Reject(json.dumps(node, ensure_ascii=False, default=str), reason, reply.safe_url)


def _track(open_ids: set[str], alert_id: str, is_open: bool) -> None:
    if is_open:
        open_ids.add(alert_id)
    else:
        open_ids.discard(alert_id)
