"""Sizes as the config writes them: ``4MB``, ``512KB``, ``4MiB``, or a number of bytes."""

from __future__ import annotations

import re

_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}
_PATTERN = re.compile(r"^\s*(\d{1,15}(?:\.\d{1,6})?)\s*([a-z]{0,3})\s*$", re.IGNORECASE)
_SHOWN = 40


def parse_size(value: object, *, minimum: int = 1, maximum: int | None = None) -> int:
    """Bytes; raise ``ValueError`` (and nothing else) saying what was expected."""
    expected = "a size like '4MB', '512KB', '4MiB' or a number of bytes"
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"expected {expected}, got {_shown(value)}")
    if isinstance(value, int):
        size = value
    else:
        match = _PATTERN.match(value)
        unit = match.group(2).lower() if match else ""
        if match is None or unit not in _UNITS:
            raise ValueError(f"expected {expected}, got {_shown(value)}")
        size = int(float(match.group(1)) * _UNITS[unit])
    if size < minimum:
        raise ValueError(f"expected at least {minimum:,} bytes, got {_shown(value)}")
    if maximum is not None and size > maximum:
        raise ValueError(f"expected at most {maximum:,} bytes, got {_shown(value)}")
    return size


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
