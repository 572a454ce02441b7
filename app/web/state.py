"""The view every page shares — period, filters, evaluation instant — and its round trip through
the URL query parameters, so a copied link reproduces the view.

``ViewState`` is pure (parse, serialise, resolve the period) and tested without Streamlit; the
sidebar in ``app/web/sidebar.py`` reads and writes it.

URL parameters: ``period`` = ``7d`` | ``28d`` | ``90d`` (the N full days before today in the
reporting time zone, today left out: the CLI's default, docs/kpis.md "The default period") |
``week`` (with ``week=2026-W10``) | ``custom`` (with ``since`` inclusive and ``until`` exclusive,
as the CLI's ``--since``/``--until``); ``severity``, ``service``, ``team``, ``source`` repeated
for several values; ``as_of`` pins the evaluation instant (ISO-8601), else "now".

A URL is input from anywhere (a stale link, a hand edit): ``ViewState.parse`` never fails on
it. Each value it cannot use is left out, reported as a ``UrlProblem`` (the sidebar shows it as
a warning naming the value and what the parameter accepts), and the default is used instead.
Days (``since``, ``until``, a week, the day of ``as_of``) must lie between ``MIN_DAY`` and
``MAX_DAY``, so every period, the one before it and the sidebar's date picker are valid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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

__all__ = [
    "UrlProblem",
    "ViewState",
    "ViewStateError",
    "parse_week",
    "previous_full_week",
    "valid_week",
    "week_label",
    "week_of",
]

PRESETS = ("7d", "28d", "90d", "week", "custom")
ROLLING_DAYS = {"7d": 7, "28d": 28, "90d": 90}
DEFAULT_PRESET = "28d"
FILTER_PARAMS = ("severity", "service", "team", "source")
VIEW_PARAMS = ("period", "week", "since", "until", *FILTER_PARAMS, "as_of")
MIN_DAY = date(1970, 1, 1)  # since ≥ MIN_DAY, until ≤ MAX_DAY (exclusive), since < until
MAX_DAY = date(2999, 12, 31)
# the day of as_of: far enough inside that every preset, the custom range's default and the
# period before each of them stay within the range
MIN_AS_OF_DAY = date(1971, 1, 1)
SHOWN_CHARS = 60  # a value quoted back in a warning is cut to this length


class ViewStateError(ValueError):
    """A view that cannot be resolved. ``ViewState.parse`` reports bad URL values instead of
    raising; this is the only error the module raises (e.g. ``period()`` with a time zone that
    does not exist)."""


@dataclass(frozen=True)
class UrlProblem:
    """A URL parameter value that was left out: which parameter, the value (cut and flattened
    for quoting), and what the parameter accepts. ``kind`` names the rule: ``preset``, ``week``,
    ``date``, ``range`` (until not after since), ``instant``, ``filter`` (``valid`` lists the
    known values) or ``incident``/``review_week`` (page parameters)."""

    param: str
    value: str
    kind: str
    valid: tuple[str, ...] = ()


def shown(value: str) -> str:
    """A URL value fit to quote: control characters as spaces, at most ``SHOWN_CHARS``."""
    flat = "".join(" " if not c.isprintable() else c for c in value)
    return flat if len(flat) <= SHOWN_CHARS else flat[: SHOWN_CHARS - 1] + "…"


def in_range(day: date) -> bool:
    return MIN_DAY <= day <= MAX_DAY


def _date(text: str | None, low: date, high: date) -> date | None:
    try:
        day = date.fromisoformat(text.strip()) if text else None
    except ValueError:
        return None
    return day if day is not None and low <= day <= high else None


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "+").replace("Z", "+00:00"))
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    # a day of margin above: the day of as_of in any time zone stays within the range
    if not MIN_AS_OF_DAY <= value.date() <= MAX_DAY - timedelta(days=1):
        return None
    return value


def valid_week(text: str | None) -> str | None:
    """``"2026-w10"`` → ``"2026-W10"`` when it names an ISO week within the day range."""
    parsed = parse_week(text)
    if parsed is None:
        return None
    monday = date.fromisocalendar(*parsed, 1)
    if not (in_range(monday) and in_range(monday + timedelta(days=6))):
        return None
    return week_label(*parsed)


def now_minute() -> datetime:
    """Now, to the minute: the cache key of "now" changes once a minute, not on every rerun."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


