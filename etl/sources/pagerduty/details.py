"""Per-incident PagerDuty requests, kept to the incidents that need them, and analytics.

* ``alert`` (``GET /incidents/{id}/alerts``): an alert's ``body.details`` and ``body.contexts``
  are its Events API ``custom_details`` and ``links``, and the incident's trigger log entry
  already carries the first alert's: ``contexts``, and ``channel.details`` (the log entries
  are listed with ``include[]=channels``). So the alerts are asked only when the trigger log
  entry has no runbook (docs/kpis.md §6) **and** either more than one alert was grouped
  into the incident (``alert_counts.all > 1``: a later alert may carry it) or the trigger
  carries no channel details at all (opened by email, in the web UI...); and only while fewer
  alerts are landed than ``alert_counts.all``: an alert's details do not change when the
  incident is acknowledged or resolved, so an incident is asked again only when new alerts
  were grouped into it. ``[sources.pagerduty] fetch_alerts = false``: never.
* ``incident_custom_fields`` (``GET /incidents/{id}/custom_fields/values``): only when a
  ``pagerduty_field`` is configured under ``[taxonomy]`` or ``[releases]`` (unset by default:
  one request per incident); for resolved incidents (the fields are mostly filled in at the
  review), and once for an open incident that has none yet: a still-open incident already
  named as release-caused or classified must count as such in this week's KPIs. An open
  incident is not asked again until it is resolved, so an incident costs at most two such
  requests.

Both only for incidents new or changed since the last successful run. "Changed" is read from
the warehouse, not remembered in memory: an upsert stamps a row with the run id only when
its payload changed, so the incidents changed after the checkpoint (``checked_through_run``
of this pass's :class:`StreamState`) are exactly those landed or changed since the last run
that finished this pass, including those landed by a run that was killed before reaching it.
``--full`` ignores the checkpoint and what is already landed. The selection is
``SyncContext.pagerduty_detail_candidates`` (``etl/warehouse/landed.py``).

The requests run ``[sources.pagerduty] concurrency`` at a time (``etl.http.inflight``) within
the source's budget (``max_requests_per_minute``, 960 by default; a 429 holds every worker:
``etl.http.throttle``); what they fetch is landed on the run's thread, in the incidents'
order, ``BATCH`` incidents at a time: the same rows as one request after the other.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from typing import Any, TypeVar

from opskpi.config import Settings
from opskpi.etl.context import SyncContext
from opskpi.etl.errors import DataError, HttpError
from opskpi.etl.http.inflight import in_flight
from opskpi.etl.sources.pagerduty.client import PagerDutyApi
from opskpi.etl.sources.pagerduty.windows import iso, iter_offset
from opskpi.etl.warehouse.landed import DetailKind
from opskpi.etl.warehouse.sync_state import StreamState

log = logging.getLogger("opskpi.sources.pagerduty")

DETAILS_STREAM = "incident_details"
BATCH = 50  # incidents whose details are landed together
ANALYTICS_LIMIT = 1000


T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class DetailsPass:
    """Alerts and custom-field values of the incidents that need them."""

    def __init__(self, ctx: SyncContext, api: PagerDutyApi, settings: Settings) -> None:
        self.ctx, self.api = ctx, api
        cfg = settings.model.sources.pagerduty
        self.fetch_alerts = bool(cfg and cfg.fetch_alerts)
        self.workers = cfg.concurrency if cfg else 1
        model = settings.model
        self.fetch_fields = bool(model.taxonomy.pagerduty_field or model.releases.pagerduty_field)
        state = ctx.get_state(DETAILS_STREAM) or StreamState()
        self.previous = state.checked_through_run

    def checkpoint(self) -> StreamState:
        """The state to save once the whole run has succeeded."""
        return StreamState(checked_through_run=self.ctx.run_id)

    def candidates(self, kind: DetailKind) -> list[str]:
        return self.ctx.pagerduty_detail_candidates(kind, self.previous)

    def run(self) -> None:
        if self.fetch_alerts:
            ids = self.candidates("alerts")
            log.info("pagerduty: alerts of %d incident(s) whose trigger has no runbook", len(ids))
            asked = in_flight(self._alerts, ids, workers=self.workers, name="pd-alerts")
            with self._timed("alerts", len(ids)), closing(asked) as alerts:
                for batch in batched(zip(ids, alerts, strict=True), BATCH):
                    self._land_batch("alert", [(i, a) for i, found in batch for a in found])
        if self.fetch_fields:
            ids = self.candidates("custom_fields")
            log.info("pagerduty: custom fields of %d incident(s)", len(ids))
            values = in_flight(self._custom_fields, ids, workers=self.workers, name="pd-fields")
            with self._timed("custom fields", len(ids)), closing(values) as bodies:
                for chunk in batched(zip(ids, bodies, strict=True), BATCH):
                    pairs = [(i, body) for i, body in chunk if body is not None]
                    # the values carry no incident id: keyed (and parented) by the incident
                    self._land_batch("incident_custom_fields", pairs, key_by_incident=True)

    @contextmanager
    def _timed(self, what: str, incidents: int) -> Iterator[None]:
        """Log the requests of a pass and their rate (``extra``: for the benchmark)."""
        requests, started = self.api.requests, time.perf_counter()
        yield
        made, seconds = self.api.requests - requests, time.perf_counter() - started
        log.info(
            "pagerduty: %s of %d incident(s): %d request(s) in %.1f s (%.1f/s), %d at a time",
            what,
            incidents,
            made,
            seconds,
            made / seconds if seconds > 0 else 0.0,
            self.workers,
            extra={"details_pass": what, "details_requests": made, "details_seconds": seconds},
        )

    def _land_batch(
        self,
        object_type: str,
        pairs: list[tuple[str, dict[str, Any]]],
        *,
        key_by_incident: bool = False,
    ) -> None:
        """Land records fetched for several incidents at once, each parented by its incident."""
        parent = {id(record): incident_id for incident_id, record in pairs}

        def parent_of(record: dict[str, Any]) -> str | None:
            return parent.get(id(record))

        records = [record for _, record in pairs]
        if key_by_incident:
            self.ctx.land(object_type, records, key=parent_of, parent_id=parent_of)
        else:
            self.ctx.land(object_type, records, parent_id=parent_of)

    def _alerts(self, incident_id: str) -> list[dict[str, Any]]:
        path = f"/incidents/{incident_id}/alerts"
        alerts: list[dict[str, Any]] = []
        try:
            for page in iter_offset(lambda q: self.api.get(path, q), "alerts", what=f"GET {path}"):
                alerts.extend(page.items)
        except HttpError as exc:
            if exc.status != 404:
                raise
            log.warning("pagerduty: incident %s is gone (404): no alerts", incident_id)
        return alerts

    def _custom_fields(self, incident_id: str) -> dict[str, Any] | None:
        return self._get_or_none(f"/incidents/{incident_id}/custom_fields/values")

    def _get_or_none(self, path: str) -> dict[str, Any] | None:
        try:
            return self.api.get(path)
        except HttpError as exc:
            if exc.status != 404:
                raise
            log.warning("pagerduty: %s answered 404; skipped", path)
            return None


def analytics_pass(
    ctx: SyncContext, api: PagerDutyApi, since: datetime, filters: dict[str, Any]
) -> None:
    """``POST /analytics/raw/incidents`` updated since ``since``, cursor-paged.

    The analytics pipeline runs in batches and may lag up to 24 h behind the REST API; the
    lookback re-reads that lag. Its timestamps carry no offset, so ``time_zone`` is always
    ``Etc/UTC``. Its ``escalation_count`` also counts escalations after the first ack:
    log entries stay the source of escalations (int_pagerduty__incidents).
    """
    body_filters: dict[str, Any] = {"updated_after": iso(since)}
    if filters.get("service_ids[]"):
        body_filters["service_ids"] = filters["service_ids[]"]
    if filters.get("team_ids[]"):
        body_filters["team_ids"] = filters["team_ids[]"]
    body: dict[str, Any] = {
        "filters": body_filters,
        "limit": ANALYTICS_LIMIT,
        "order": "asc",
        "order_by": "created_at",
        "time_zone": "Etc/UTC",
    }
    while True:
        page = api.post("/analytics/raw/incidents", body)
        data = page.get("data")
        if not isinstance(data, list):
            raise DataError("PagerDuty POST /analytics/raw/incidents: the answer has no 'data'")
        ctx.land("analytics_incident", data, location="POST /analytics/raw/incidents")
        last = page.get("last")
        if not page.get("more") or not last:
            return
        if last == body.get("starting_after"):
            raise DataError("PagerDuty POST /analytics/raw/incidents: the cursor did not advance")
        body = {**body, "starting_after": last}
