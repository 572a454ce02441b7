"""The view every page shares — period, filters, evaluation instant — and its round trip through
the URL query parameters, so a copied link reproduces the view.

``ViewState`` is pure (parse, serialise, resolve the period) and tested without Streamlit; the
sidebar in ``app/sidebar.py`` reads and writes it.

URL parameters: ``period`` = ``7d`` | ``28d`` | ``90d`` (rolling, today included) | ``week``
(with ``week=2026-W10``) | ``custom`` (with ``since`` inclusive and ``until`` exclusive, as the
CLI's ``--since``/``--until``); ``severity``, ``service``, ``team``, ``source`` repeated for
several values; ``as_of`` pins the evaluation instant (ISO-8601), else "now".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from opskpi.metrics.period import (
    Filters,
    Period,
    parse_week,
    previous_full_week,
    week_label,
    week_of,
)

__all__ = ["ViewState", "parse_week", "previous_full_week", "week_label", "week_of"]

PRESETS = ("7d", "28d", "90d", "week", "custom")
ROLLING_DAYS = {"7d": 7, "28d": 28, "90d": 90}
DEFAULT_PRESET = "28d"
FILTER_PARAMS = ("severity", "service", "team", "source")
VIEW_PARAMS = ("period", "week", "since", "until", *FILTER_PARAMS, "as_of")


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "+").replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def now_minute() -> datetime:
    """Now, to the minute: the cache key of "now" changes once a minute, not on every rerun."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


@dataclass(frozen=True)
class ViewState:
    preset: str = DEFAULT_PRESET
    week: str | None = None
    since: date | None = None
    until: date | None = None  # exclusive
    severities: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    as_of: datetime | None = None

    # -- from and to the URL ---------------------------------------------------------------
    @classmethod
    def from_params(cls, params: Mapping[str, Sequence[str] | str]) -> ViewState:
        """Lenient: an unknown preset, a bad week or date is ignored (the default is used)."""

        def all_of(key: str) -> tuple[str, ...]:
            value = params.get(key, ())
            values = [value] if isinstance(value, str) else list(value)
            return tuple(dict.fromkeys(v for v in values if v))

        def one(key: str) -> str | None:
            values = all_of(key)
            return values[-1] if values else None

        preset = one("period") or DEFAULT_PRESET
        if preset not in PRESETS:
            preset = DEFAULT_PRESET
        week = one("week")
        week = week.upper() if week and parse_week(week) else None
        since, until = _date(one("since")), _date(one("until"))
        if since and until and until <= since:
            since = until = None
        return cls(
            preset=preset,
            week=week,
            since=since,
            until=until,
            severities=all_of("severity"),
            services=all_of("service"),
            teams=all_of("team"),
            sources=all_of("source"),
            as_of=_instant(one("as_of")),
        )

    def to_params(self) -> dict[str, str | list[str]]:
        """Only what differs from the defaults, so a default view has a clean URL."""
        out: dict[str, str | list[str]] = {}
        if self.preset != DEFAULT_PRESET:
            out["period"] = self.preset
        if self.preset == "week" and self.week:
            out["week"] = self.week
        if self.preset == "custom" and self.since and self.until:
            out["since"] = self.since.isoformat()
            out["until"] = self.until.isoformat()
        for key, values in zip(FILTER_PARAMS, self._filter_values(), strict=True):
            if values:
                out[key] = list(values)
        if self.as_of is not None:
            out["as_of"] = self.as_of.isoformat()
        return out

    def query_string(self, **extra: str) -> str:
        """The URL query of this view (plus page parameters such as ``incident``)."""
        return urlencode({**self.to_params(), **extra}, doseq=True)

    # -- what the KPI queries take ---------------------------------------------------------
    def _filter_values(self) -> tuple[tuple[str, ...], ...]:
        return (self.severities, self.services, self.teams, self.sources)

    def filters(self) -> Filters:
        def tup(values: tuple[str, ...]) -> tuple[str, ...] | None:
            return values or None

        return Filters(*(tup(v) for v in self._filter_values()))

    def evaluation_instant(self, now: datetime | None = None) -> datetime:
        return self.as_of or now or now_minute()

    def today(self, timezone: str, now: datetime | None = None) -> date:
        return self.evaluation_instant(now).astimezone(ZoneInfo(timezone)).date()

    def period(self, timezone: str, now: datetime | None = None) -> Period:
        as_of = self.evaluation_instant(now)
        if self.preset in ROLLING_DAYS:
            return Period.rolling(ROLLING_DAYS[self.preset], as_of, timezone)
        if self.preset == "week":
            chosen = parse_week(self.week) or parse_week(
                previous_full_week(self.today(timezone, now))
            )
            assert chosen is not None  # previous_full_week always names a valid week
            return Period.iso_week(*chosen, as_of)
        if self.since and self.until:
            return Period(self.since, self.until, as_of)
        return Period.rolling(ROLLING_DAYS[DEFAULT_PRESET], as_of, timezone)
