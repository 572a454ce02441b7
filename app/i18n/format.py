"""Numbers for people: durations like "4 min 12 s" or "1 h 05 min", shares like "87.5 %", and
"no data" (never 0) where nothing was measured."""

from __future__ import annotations

import math

NO_DATA = "no data"


def duration(seconds: float | None, *, no_data: str = NO_DATA) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return no_data
    sign = "-" if seconds < 0 else ""
    total = round(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days} d {hours:02d} h"
    if hours:
        return f"{sign}{hours} h {minutes:02d} min"
    if minutes:
        return f"{sign}{minutes} min {secs:02d} s" if secs else f"{sign}{minutes} min"
    return f"{sign}{secs} s"


def percent(share: float | None, *, digits: int = 1, no_data: str = NO_DATA) -> str:
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return no_data
    return f"{share * 100:.{digits}f} %"
