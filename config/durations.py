"""Durations as the policy writes them: ``90s``, ``5m``, ``4h``, ``7d``, ``3bd`` (business days)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|bd)\s*$")
# Sane bounds: nothing opskpi times (look-backs, SLA targets, windows, timeouts) is longer than
# a century of wall-clock time, and business days stay within the calendar the build writes
# (1990 to five years ahead, docs/architecture.md). Beyond them a value is a typo, and date
# arithmetic on it would overflow far from the config (``initial_lookback = "99999999999d"``).
MAX_SECONDS = 100 * 365 * 86400
MAX_BUSINESS_DAYS = 1000
_SHOWN = 40  # characters of a bad value repeated in an error: never the whole of it


@dataclass(frozen=True)
class Duration:
    """A span of wall-clock seconds, or a whole number of business days (never both)."""

    seconds: float | None = None
    business_days: int | None = None

    @property
    def is_business_days(self) -> bool:
        return self.business_days is not None

    def __str__(self) -> str:
        if self.business_days is not None:
            return f"{self.business_days}bd"
        assert self.seconds is not None
        for unit in ("d", "h", "m"):
            size = _UNITS[unit]
            if self.seconds >= size and self.seconds % size == 0:
                return f"{int(self.seconds // size)}{unit}"
        return f"{self.seconds:g}s"


def _shown(value: object) -> str:
    """``repr(value)``, cut short: a message never repeats an unbounded value."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def parse_duration(text: str, *, allow_business_days: bool = False) -> Duration:
    """Parse ``text``; raise ``ValueError`` (and nothing else) saying what was expected."""
    expected = "a duration like '90s', '5m', '4h', '7d'" + (
        " or '3bd' (business days)" if allow_business_days else ""
    )
    if not isinstance(text, str):
        raise ValueError(f"expected {expected} as a string, got {_shown(text)}")
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(f"expected {expected}, got {_shown(text)}")
    number, unit = match.groups()
    if len(number) > 20:  # far beyond any bound below, and too long to convert cheaply
        raise ValueError(f"expected {expected} of a sane size, got {_shown(text)}")
    if unit == "bd":
        if not allow_business_days:
            raise ValueError(
                f"business days are not allowed here: expected {expected}, got {_shown(text)}"
            )
        if "." in number:
            raise ValueError(f"business days must be a whole number, got {_shown(text)}")
        days = int(number)
        if days < 1:
            raise ValueError(f"expected at least 1 business day, got {_shown(text)}")
        if days > MAX_BUSINESS_DAYS:
            raise ValueError(
                f"expected at most {MAX_BUSINESS_DAYS} business days, got {_shown(text)}"
            )
        return Duration(business_days=days)
    seconds = float(number) * _UNITS[unit]
    if seconds <= 0:
        raise ValueError(f"expected a positive duration, got {_shown(text)}")
    if seconds > MAX_SECONDS:
        raise ValueError(
            f"expected a duration of at most {MAX_SECONDS // 86400}d (100 years), "
            f"got {_shown(text)}"
        )
    return Duration(seconds=seconds)
