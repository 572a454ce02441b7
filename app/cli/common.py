"""Helpers shared by the commands: loading settings, parsing dates and instants."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from typing import Any

from opskpi.config import Settings, load_settings


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
    group = parser.add_argument_group("filters (repeatable)")
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
