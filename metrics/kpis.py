"""The KPI API: one function per KPI group, each running its ``sql/kpis/*.sql`` model with bound
parameters and returning a DataFrame; ``kpi_report`` assembles the ``opskpi kpis --json`` object.

All KPI logic is SQL. Python only binds parameters and reshapes rows.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from functools import cache
from typing import Any

import duckdb
import pandas as pd
from opskpi import sql
from opskpi.metrics.period import Filters, Period, Query
from opskpi.sql.session import scalar

_PARAM = re.compile(r"\$([a-z_]+)")
STATS = ("mean", "median", "p90", "p95", "max")


@cache
def _sql_and_params(name: str) -> tuple[str, frozenset[str]]:
    text = sql.read(name)
    return text, frozenset(_PARAM.findall(text))


def run_query(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]
) -> duckdb.DuckDBPyConnection:
    """Execute ``sql/<name>.sql`` binding only the parameters it names."""
    text, used = _sql_and_params(name)
    missing = used - set(params)
    if missing:
        raise ValueError(f"sql/{name}.sql needs parameter(s) {sorted(missing)}")
    return con.execute(text, {k: v for k, v in params.items() if k in used})


def frame(con: duckdb.DuckDBPyConnection, name: str, query: Query) -> pd.DataFrame:
    return run_query(con, name, query.params()).df()


def records(con: duckdb.DuckDBPyConnection, name: str, query: Query) -> list[dict[str, Any]]:
    """Rows as plain Python values (ints, floats, None: never NaN)."""
    cur = run_query(con, name, query.params())
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


# -- one function per KPI group ------------------------------------------------------------------


def response_times(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters | None = None,
    *,
    grain: str = "period",
    dimension: str | None = None,
) -> pd.DataFrame:
    """MTTA/MTTR (mean, median, p90, p95, max), counts and SLA compliance per severity + all."""
    return frame(con, "kpis/response_times", Query(period, filters or Filters(), grain, dimension))


def root_causes(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters | None = None,
    *,
    grain: str = "period",
) -> pd.DataFrame:
    return frame(con, "kpis/root_causes", Query(period, filters or Filters(), grain))


def releases(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters | None = None,
    *,
    grain: str = "period",
) -> pd.DataFrame:
    return frame(con, "kpis/releases", Query(period, filters or Filters(), grain))


def runbooks(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters | None = None,
    *,
    grain: str = "period",
    dimension: str | None = None,
) -> pd.DataFrame:
    return frame(con, "kpis/runbooks", Query(period, filters or Filters(), grain, dimension))


def rca(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters | None = None,
    *,
    grain: str = "period",
) -> pd.DataFrame:
    return frame(con, "kpis/rca", Query(period, filters or Filters(), grain))


def paging(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters | None = None,
    *,
    grain: str = "period",
) -> pd.DataFrame:
    return frame(con, "kpis/paging", Query(period, filters or Filters(), grain))


# -- the kpis --json object ----------------------------------------------------------------------


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _stats(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    out = {stat: _clean(row[f"{prefix}_{stat}"]) for stat in STATS}
    out["n"] = row[f"{prefix}_n"]
    return out


def _response_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "severity": row["severity"],
        "incidents": row["incidents"],
        "merged": row["merged"],
        "acknowledged": row["acknowledged"],
        "unacknowledged": row["unacknowledged"],
        "resolved": row["resolved"],
        "open": row["open"],
        "tta_seconds": _stats(row, "tta"),
        "ttr_seconds": _stats(row, "ttr"),
        "ack_sla_compliance": _clean(row["ack_sla_compliance"]),
        "resolve_sla_compliance": _clean(row["resolve_sla_compliance"]),
        "breaching_open": row["breaching_open"],
        "unacked_over_target": row["unacked_over_target"],
    }


def _single(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
    (row,) = rows
    return {key: _clean(row[key]) for key in keys}


def kpi_report(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters | None = None,
    *,
    timezone: str | None = None,
) -> dict[str, Any]:
    """Every KPI of docs/kpis.md §3–8 for ``period``, in the ``kpis --json`` shape."""
    query = Query(period, filters or Filters())
    if timezone is None:
        timezone = scalar(con, "select timezone from cfg_settings")
    report: dict[str, Any] = {
        "as_of": period.as_of.isoformat(),
        "timezone": timezone,
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "response_times": [_response_row(r) for r in records(con, "kpis/response_times", query)],
        "root_causes": [
            {
                "root_cause": r["root_cause"],
                "incidents": r["incidents"],
                "share": _clean(r["share"]),
            }
            for r in records(con, "kpis/root_causes", query)
        ],
        "releases": _single(
            records(con, "kpis/releases", query),
            (
                "incidents",
                "release_caused",
                "explicit",
                "window",
                "release_caused_share",
                "deploys",
                "deploys_with_incident",
                "change_failure_rate",
                "rollbacks",
            ),
        ),
        "runbooks": _single(
            records(con, "kpis/runbooks", query),
            ("incidents", "with_runbook", "without_runbook", "coverage"),
        ),
        "rca": _single(
            records(con, "kpis/rca", query),
            (
                "actions_due",
                "actions_on_time",
                "rca_adherence",
                "overdue_actions",
                "overdue_must_fix",
                "postmortems_due",
                "postmortems_on_time",
                "postmortem_on_time_share",
            ),
        ),
        "paging": _single(
            records(con, "kpis/paging", query),
            ("acknowledged", "acked_within_paging_window", "escalated", "escalation_rate"),
        ),
    }
    active = {k: v for k, v in (filters or Filters()).params().items() if v}
    if active:
        report["filters"] = active
    return report


def to_jsonable(value: Any) -> Any:
    """Dates and instants as ISO strings, for json.dumps."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
