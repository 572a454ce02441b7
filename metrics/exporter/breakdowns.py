"""The exporter's per-team and per-service figures (docs/metrics-exporter.md): on-call load by
team and alert noise by service, for the names the config lists only, so the label values are
bounded by the config and never come from the data (and never name a person).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from opskpi.metrics.kpis import records
from opskpi.metrics.period import Filters, Period, Query
from opskpi.metrics.report import Noise, Oncall


@dataclass(frozen=True)
class ConfiguredNames:
    """The label values ``team`` and ``service`` may take: the config's, sorted."""

    teams: tuple[str, ...]
    services: tuple[str, ...]


@dataclass(frozen=True)
class Breakdowns:
    """One window's on-call load per configured team and noise per configured service; a name
    without any interruption or incident in the window is absent (its counts are 0)."""

    oncall_by_team: dict[str, Oncall]
    noise_by_service: dict[str, Noise]


def configured_names(con: duckdb.DuckDBPyConnection) -> ConfiguredNames:
    teams = con.execute(
        "select distinct team from cfg_services where team is not null order by team"
    ).fetchall()
    services = con.execute("select service from cfg_services order by service").fetchall()
    return ConfiguredNames(tuple(str(t) for (t,) in teams), tuple(str(s) for (s,) in services))


def read_breakdowns(
    con: duckdb.DuckDBPyConnection, period: Period, names: ConfiguredNames
) -> Breakdowns:
    oncall = records(con, "kpis/oncall", Query(period, Filters(), "period", "team"))
    noise = records(con, "kpis/noise", Query(period, Filters(), "period", "service"))
    return Breakdowns(
        oncall_by_team={
            row["dimension_value"]: Oncall.from_row(row)
            for row in oncall
            if row["dimension_value"] in names.teams
        },
        noise_by_service={
            row["dimension_value"]: Noise.from_row(row)
            for row in noise
            if row["dimension_value"] in names.services
        },
    )


def sleep_hours_share_threshold(con: duckdb.DuckDBPyConnection) -> float | None:
    """``[oncall] sleep_hours_share_threshold`` as the snapshot was built with it."""
    row = con.execute("select sleep_hours_share_threshold from cfg_oncall").fetchone()
    return None if row is None or row[0] is None else float(row[0])
