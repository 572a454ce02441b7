"""PagerDuty, landed verbatim: incidents, log entries, alerts, custom fields, directory.

One run, in this order (each page landed as it arrives):

1. ``services``, ``teams``, ``priorities`` (small full lists).
2. ``incident``: ``GET /incidents`` over ``[since, now)`` in windows (see
   :mod:`etl.sources.pagerduty_windows`), every status, times with explicit UTC offsets; then
   ``GET /incidents/{id}`` for the incidents still open at the last run that the windows did
   not cover (created before ``since``), ``concurrency`` at a time.
3. ``log_entry``: ``GET /log_entries?include[]=channels`` in bulk over the same windows (never
   one request per incident), landed verbatim in the account's time zone (the SQL casts with
   the offset). The channel of a trigger log entry then carries the first alert's custom
   details, where runbook links live.
4. ``alert`` and ``incident_custom_fields`` for the few new or changed incidents that need
   them (see :mod:`etl.sources.pagerduty_details`); optionally ``analytics_incident``.

``since`` is the last run's watermark minus ``[sync] lookback``, or now minus
``initial_lookback`` on a first or ``--full`` run. The open incidents to re-read are those of
the last run's state, updated with every incident this run lands. The watermark, the open
incidents and the details checkpoint (a ``StreamState`` per stream) are saved together, and
only when the run succeeds: a run killed at any point is redone from the previous state and,
landing being an idempotent upsert, ends as an uninterrupted run would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from opskpi.config import Settings
from opskpi.config.model import PagerDutySettings
from opskpi.etl.context import SyncContext
from opskpi.etl.errors import ConfigurationError, HttpError
from opskpi.etl.http.factory import source_http
from opskpi.etl.http.inflight import in_flight
from opskpi.etl.http.policy import RetryPolicy
from opskpi.etl.sources.pagerduty.client import PagerDutyApi
from opskpi.etl.sources.pagerduty.details import (
    DETAILS_STREAM,
    DetailsPass,
    analytics_pass,
    batched,
)
from opskpi.etl.sources.pagerduty.windows import (
    Window,
    iso,
    iter_offset,
    iter_pages,
    span_windows,
)
from opskpi.etl.warehouse.landing import by_field
from opskpi.etl.warehouse.sync_state import StreamState

log = logging.getLogger("opskpi.sources.pagerduty")

STREAM = "incidents"
DIRECTORY = (
    ("/services", "services", "service"),
    ("/teams", "teams", "team"),
    ("/priorities", "priorities", "priority"),
)
REFETCH_BATCH = 100


incident_key = by_field("id")


def incident_of(record: dict[str, Any]) -> str | None:
    incident = record.get("incident")
    return incident.get("id") if isinstance(incident, dict) else None


class PagerDutyConnector:
    name = "pagerduty"

    def __init__(
        self,
        settings: Settings,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        """``retry`` replaces the shared default policy; ``sleep`` alone keeps the default
        policy but sleeps through it (tests record the waits)."""
        cfg = settings.model.sources.pagerduty
        if cfg is None:
            raise ConfigurationError("[sources.pagerduty] is not configured")
        self.settings = settings
        self.cfg: PagerDutySettings = cfg
        if retry is None and sleep is not None:
            retry = RetryPolicy(sleep=sleep)
        self.retry = retry

    def sync(self, ctx: SyncContext) -> None:
        http = source_http(self.settings, "pagerduty", retry=self.retry)
        api = PagerDutyApi(http.base_url, http.secret, timeout=http.timeout, policy=http.policy)
        try:
            PagerDutyRun(ctx, api, self.settings, self.cfg).run()
        finally:
            ctx.requests = api.requests
            api.close()


class PagerDutyRun:
    """The state of one run; see the module docstring for the order of the steps."""

    def __init__(
        self, ctx: SyncContext, api: PagerDutyApi, settings: Settings, cfg: PagerDutySettings
    ) -> None:
        self.ctx, self.api, self.settings, self.cfg = ctx, api, settings, cfg
        self.now = (ctx.now() if ctx.now else datetime.now(UTC)).astimezone(UTC)
        self.now = self.now.replace(microsecond=0)
        self.state = ctx.get_state(STREAM) or StreamState()
        self.gone: set[str] = set(self.state.gone_ids)  # open, then 404: not asked again
        self.open: set[str] = set(self.state.open_ids)  # as landed last (not resolved)
        self.since = self._since()
        self.filters: dict[str, Any] = {}
        if cfg.service_ids:
            self.filters["service_ids[]"] = list(cfg.service_ids)
        if cfg.team_ids:
            self.filters["team_ids[]"] = list(cfg.team_ids)

    def _since(self) -> datetime:
        sync = self.settings.model.sync
        watermark = self.state.watermark
        if self.ctx.full or watermark is None:
            assert sync.initial_lookback.seconds is not None
            return self.now - timedelta(seconds=sync.initial_lookback.seconds)
        assert sync.lookback.seconds is not None
        since = watermark - timedelta(seconds=sync.lookback.seconds)
        return min(since, self.now)

    def run(self) -> None:
        windows = span_windows(self.since, self.now)
        log.info(
            "pagerduty: syncing %s .. %s in %d window(s)",
            iso(self.since),
            iso(self.now),
            len(windows),
        )
        self.directory()
        seen = self.incidents(windows)
        self.refetch_open(seen)
        self.log_entries(windows)
        details = DetailsPass(self.ctx, self.api, self.settings)
        details.run()
        if self.cfg.analytics:
            analytics_pass(self.ctx, self.api, self.since, self.filters)
        self.save_state(details.checkpoint())

    def directory(self) -> None:
        for path, key, object_type in DIRECTORY:
            pages = iter_offset(partial(self.api.get, path), key, what=f"GET {path}")
            for page in pages:
                self.ctx.land(object_type, page.items, location=page.location)

    def incidents(self, windows: list[Window]) -> set[str]:
        params = {**self.filters, "sort_by": "created_at:asc"}
        seen: set[str] = set()
        fetch = lambda q: self.api.get("/incidents", q)  # noqa: E731
        for page in iter_pages(fetch, "incidents", windows, params, what="GET /incidents"):
            self.land_incidents(page.items, location=page.location)
            seen.update(str(i.get("id")) for i in page.items if isinstance(i, dict))
        return seen

    def land_incidents(self, records: list[Any], location: str | None = None) -> None:
        """Land incidents and follow which are open (not resolved) as landed."""
        self.ctx.land("incident", records, location=location)
        for record in records:
            key = incident_key(record) if isinstance(record, dict) else None
            if key is None:
                continue
            if record.get("status") == "resolved":
                self.open.discard(key)
            else:
                self.open.add(key)

    def refetch_open(self, seen: set[str]) -> None:
        """Incidents open at the last run and created before this run's windows, asked
        ``concurrency`` at a time, landed in their order."""
        stale = [i for i in self.state.open_ids if i not in seen and i not in self.gone]
        asked = in_flight(self._incident, stale, workers=self.cfg.concurrency, name="pd-open")
        with closing(asked) as bodies:
            for chunk in batched(zip(stale, bodies, strict=True), REFETCH_BATCH):
                batch: list[Any] = []  # a body without an incident lands as a reject
                for incident_id, body in chunk:
                    if body is None:
                        log.warning(
                            "pagerduty: incident %s is gone (404); no longer followed", incident_id
                        )
                        self.gone.add(incident_id)
                    else:
                        batch.append(body.get("incident"))
                if batch:
                    self.land_incidents(batch)

    def _incident(self, incident_id: str) -> dict[str, Any] | None:
        """``GET /incidents/{id}``; None when it answers 404 (on a worker thread)."""
        try:
            return self.api.get(f"/incidents/{incident_id}")
        except HttpError as exc:
            if exc.status != 404:
                raise
            return None

    def log_entries(self, windows: list[Window]) -> None:
        params: dict[str, Any] = {"include[]": ["channels"]}
        if self.cfg.team_ids:
            params["team_ids[]"] = list(self.cfg.team_ids)
        fetch = lambda q: self.api.get("/log_entries", q)  # noqa: E731
        for page in iter_pages(fetch, "log_entries", windows, params, what="GET /log_entries"):
            self.ctx.land("log_entry", page.items, parent_id=incident_of, location=page.location)

    def save_state(self, details: StreamState) -> None:
        state = StreamState(
            watermark=self.now,
            open_ids=tuple(sorted(self.open - self.gone)),
            gone_ids=tuple(sorted(self.gone)),
        )
        self.ctx.set_states({STREAM: state, DETAILS_STREAM: details})
