"""Hours of the day as the on-call policy writes them: ``"08:00-18:00"``, ``"22:00-08:00"``.

A range is ``[start, end)`` in local wall-clock time; when ``end`` is not after ``start`` it
wraps past midnight (``22:00-08:00`` is 22:00..24:00 and 00:00..08:00). ``24:00`` is allowed as
an end (``18:00-24:00``). docs/kpis.md §10 says how the on-call classes use them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CLOCK = r"([01]\d|2[0-4]):([0-5]\d)"
_RANGE = re.compile(rf"^\s*{_CLOCK}\s*-\s*{_CLOCK}\s*$")
DAY = 86400


@dataclass(frozen=True)
class ClockRange:
    """Seconds after local midnight: ``start`` included, ``end`` excluded (may wrap)."""

    start: int
    end: int

    @property
    def wraps(self) -> bool:
        return self.end <= self.start

    def contains(self, second: int) -> bool:
        """Whether ``second`` (0 ≤ s < 86400 after local midnight) falls in the range."""
        if self.wraps:
            return second >= self.start or second < self.end
        return self.start <= second < self.end

    def overlaps(self, other: ClockRange) -> bool:
        return any(self.contains(s) and other.contains(s) for s in _edges(self, other))

    def __str__(self) -> str:
        return f"{_text(self.start)}-{_text(self.end)}"


def _text(second: int) -> str:
    return f"{second // 3600:02d}:{second % 3600 // 60:02d}"


def _edges(*ranges: ClockRange) -> set[int]:
    """The minutes where membership can change: checking them decides any overlap."""
    return {edge % DAY for r in ranges for edge in (r.start, r.end)}


def parse_clock_range(text: object) -> ClockRange:
    """``"08:00-18:00"`` → ``ClockRange(28800, 64800)``; ``ValueError`` saying what was expected."""
    expected = "hours like '08:00-18:00' (start-end, local time; '22:00-08:00' wraps midnight)"
    if not isinstance(text, str):
        raise ValueError(f"expected {expected} as a string, got {text!r}")
    match = _RANGE.match(text)
    if not match:
        raise ValueError(f"expected {expected}, got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if start >= DAY:
        raise ValueError(f"a range cannot start at 24:00, got {text!r}")
    if end > DAY:
        raise ValueError(f"expected an end no later than 24:00, got {text!r}")
    if start == end % DAY:
        raise ValueError(f"expected a start and an end that differ, got {text!r}")
    return ClockRange(start, end)