def _values(params: Mapping[str, Sequence[str] | str], key: str) -> list[str]:
    """Every value of ``key``, as strings (a mapping from anywhere may hold other types)."""
    value: object = params.get(key)
    if value is None:
        return []
    items: list[object]
    if isinstance(value, str | bytes):
        items = [value]
    else:
        try:
            items = list(value)  # type: ignore[call-overload]
        except TypeError:
            items = [value]
    out = []
    for item in items:
        text = item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        if text:
            out.append(text)
    return out


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
        return cls.parse(params)[0]

    @classmethod
    def parse(
        cls,
        params: Mapping[str, Sequence[str] | str],
        known: Mapping[str, Sequence[str]] | None = None,
    ) -> tuple[ViewState, tuple[UrlProblem, ...]]:
        """The view the URL describes, and every value that had to be left out.

        ``known`` (filter parameter → its known values) drops and reports filter values outside
        it; without it filter values are taken as they come."""
        problems: list[UrlProblem] = []

        def all_of(key: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(_values(params, key)))

        def one(key: str) -> str | None:
            values = _values(params, key)
            return values[-1] if values else None

        def report(key: str, value: str, kind: str, valid: Sequence[str] = ()) -> None:
            problems.append(UrlProblem(key, shown(value), kind, tuple(valid)))

        preset = one("period") or DEFAULT_PRESET
        if preset not in PRESETS:
            report("period", preset, "preset", PRESETS)
            preset = DEFAULT_PRESET
        raw_week = one("week")
        week = valid_week(raw_week)
        if raw_week and week is None:
            report("week", raw_week, "week")
        raw_since, raw_until = one("since"), one("until")
        since = _date(raw_since, MIN_DAY, MAX_DAY - timedelta(days=1))
        until = _date(raw_until, MIN_DAY + timedelta(days=1), MAX_DAY)
        for key, raw, day in (("since", raw_since, since), ("until", raw_until, until)):
            if raw and day is None:
                report(key, raw, "date")
        if since and until and until <= since:
            report("until", raw_until or "", "range")
            since = until = None
        raw_as_of = one("as_of")
        as_of = _instant(raw_as_of)
        if raw_as_of and as_of is None:
            report("as_of", raw_as_of, "instant")
        chosen: dict[str, tuple[str, ...]] = {}
        for key in FILTER_PARAMS:
            values = all_of(key)
            if known is not None:
                allowed = set(known.get(key, ()))
                for value in values:
                    if value not in allowed:
                        report(key, value, "filter", sorted(allowed))
                values = tuple(v for v in values if v in allowed)
            chosen[key] = values
        view = cls(
            preset=preset,
            week=week,
            since=since,
            until=until,
            severities=chosen["severity"],
            services=chosen["service"],
            teams=chosen["team"],
            sources=chosen["source"],
            as_of=as_of,
        )
        return view, tuple(problems)

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
        try:
            zone = ZoneInfo(timezone)
        except (ValueError, OSError, KeyError) as exc:
            raise ViewStateError(f"unknown time zone {timezone!r}") from exc
        return self.evaluation_instant(now).astimezone(zone).date()

    def period(self, timezone: str, now: datetime | None = None) -> Period:
        """The period of the view; whatever it holds, a valid one (else the default's)."""
        as_of = self.evaluation_instant(now)
        self.today(timezone, now)  # the time zone exists
        default = Period.last_full_days(ROLLING_DAYS[DEFAULT_PRESET], as_of, timezone)
        if self.preset in ROLLING_DAYS:
            return Period.last_full_days(ROLLING_DAYS[self.preset], as_of, timezone)
        if self.preset == "week":
            chosen = parse_week(valid_week(self.week)) or parse_week(
                previous_full_week(self.today(timezone, now))
            )
            assert chosen is not None  # previous_full_week always names a valid week
            return Period.iso_week(*chosen, as_of)
        if (
            self.preset == "custom"
            and self.since
            and self.until
            and self.since < self.until
            and in_range(self.since)
            and in_range(self.until)
        ):
            return Period(self.since, self.until, as_of)
        return default
