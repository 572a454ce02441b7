"""Helpers shared by the commands: loading settings, parsing dates and instants, the filter
options and their check against the snapshot."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from opskpi.config import Settings, load_settings

if TYPE_CHECKING:
    import duckdb

    from opskpi.metrics.period import Filters, Period

USAGE_ERROR = 2  # what argparse exits with on a bad option: a bad filter value is one too


class CommandError(Exception):
    """A command failed in a way its message fully explains (exit code attached)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def settings_of(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "config", None))


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}: expected a date like 2026-03-01, got {text!r}") from None


def parse_instant(text: str, option: str) -> datetime:
    """An ISO-8601 instant; a date or a time without offset is read as UTC."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(
            f"{option}: expected an ISO-8601 instant like 2026-03-01T00:00:00Z, got {text!r}"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "filters (repeatable)",
        "A value the snapshot does not know exits 2, naming the known ones. --team narrows "
        "deploys to the Argo CD apps of the team's services ([services.X] team).",
    )
    group.add_argument("--severity", action="append", metavar="SEV", help="sev1..sev4, unknown")
    group.add_argument("--service", action="append", metavar="NAME")
    group.add_argument("--team", action="append", metavar="NAME")
    group.add_argument(
        "--source",
        action="append",
        dest="source_filter",
        metavar="NAME",
        help="pagerduty, opsgenie, jsm",
    )


def filters_of(args: argparse.Namespace) -> Any:
    from opskpi.metrics.period import Filters

    def tup(values: list[str] | None) -> tuple[str, ...] | None:
        return tuple(values) if values else None

    return Filters(
        severities=tup(args.severity),
        services=tup(args.service),
        teams=tup(args.team),
        sources=tup(getattr(args, "source_filter", None)),
    )


def check_filters(con: duckdb.DuckDBPyConnection, filters: Filters) -> None:
    """Refuse filter values the snapshot does not know (exit 2), naming each with the known
    ones, instead of printing empty tables."""
    from opskpi.metrics.filter_values import known_values, unknown_values

    unknown = unknown_values(filters, known_values(con))
    if unknown:
        raise CommandError("; ".join(u.message() for u in unknown), USAGE_ERROR)


def team_deploys_note(
    con: duckdb.DuckDBPyConnection, period: Period, filters: Filters
) -> str | None:
    """With a team filter, the applications whose team the mapping cannot decide (docs/kpis.md,
    "Team filter and deploys"), as one line for stderr; None when there are none."""
    if not filters.teams:
        return None
    from opskpi.metrics.lists import undecided_team_apps

    frame = undecided_team_apps(con, period, filters)
    parts = []
    for row in frame[frame["mapping"] == "shared"].to_dict("records"):
        teams = ", ".join(row["teams"])
        parts.append(
            f"{row['app']} serves several teams ({teams}): its {row['deploys']} deploy(s) "
            "count for each"
        )
    unmapped = frame[frame["mapping"] == "none"]
    if not unmapped.empty:
        parts.append(
            f"no team is mapped for {', '.join(unmapped['app'])}: their "
            f"{int(unmapped['deploys'].sum())} deploy(s) count for no team"
        )
    if not parts:
        return None
    return (
        "note: with --team, deploys are those of the Argo CD apps mapped to the team's "
        "services; " + "; ".join(parts)
    )
