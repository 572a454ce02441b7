"""Cached data access for the app, over ``metrics.kpis`` and ``metrics.lists``.

Every cache fill reads the **published snapshot** read-only through connections kept open per
snapshot file (``metrics.snapshot.SnapshotReaders``: the session and the SQL macros are set up
once per connection, not once per cache fill), so the app never holds the file a sync writes
(the warehouse), and keeps serving while a sync writes: the sync swaps a new snapshot in
atomically, and the next cache fill opens it while the old file is closed once its last
connection is given back. Cache keys include the snapshot's path and modification time: a new
sync shows up at the next rerun, without waiting for the TTL. Caches are bounded (``ttl``,
``max_entries``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from opskpi.app.i18n.translator import Translator
from opskpi.app.review.context import ReviewOptions
from opskpi.app.review.document import Document
from opskpi.app.review.links import ListLinks
from opskpi.config import Settings, load_settings
from opskpi.metrics import kpis, lists
from opskpi.metrics.period import Filters, Period
from opskpi.metrics.report import KpiReport, group_names
from opskpi.metrics.snapshot import SnapshotReaders
from opskpi.metrics.sources import SourceStatus, source_statuses
from opskpi.metrics.teams import TeamRow, team_comparison

TTL = "5m"
MAX_ENTRIES = 256
KPI_GROUPS = group_names()


@dataclass(frozen=True)
class Snapshot:
    """Where the published snapshot is and which version of it (its mtime) the caches key on."""

    path: str
    version: int | None

    @property
    def exists(self) -> bool:
        return self.version is not None


def snapshot_of(settings: Settings) -> Snapshot:
    path = settings.serving_path
    try:
        version = path.stat().st_mtime_ns
    except OSError:
        version = None
    return Snapshot(str(path), version)


def app_settings() -> Settings:
    """The config as every command finds it (``$OPSKPI_CONFIG``, set by ``opskpi app``)."""
    return load_settings()


_READERS: dict[str, SnapshotReaders] = {}
_READERS_LOCK = threading.Lock()


@contextmanager
def reader(snapshot: Snapshot) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the published snapshot, lent to this cache fill only."""
    with _READERS_LOCK:
        readers = _READERS.get(snapshot.path)
        if readers is None:
            readers = _READERS[snapshot.path] = SnapshotReaders(Path(snapshot.path))
    with readers.connection() as con:
        yield con


def _cached(func: Any) -> Any:
    return st.cache_data(ttl=TTL, max_entries=MAX_ENTRIES, show_spinner=False)(func)


# -- KPI models ----------------------------------------------------------------------------------


@_cached
def kpi(
    snapshot: Snapshot,
    group: str,
    period: Period,
    filters: Filters,
    grain: str = "period",
    dimension: str | None = None,
) -> pd.DataFrame:
    """One ``sql/kpis/<group>.sql`` model as a DataFrame (``metrics.kpis.<group>``)."""
    if group not in KPI_GROUPS:
        raise ValueError(f"unknown KPI group {group!r}")
    function = getattr(kpis, group)
    kwargs: dict[str, Any] = {"grain": grain}
    if dimension is not None:
        kwargs["dimension"] = dimension
    with reader(snapshot) as con:
        frame: pd.DataFrame = function(con, period, filters, **kwargs)
        return frame


@_cached
def report(snapshot: Snapshot, period: Period, filters: Filters) -> KpiReport:
    """Every KPI for the period (what ``opskpi kpis`` prints), as types."""
    with reader(snapshot) as con:
        return kpis.build_report(con, period, filters)


# -- on-call load and teams (docs/kpis.md §10, §11) -------------------------------------------


@_cached
def oncall_people(snapshot: Snapshot, period: Period, filters: Filters) -> pd.DataFrame:
    with reader(snapshot) as con:
        return kpis.oncall_people(con, period, filters)


@_cached
def oncall_hours(snapshot: Snapshot, period: Period, filters: Filters) -> pd.DataFrame:
    with reader(snapshot) as con:
        return kpis.oncall_hours(con, period, filters)


@_cached
def team_rows(snapshot: Snapshot, period: Period, filters: Filters) -> tuple[TeamRow, ...]:
    with reader(snapshot) as con:
        return team_comparison(con, period, filters)


# -- lists -------------------------------------------------------------------------------------


@_cached
def incidents(snapshot: Snapshot, period: Period, filters: Filters, **options: Any) -> pd.DataFrame:
    with reader(snapshot) as con:
        return lists.incidents(con, period, filters, **options)


@_cached
def incident_detail(snapshot: Snapshot, incident_key: str) -> dict[str, Any] | None:
    with reader(snapshot) as con:
        row = lists.incident(con, incident_key)
        if row is None:
            return None
        return {
            "incident": row,
            "timeline": lists.incident_timeline(con, incident_key),
            "postmortems": lists.incident_postmortems(con, incident_key),
        }


