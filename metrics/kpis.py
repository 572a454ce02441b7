"""The KPI API: one function per KPI group, each running its ``sql/kpis/*.sql`` model with bound
parameters and returning a DataFrame (weekly series, splits by service, team or source);
``build_report`` reads every group of one period at once with ``sql/kpis/report.sql`` (one
statement) into the typed ``KpiReport`` (``metrics/report.py``), whose ``to_json()`` is
``opskpi kpis --json``.

All KPI logic is SQL. Python only binds parameters and reshapes rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import duckdb
import pandas as pd

from opskpi import sql
from opskpi.metrics.period import Filters, Period, Query
from opskpi.metrics.report import KpiReport
from opskpi.metrics.sources import source_statuses

_PARAM = re.compile(r"\$([a-z_]+)")


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


def oncall(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters | None = None,
    *,
    grain: str = "period",
    dimension: str | None = None,
) -> pd.DataFrame:
    """Interruptions by class, people interrupted, sleep-hour share (docs/kpis.md §10)."""
    return frame(con, "kpis/oncall", Query(period, filters or Filters(), grain, dimension))


def noise(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters | None = None,
    *,
    grain: str = "period",
    dimension: str | None = None,
) -> pd.DataFrame:
    """Resolved-unacknowledged and flapping shares, alerts per incident (docs/kpis.md §11)."""
    return frame(con, "kpis/noise", Query(period, filters or Filters(), grain, dimension))


def oncall_people(
    con: duckdb.DuckDBPyConnection, period: Period, filters: Filters | None = None
) -> pd.DataFrame:
    """Interruptions per person by class, the most woken first (app and review only)."""
    return frame(con, "kpis/oncall_people", Query(period, filters or Filters()))


def oncall_hours(
    con: duckdb.DuckDBPyConnection, period: Period, filters: Filters | None = None
) -> pd.DataFrame:
    """Interruptions per local weekday (1 = Monday) and hour: every cell, zeros included."""
    return frame(con, "kpis/oncall_hours", Query(period, filters or Filters()))


# -- the report ---------------------------------------------------------------------------------

REPORT = "kpis/report"


@dataclass(frozen=True)
class ReportRows:
    """What ``sql/kpis/report.sql`` gives for one period: each group's rows under the name of
    the group's query (``"kpis/releases"``), and the reporting time zone. A group the statement
    does not have (a new one, docs/architecture.md) is read with its own query."""

    timezone: str
    groups: Mapping[str, Sequence[Mapping[str, Any]]]
    con: duckdb.DuckDBPyConnection
    query: Query

    def read(self, name: str) -> Sequence[Mapping[str, Any]]:
        """The rows of group query ``name`` (a ``ReadRows`` for ``KpiReport.read``)."""
        if name in self.groups:
            return self.groups[name]
        return records(self.con, name, self.query)


def report_rows(con: duckdb.DuckDBPyConnection, query: Query) -> ReportRows:
    """Every group of ``query``'s period (grain ``period``, no dimension) in one statement."""
    cur = run_query(con, REPORT, query.params())
    columns = [d[0] for d in cur.description]
    (row,) = cur.fetchall()
    values = dict(zip(columns, row, strict=True))
    timezone = str(values.pop("timezone"))
    groups = {f"kpis/{name}": rows for name, rows in values.items()}
    return ReportRows(timezone, groups, con, query)


def build_report(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters | None = None,
    *,
    timezone: str | None = None,
) -> KpiReport:
    """Every KPI of docs/kpis.md for ``period``, as types: one statement for the KPIs
    (``sql/kpis/report.sql``), one for the sources' sync status."""
    filters = filters or Filters()
    rows = report_rows(con, Query(period, filters))
    sources = source_statuses(con, period.as_of)
    return KpiReport.read(
        rows.read, period, filters, rows.timezone if timezone is None else timezone, sources
    )


def kpi_report(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters | None = None,
    *,
    timezone: str | None = None,
) -> dict[str, Any]:
    """The ``opskpi kpis --json`` object of ``period`` (``build_report(...).to_json()``)."""
    return build_report(con, period, filters, timezone=timezone).to_json()


def to_jsonable(value: Any) -> Any:
    """Dates and instants as ISO strings, for json.dumps."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
