"""Read everything the exporter serves from an open snapshot, with the same KPI models as the
CLI and the app (``metrics.kpis``): one window per ``WINDOWS`` entry — the N full days before
today, as every default period (``Period.last_full_days``) — plus the figures the contract
defines as "now" (open incidents, overdue actions), which span all time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb

from opskpi.metrics.exporter.breakdowns import (
    Breakdowns,
    ConfiguredNames,
    configured_names,
    read_breakdowns,
    sleep_hours_share_threshold,
)
from opskpi.metrics.exporter.families import WINDOWS
from opskpi.metrics.kpis import build_report, records, report_rows
from opskpi.metrics.period import Filters, Period, Query
from opskpi.metrics.report import KpiReport, Rca, ResponseTimesRow
from opskpi.sql.session import scalar

Row = dict[str, Any]

# "Any creation date": a period wide enough to hold every incident and action.
ALL_TIME = (date(1, 1, 1), date(9999, 12, 31))


@dataclass(frozen=True)
class WindowKpis:
    window: str  # "7d" or "28d"
    report: KpiReport  # every KPI of the window (`opskpi kpis` for it)
    incidents_by_source: dict[tuple[str, str], int]  # (source, severity or "all") → incidents
    breakdowns: Breakdowns  # on-call per configured team, noise per configured service


@dataclass(frozen=True)
class SnapshotKpis:
    windows: tuple[WindowKpis, ...]
    open_now: tuple[ResponseTimesRow, ...]  # over all time: open, breaching_open, unacked_...
    overdue: Rca  # over all time: overdue_actions, overdue_must_fix
    policy: list[Row]  # cfg_policy: targets per severity
    sync: list[Row]  # source_freshness: one row per source that ran or landed anything
    built_at: datetime | None  # build_info.built_at
    names: ConfiguredNames  # the team and service label values (the config's)
    sleep_hours_share_threshold: float | None  # cfg_oncall: what the alert compares with


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[Row]:
    cur = con.execute(query)
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


def _incidents_by_source(
    con: duckdb.DuckDBPyConnection, period: Period
) -> dict[tuple[str, str], int]:
    rows = records(con, "kpis/response_times", Query(period, Filters(), "period", "source"))
    return {(row["dimension_value"], row["severity"]): row["incidents"] for row in rows}


def read_snapshot(con: duckdb.DuckDBPyConnection, as_of: datetime) -> SnapshotKpis:
    """Every value of the contract's families, judged at ``as_of``."""
    # "now": open incidents and overdue actions of any date, with the KPI set's one statement
    all_time = report_rows(con, Query(Period(*ALL_TIME, as_of)))
    timezone = all_time.timezone
    names = configured_names(con)
    windows = []
    for label, days in WINDOWS.items():
        period = Period.last_full_days(days, as_of, timezone)
        windows.append(
            WindowKpis(
                window=label,
                report=build_report(con, period, timezone=timezone),
                incidents_by_source=_incidents_by_source(con, period),
                breakdowns=read_breakdowns(con, period, names),
            )
        )
    return SnapshotKpis(
        windows=tuple(windows),
        open_now=ResponseTimesRow.read_all(all_time.read),
        overdue=Rca.read(all_time.read),
        policy=_rows(con, "select * from cfg_policy order by severity"),
        sync=_rows(con, "select * from source_freshness order by source"),
        built_at=scalar(con, "select max(built_at) from build_info"),
        names=names,
        sleep_hours_share_threshold=sleep_hours_share_threshold(con),
    )
