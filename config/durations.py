"""Durations as the policy writes them: ``90s``, ``5m``, ``4h``, ``7d``, ``3bd`` (business days)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|bd)\s*$")


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


def parse_duration(text: str, *, allow_business_days: bool = False) -> Duration:
    """Parse ``text``; raise ``ValueError`` saying what was expected."""
    expected = "a duration like '90s', '5m', '4h', '7d'" + (
        " or '3bd' (business days)" if allow_business_days else ""
    )
    if not isinstance(text, str):
        raise ValueError(f"expected {expected} as a string, got {text!r}")
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(f"expected {expected}, got {text!r}")
    number, unit = match.groups()
    if unit == "bd":
        if not allow_business_days:
            raise ValueError(
                f"business days are not allowed here: expected {expected}, got {text!r}"
            )
        if "." in number:
            raise ValueError(f"business days must be a whole number, got {text!r}")
        if int(number) < 1:
            raise ValueError(f"expected at least 1 business day, got {text!r}")
        return Duration(business_days=int(number))
    seconds = float(number) * _UNITS[unit]
    if seconds <= 0:
        raise ValueError(f"expected a positive duration, got {text!r}")
    return Duration(seconds=seconds)
