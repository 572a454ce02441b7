"""Time helpers shared by the generator and the renderers."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

ACCOUNT_TZ_NAME = "America/Sao_Paulo"


@lru_cache(maxsize=64)
def zone(name: str) -> tzinfo:
    """A tzinfo by IANA name (``UTC``/``Etc/UTC`` included); raises KeyError if unknown."""
    if name in ("UTC", "Etc/UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except Exception as exc:  # ZoneInfoNotFoundError, ValueError on odd names
        raise KeyError(name) from exc


def iso_seconds(dt: datetime, tz: tzinfo = UTC) -> str:
    """``2024-04-01T10:00:00Z`` in UTC, ``2024-04-01T07:00:00-03:00`` elsewhere."""
    local = dt.astimezone(tz).replace(microsecond=0)
    if tz is UTC:
        return local.strftime("%Y-%m-%dT%H:%M:%SZ")
    return local.isoformat()


def iso_millis(dt: datetime) -> str:
    """Opsgenie style: ``2024-04-01T10:00:00.123Z``."""
    utc = dt.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def iso_naive(dt: datetime, tz: tzinfo) -> str:
    """PagerDuty analytics style: zone-less local time, ``2023-05-31T10:05:00``."""
    return dt.astimezone(tz).replace(tzinfo=None, microsecond=0).isoformat()


def epoch_ms(dt: datetime) -> int:
    return round(dt.timestamp() * 1000)


def from_epoch_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def parse_instant(value: str, default_tz: tzinfo) -> datetime:
    """Parse ISO 8601; zone-less values (and bare dates) are read in ``default_tz``.

    Raises ValueError on anything unparseable.
    """
    text = value.strip()
    if not text:
        raise ValueError("empty timestamp")
    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime.combine(day, time(0), tzinfo=default_tz).astimezone(UTC)
    parsed = datetime.fromisoformat(text.replace("z", "Z"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed.astimezone(UTC)


def add_months(dt: datetime, months: int) -> datetime:
    """Calendar month arithmetic, clamping the day (Jan 31 + 1 month = Feb 28/29)."""
    index = dt.month - 1 + months
    year, month = dt.year + index // 12, index % 12 + 1
    day = min(dt.day, calendar.monthrange(year, month)[1])
    return dt.replace(year=year, month=month, day=day)


def local_date(dt: datetime, tz: tzinfo) -> date:
    return dt.astimezone(tz).date()


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """00:00 of ``day`` in ``tz``, as UTC."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


@lru_cache(maxsize=8)
def _holidays(country: str, first_year: int, last_year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays(country, years=range(first_year, last_year + 1)))


def is_business_day(day: date, country: str = "BR") -> bool:
    if day.weekday() >= 5:
        return False
    return day not in _holidays(country, day.year - 1, day.year + 1)


def business_days_deadline(
    resolved_at: datetime, days: int, tz: tzinfo, country: str = "BR"
) -> datetime:
    """End (24:00 local) of the ``days``-th business day after the resolution's local date."""
    day = local_date(resolved_at, tz)
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day, country):
            counted += 1
    return local_midnight(day + timedelta(days=1), tz)
