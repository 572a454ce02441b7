"""Read everything the exporter serves from an open snapshot, with the same KPI models as the
CLI and the app (``metrics.kpis``): one rolling window per ``WINDOWS`` entry, plus the figures
the contract defines as "now" (open incidents, overdue actions), which span all time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
from opskpi.metrics.exporter.families import WINDOWS
from opskpi.metrics.kpis import kpi_report, records
from opskpi.metrics.period import Filters, Period, Query

Row = dict[str, Any]

# "Any creation date": a period wide enough to hold every incident and action.
ALL_TIME = (date(1, 1, 1), date(9999, 12, 31))


@dataclass(frozen=True)
class WindowKpis:
    window: str  # "7d" or "28d"
    report: dict[str, Any]  # kpi_report(): the `opskpi kpis --json` object of the window
    by_source: list[Row]  # response_times rows split by source (dimension_value)


@dataclass(frozen=True)
class SnapshotKpis:
    windows: tuple[WindowKpis, ...]
    open_now: list[Row]  # response_times over all time: open, breaching_open, unacked_over_target
    overdue: Row  # rca over all time: overdue_actions, overdue_must_fix
    policy: list[Row]  # cfg_policy: targets per severity
    sync: list[Row]  # source_freshness: one row per source that ran or landed anything
    built_at: datetime | None  # build_info.built_at


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[Row]:
    cur = con.execute(query)
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


def read_snapshot(con: duckdb.DuckDBPyConnection, as_of: datetime) -> SnapshotKpis:
    """Every value of the contract's families, judged at ``as_of``."""
    timezone = con.execute("select timezone from cfg_settings").fetchone()[0]
    windows = []
    for label, days in WINDOWS.items():
        period = Period.rolling(days, as_of, timezone)
        windows.append(
            WindowKpis(
                window=label,
                report=kpi_report(con, period, timezone=timezone),
                by_source=records(
                    con, "kpis/response_times", Query(period, Filters(), "period", "source")
                ),
            )
        )
    all_time = Query(Period(*ALL_TIME, as_of))
    (overdue,) = records(con, "kpis/rca", all_time)
    built = con.execute("select max(built_at) from build_info").fetchone()[0]
    return SnapshotKpis(
        windows=tuple(windows),
        open_now=records(con, "kpis/response_times", all_time),
        overdue=overdue,
        policy=_rows(con, "select * from cfg_policy order by severity"),
        sync=_rows(con, "select * from source_freshness order by source"),
        built_at=built,
    )
