"""Teams side by side: one row per team of the period's headline KPIs, each from the same KPI
query as everywhere else (docs/kpis.md), split by the incident's team or filtered to it.

- incidents, MTTA/MTTR median and p90, SLA compliance: ``kpis/response_times`` by team (its
  ``all`` row);
- interruptions and the sleep-hour share: ``kpis/oncall`` by team (§10);
- the flapping share: ``kpis/noise`` by team (§11);
- the change failure rate through the team's apps and the overdue must-fix actions: the
  releases and RCA queries with the team as a filter, so they count what the Releases and
  Corrective actions pages count for that team.

The teams are those of the period's incidents and interruptions and those named in the config
(``[services.<name>] team``), unless a team filter names them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import duckdb

from opskpi.config.vocabulary import POOLED
from opskpi.metrics.kpis import records
from opskpi.metrics.period import Filters, Period, Query
from opskpi.metrics.report import Rca, ReadRows, Releases


@dataclass(frozen=True)
class TeamRow:
    """One team's headline KPIs for the period (None: nothing measured)."""

    team: str
    incidents: int
    tta_median: float | None
    tta_p90: float | None
    ttr_median: float | None
    ttr_p90: float | None
    ack_sla_compliance: float | None
    resolve_sla_compliance: float | None
    deploys: int
    deploys_with_incident: int
    change_failure_rate: float | None
    interruptions: int
    sleep_hours: int
    sleep_hours_share: float | None
    flapping: int
    flapping_share: float | None
    overdue_must_fix: int


def _by_team(rows: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(row["dimension_value"]): row for row in rows if row["dimension_value"] is not None}


def configured_teams(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The teams the config names (``[services.<name>] team``), sorted."""
    rows = con.execute(
        "select distinct team from cfg_services where team is not null order by team"
    ).fetchall()
    return [str(row[0]) for row in rows]


def team_comparison(
    con: duckdb.DuckDBPyConnection, period: Period, filters: Filters | None = None
) -> tuple[TeamRow, ...]:
    """Every team's row, the most incidents first (then by name)."""
    filters = filters or Filters()

    def split(name: str) -> dict[str, Mapping[str, Any]]:
        return _by_team(records(con, name, Query(period, filters, "period", "team")))

    # response_times gives a row per severity and team: the pooled row is the team's
    pooled = _by_team(
        row
        for row in records(con, "kpis/response_times", Query(period, filters, "period", "team"))
        if row["severity"] == POOLED
    )
    oncall, noise = split("kpis/oncall"), split("kpis/noise")
    teams = set(pooled) | set(oncall) | set(configured_teams(con))
    if filters.teams:
        teams &= set(filters.teams)
    rows = []
    for team in teams:
        read_team = _reader(con, Query(period, replace(filters, teams=(team,))))
        releases, rca = Releases.read(read_team), Rca.read(read_team)
        times_row, oncall_row, noise_row = pooled.get(team), oncall.get(team), noise.get(team)
        rows.append(
            TeamRow(
                team=team,
                incidents=int(times_row["incidents"]) if times_row else 0,
                tta_median=_value(times_row, "tta_median"),
                tta_p90=_value(times_row, "tta_p90"),
                ttr_median=_value(times_row, "ttr_median"),
                ttr_p90=_value(times_row, "ttr_p90"),
                ack_sla_compliance=_value(times_row, "ack_sla_compliance"),
                resolve_sla_compliance=_value(times_row, "resolve_sla_compliance"),
                deploys=releases.deploys,
                deploys_with_incident=releases.deploys_with_incident,
                change_failure_rate=releases.change_failure_rate,
                interruptions=int(oncall_row["interruptions"]) if oncall_row else 0,
                sleep_hours=int(oncall_row["sleep_hours"]) if oncall_row else 0,
                sleep_hours_share=_value(oncall_row, "sleep_hours_share"),
                flapping=int(noise_row["flapping"]) if noise_row else 0,
                flapping_share=_value(noise_row, "flapping_share"),
                overdue_must_fix=rca.overdue_must_fix,
            )
        )
    return tuple(sorted(rows, key=lambda row: (-row.incidents, row.team)))


def _reader(con: duckdb.DuckDBPyConnection, query: Query) -> ReadRows:
    def read(name: str) -> list[dict[str, Any]]:
        return records(con, name, query)

    return read


def _value(row: Mapping[str, Any] | None, column: str) -> float | None:
    if row is None or row[column] is None:
        return None
    value = float(row[column])
    return None if value != value else value  # NaN: no data
