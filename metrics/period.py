"""Periods and filters, the two arguments of every KPI query."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

GRAINS = ("period", "week")
DIMENSIONS = ("service", "team", "source")


@dataclass(frozen=True)
class Period:
    """Days ``[since, until)`` in the reporting time zone, judged at the instant ``as_of``."""

    since: date
    until: date
    as_of: datetime

    def __post_init__(self) -> None:
        if self.until <= self.since:
            raise ValueError(
                f"empty period: until ({self.until}) must be after since ({self.since})"
            )
        if self.as_of.tzinfo is None:
            raise ValueError("as_of must carry a time zone (an instant), e.g. 2026-03-01T00:00Z")

    @classmethod
    def last_full_days(cls, days: int, as_of: datetime, timezone: str) -> Period:
        """The ``days`` full days before the day of ``as_of`` in the reporting time zone, today
        left out: the one default period of every surface (the CLI's 28 days, the app's 7, 28
        and 90 days, the exporter's 7d and 28d windows; docs/kpis.md, "The default period")."""
        today = as_of.astimezone(ZoneInfo(timezone)).date()
        return cls(today - timedelta(days=days), today, as_of)

    @classmethod
    def iso_week(cls, year: int, week: int, as_of: datetime) -> Period:
        monday = date.fromisocalendar(year, week, 1)
        return cls(monday, monday + timedelta(days=7), as_of)

    def previous(self) -> Period:
        """The period of the same length just before this one (for week-over-week changes)."""
        length = self.until - self.since
        return Period(self.since - length, self.since, self.as_of)


@dataclass(frozen=True)
class Filters:
    """Optional narrowing; ``None`` (or empty) means no filter on that field."""

    severities: tuple[str, ...] | None = None
    services: tuple[str, ...] | None = None
    teams: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None

    def params(self) -> dict[str, list[str] | None]:
        def norm(values: tuple[str, ...] | None) -> list[str] | None:
            return list(values) if values else None

        return {
            "severities": norm(self.severities),
            "services": norm(self.services),
            "teams": norm(self.teams),
            "sources": norm(self.sources),
        }


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Query:
    """Everything a KPI model binds: period, filters, grain and optional split dimension."""

    period: Period
    filters: Filters = field(default_factory=Filters)
    grain: str = "period"
    dimension: str | None = None

    def params(self) -> dict[str, object]:
        if self.grain not in GRAINS:
            raise ValueError(f"grain must be one of {GRAINS}, got {self.grain!r}")
        if self.dimension is not None and self.dimension not in DIMENSIONS:
            raise ValueError(f"dimension must be one of {DIMENSIONS}, got {self.dimension!r}")
        return {
            "since": self.period.since,
            "until": self.period.until,
            "as_of": self.period.as_of,
            "grain": self.grain,
            "dimension": self.dimension,
            **self.filters.params(),
        }


# -- ISO weeks ("2026-W10"), as the review and the app name them ----------------------------

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(text: str | None) -> tuple[int, int] | None:
    """``"2026-W10"`` → ``(2026, 10)``; None when it is not a valid ISO week."""
    match = _WEEK.match((text or "").strip().upper())
    if not match:
        return None
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        return None
    return year, week


def week_label(year: int, week: int) -> str:
    return f"{year}-W{week:02d}"


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return week_label(year, week)


def weeks_between(since: date, until: date) -> list[date]:
    """The Mondays of the ISO weeks that ``[since, until)`` touches, in order (the buckets of a
    weekly series: sql/macros/20_period_buckets.sql)."""
    monday = since - timedelta(days=since.weekday())
    out = []
    while monday < until:
        out.append(monday)
        monday += timedelta(days=7)
    return out


def partial_weeks(period: Period, timezone: str, data_since: date | None = None) -> frozenset[date]:
    """The weeks (Mondays) of ``period`` that a weekly series holds only in part: cut by the
    period's first or last day, not ended at ``as_of``, or begun before the first day of data.
    Their values are not comparable with whole weeks: charts draw them apart (docs/kpis.md §9)."""
    today = period.as_of.astimezone(ZoneInfo(timezone)).date()
    first = max(period.since, data_since) if data_since else period.since
    week = timedelta(days=7)
    return frozenset(
        monday
        for monday in weeks_between(period.since, period.until)
        if monday < first or monday + week > period.until or monday + week > today
    )


def previous_full_week(today: date) -> str:
    """The last ISO week that has ended before ``today`` (what a Monday review looks at)."""
    return week_of(today - timedelta(days=7))