@_cached
def actions(snapshot: Snapshot, as_of: datetime, filters: Filters, **options: Any) -> pd.DataFrame:
    with reader(snapshot) as con:
        return lists.actions(con, as_of, filters, **options)


@_cached
def overdue_by_owner(
    snapshot: Snapshot, period: Period | None, filters: Filters, as_of: datetime
) -> pd.DataFrame:
    with reader(snapshot) as con:
        return lists.overdue_by_owner(con, period, filters, as_of)


@_cached
def postmortem_status(
    snapshot: Snapshot, period: Period, filters: Filters, only_problems: bool = True
) -> pd.DataFrame:
    with reader(snapshot) as con:
        return lists.postmortem_status(con, period, filters, only_problems=only_problems)


@_cached
def period_list(snapshot: Snapshot, name: str, period: Period, filters: Filters) -> pd.DataFrame:
    with reader(snapshot) as con:
        return lists.period_list(con, name, period, filters)


@_cached
def plain_list(snapshot: Snapshot, name: str, **params: Any) -> pd.DataFrame:
    """A list without period or filters (data health, filter options, snapshot info)."""
    with reader(snapshot) as con:
        return lists.list_frame(con, name, params)


def filter_options(snapshot: Snapshot) -> dict[str, list[str]]:
    frame = plain_list(snapshot, "filter_options")
    return {
        field: frame.loc[frame["field"] == field, "value"].tolist()
        for field in ("severity", "service", "team", "source")
    }


@_cached
def known_filter_values(snapshot: Snapshot) -> dict[str, tuple[str, ...]]:
    """Every value each filter accepts (``metrics.filter_values``): a URL naming another one
    gets a warning."""
    from opskpi.metrics.filter_values import known_values

    with reader(snapshot) as con:
        return known_values(con)


@_cached
def undecided_team_apps(snapshot: Snapshot, period: Period, filters: Filters) -> pd.DataFrame:
    """The applications whose team the mapping cannot decide (``metrics.lists``)."""
    with reader(snapshot) as con:
        return lists.undecided_team_apps(con, period, filters)


def snapshot_info(snapshot: Snapshot) -> dict[str, Any]:
    frame = plain_list(snapshot, "snapshot_info")
    return {k: (None if pd.isna(v) else v) for k, v in frame.iloc[0].to_dict().items()}


@_cached
def policy_targets(snapshot: Snapshot) -> dict[str, dict[str, float | None]]:
    with reader(snapshot) as con:
        return lists.policy_targets(con)


@_cached
def sources(snapshot: Snapshot, as_of: datetime) -> tuple[SourceStatus, ...]:
    """Each configured source's last success and failure, judged stale at ``as_of``."""
    with reader(snapshot) as con:
        return source_statuses(con, as_of)


@_cached
def taxonomy_labels(snapshot: Snapshot) -> dict[str, str]:
    with reader(snapshot) as con:
        return lists.taxonomy_labels(con)


@_cached
def incidents_chart_svg(
    snapshot: Snapshot, period: Period, filters: Filters, timezone: str, language: str
) -> str:
    """The overview's incidents per week by severity as inline SVG, a hover text (with its n)
    on every bar: a static chart keeps the first page free of the 4.7 MB chart script
    (docs/benchmarks.md, browser figures)."""
    from opskpi.app.review.charts import chart_svg
    from opskpi.app.review.trends import incidents_by_severity

    weekly = kpi(snapshot, "response_times", period, filters, grain="week")
    chart = incidents_by_severity(weekly, period, timezone, Translator(language))
    return chart_svg(chart, language, tooltips=True)


@_cached
def weekly_review(
    snapshot: Snapshot,
    week: str,
    as_of: datetime,
    filters: Filters,
    language: str,
    options: ReviewOptions | None = None,
) -> Document:
    """The weekly review document (``opskpi report``) for ISO ``week``; a capped list links the
    app's own page with the full list."""
    from opskpi.app.review.build import weekly_review as build

    with reader(snapshot) as con:
        return build(
            con,
            week,
            as_of,
            Translator(language),
            filters,
            options=options,
            links=ListLinks(app_url=""),
        )


def weekly_review_file(
    snapshot: Snapshot,
    week: str,
    as_of: datetime,
    filters: Filters,
    language: str,
    options: ReviewOptions,
    app_url: str | None,
) -> Document:
    """The review as ``opskpi report`` writes it, for the page's downloads (not cached: built
    only when a download is asked for, outside the page's run)."""
    from opskpi.app.review.build import weekly_review as build

    with reader(snapshot) as con:
        return build(
            con,
            week,
            as_of,
            Translator(language),
            filters,
            options=options,
            links=ListLinks(app_url=app_url),
        )
