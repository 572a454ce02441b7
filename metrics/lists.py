"""List queries for the app and the weekly report: ``sql/queries/*.sql`` run with bound
parameters, returning DataFrames (incident lists, one incident's timeline, actions, deploys,
data health).

Lists only select and order rows; every count, share and percentile shown next to them comes
from ``sql/kpis/*`` (``metrics.kpis``), so the app, the CLI and the exporter agree.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import duckdb
import pandas as pd

from opskpi import sql
from opskpi.metrics.kpis import run_query
from opskpi.metrics.period import Filters, Period, Query
from opskpi.sql.session import scalar

QUERIES = sorted(p.stem for p in (sql.SQL_DIR / "queries").glob("*.sql"))
OrderBy = Literal["created", "tta", "ttr", "severity"]


def list_frame(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Run ``sql/queries/<name>.sql`` binding only the parameters it names."""
    if name not in QUERIES:
        raise ValueError(f"no list query {name!r}: expected one of {QUERIES}")
    return run_query(con, f"queries/{name}", params or {}).df()


def scoped(period: Period, filters: Filters | None = None) -> dict[str, Any]:
    """The parameters every period-scoped list binds: since, until, as_of and the filters."""
    return Query(period, filters or Filters()).params()


def incidents(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters | None = None,
    *,
    search: str | None = None,
    root_cause: str | None = None,
    without_runbook: bool | None = None,
    include_merged: bool = False,
    order_by: OrderBy = "created",
    limit: int = 1000,
) -> pd.DataFrame:
    params = scoped(period, filters) | {
        "search": (search or "").strip() or None,
        "root_cause": root_cause,
        "without_runbook": without_runbook,
        "include_merged": include_merged,
        "order_by": order_by,
        "limit": limit,
    }
    return list_frame(con, "incident_list", params)


def incident(con: duckdb.DuckDBPyConnection, incident_key: str) -> dict[str, Any] | None:
    """One incident's detail row as plain values, or None when the key is unknown."""
    cur = run_query(con, "queries/incident_detail", {"incident_key": incident_key})
    columns = [d[0] for d in cur.description]
    row = cur.fetchone()
    return None if row is None else dict(zip(columns, row, strict=True))


def incident_timeline(con: duckdb.DuckDBPyConnection, incident_key: str) -> pd.DataFrame:
    return list_frame(con, "incident_timeline", {"incident_key": incident_key})


def incident_postmortems(con: duckdb.DuckDBPyConnection, incident_key: str) -> pd.DataFrame:
    return list_frame(con, "incident_postmortems", {"incident_key": incident_key})


def actions(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    filters: Filters | None = None,
    *,
    due_since: date | None = None,
    due_until: date | None = None,
    only_open: bool = False,
    only_overdue: bool = False,
    only_must_fix: bool = False,
    incident_key: str | None = None,
    include_cancelled: bool = False,
) -> pd.DataFrame:
    """Corrective actions, optionally by due date in ``[due_since, due_until)``."""
    params = (filters or Filters()).params() | {
        "since": due_since,
        "until": due_until,
        "as_of": as_of,
        "only_open": only_open,
        "only_overdue": only_overdue,
        "only_must_fix": only_must_fix,
        "incident_key": incident_key,
        "include_cancelled": include_cancelled,
    }
    return list_frame(con, "actions_list", params)


def overdue_by_owner(
    con: duckdb.DuckDBPyConnection, period: Period | None, filters: Filters | None, as_of: datetime
) -> pd.DataFrame:
    """Overdue actions per owner, for actions due in ``period`` (all of them when None)."""
    params = (filters or Filters()).params() | {
        "since": period.since if period else None,
        "until": period.until if period else None,
        "as_of": as_of,
    }
    return list_frame(con, "overdue_by_owner", params)


def postmortem_status(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters | None = None,
    *,
    only_problems: bool = True,
) -> pd.DataFrame:
    return list_frame(
        con, "postmortem_status", scoped(period, filters) | {"only_problems": only_problems}
    )


def period_list(
    con: duckdb.DuckDBPyConnection, name: str, period: Period, filters: Filters | None = None
) -> pd.DataFrame:
    """A list that takes only the period and the filters (deploys, timeline, failures)."""
    return list_frame(con, name, scoped(period, filters))


def undecided_team_apps(
    con: duckdb.DuckDBPyConnection, period: Period, filters: Filters | None = None
) -> pd.DataFrame:
    """The applications with deploys in ``period`` whose team the mapping cannot decide
    (docs/kpis.md, "Team filter and deploys"): ``shared`` (mapped to services of several teams:
    their deploys count for each) or ``none`` (no team: left out by any team filter). With a
    team filter, a shared app is listed only when it serves one of the filtered teams."""
    frame = period_list(con, "deploy_app_teams", period, filters)
    frame = frame[frame["mapping"] != "team"]
    teams = set((filters or Filters()).teams or ())
    if teams and not frame.empty:
        serves = [bool(teams & set(listed)) for listed in frame["teams"]]
        frame = frame[(frame["mapping"] == "none") | pd.Series(serves, index=frame.index)]
    return frame.reset_index(drop=True)


def policy_targets(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, float | None]]:
    """Ack and resolve targets per severity in seconds (None: the policy sets none)."""
    rows = run_query(con, "queries/policy_targets", {}).fetchall()
    return {row[0]: {"ack": row[1], "resolve": row[2]} for row in rows}


def taxonomy_labels(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Root-cause key → the configured label, in display order."""
    return dict(run_query(con, "queries/taxonomy", {}).fetchall())


# -- the weekly review's briefing (docs/kpis.md §9) ----------------------------------------------


def open_breaching(
    con: duckdb.DuckDBPyConnection, as_of: datetime, filters: Filters | None = None
) -> pd.DataFrame:
    """Every incident open at ``as_of`` past its resolve target, or unacknowledged past its ack
    target, whatever period it was created in (``queries/open_breaching``)."""
    return list_frame(con, "open_breaching", (filters or Filters()).params() | {"as_of": as_of})


def postmortems_late_now(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    filters: Filters | None = None,
    *,
    deadline_since: datetime | None = None,
) -> pd.DataFrame:
    """Incidents whose postmortem deadline passed before ``as_of`` with none published; only
    deadlines from ``deadline_since`` on when given (``queries/postmortems_late_now``)."""
    params = (filters or Filters()).params() | {"as_of": as_of, "deadline_since": deadline_since}
    return list_frame(con, "postmortems_late_now", params)


def reporting_timezone(con: duckdb.DuckDBPyConnection) -> str:
    """The reporting time zone the snapshot was built with (``[report] timezone``)."""
    return str(scalar(con, "select timezone from cfg_settings"))
