"""Time windows for JSM Operations' alert listing, and the loop that pages them under its cap.

``GET /v1/alerts`` pages by ``offset`` and ``size`` (at most 100), and refuses a request whose
``offset + size`` is not lower than 20,000: the rest of a crowded listing is unreachable, never
"the end of the data". So, as with PagerDuty's 10,000 (``etl/sources/pagerduty/windows.py``),
the span is listed in windows of ``createdAt`` (epoch milliseconds, in the search ``query``),
oldest first; a window whose first page counts more alerts than can be paged is split by time
into parts, recursively. Without a ``count`` in the answer a window is paged until the next
page would pass the cap, then split (the parts yield those alerts again: landing is an
idempotent upsert). A window of one millisecond cannot be split: that is an error.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from opskpi.etl.errors import DataError

OFFSET_CAP = 20_000  # offset + size must be lower than this
PAGE_SIZE = 100  # the API's maximum size
SPLIT_SHARE = 0.8  # a split aims at parts this full of what one window can page


def epoch_ms(moment: datetime) -> int:
    """An aware instant as whole epoch milliseconds (the search syntax's unit)."""
    return int(moment.astimezone(UTC).timestamp() * 1000)


@dataclass(frozen=True)
class Window:
    """``createdAt`` in ``[start_ms, end_ms)``."""

    start_ms: int
    end_ms: int

    def query(self) -> str:
        return f"createdAt>={self.start_ms} AND createdAt<{self.end_ms}"

    @property
    def span(self) -> int:
        return self.end_ms - self.start_ms

    def split(self, parts: int) -> list[Window]:
        """``parts`` consecutive windows of (nearly) equal length, each at least 1 ms."""
        parts = max(1, min(parts, self.span))
        edges = [self.start_ms + self.span * i // parts for i in range(parts)] + [self.end_ms]
        return [Window(a, b) for a, b in itertools.pairwise(edges) if a < b]

    def __str__(self) -> str:
        start = datetime.fromtimestamp(self.start_ms / 1000, UTC).isoformat()
        end = datetime.fromtimestamp(self.end_ms / 1000, UTC).isoformat()
        return f"[{start}, {end})"


def reachable(size: int, cap: int = OFFSET_CAP) -> int:
    """How many alerts one window can page: pages of ``size`` while ``offset + size < cap``."""
    if size >= cap:
        return 0
    return ((cap - size - 1) // size) * size + size


def parts_for(count: int, size: int, cap: int = OFFSET_CAP) -> int:
    """How many parts a window holding ``count`` alerts is split into (1: no split)."""
    most = reachable(size, cap)
    if count <= most:
        return 1
    return max(2, math.ceil(count / max(1, int(most * SPLIT_SHARE))))


Fetch = Callable[[dict[str, Any]], tuple[dict[str, Any], str]]  # params → (body, where)


class Page(NamedTuple):
    items: list[Any]
    where: str  # the request, sanitised: for rejects and messages


def _split_or_fail(window: Window, parts: int, count: int | None, cap: int) -> list[Window]:
    if window.span <= 1:
        many = f"{count:,}" if count is not None else f"more than {cap:,}"
        raise DataError(
            f"jsm GET /v1/alerts: {many} alerts created in the one millisecond {window}: the "
            f"offset cap of {cap:,} cannot be avoided by splitting the time window"
        )
    return window.split(parts)


def iter_pages(
    fetch: Fetch,
    windows: list[Window],
    *,
    extra_query: str | None = None,
    size: int = PAGE_SIZE,
    cap: int = OFFSET_CAP,
) -> Iterator[Page]:
    """Every page of alerts of every window, oldest first, splitting crowded windows."""
    pending = list(windows)
    while pending:
        window = pending.pop(0)
        offset = 0
        while True:
            if offset + size >= cap:
                pending[:0] = _split_or_fail(window, 2, None, cap)
                break
            query = window.query() if not extra_query else f"{window.query()} AND {extra_query}"
            params = {
                "query": query,
                "sort": "createdAt",
                "order": "asc",  # alerts created meanwhile land after the window: offsets hold
                "offset": offset,
                "size": size,
            }
            body, where = fetch(params)
            values = body.get("values")
            if not isinstance(values, list):
                raise DataError(f"{where}: the answer has no 'values' list")
            count = body.get("count")
            if isinstance(count, bool) or not isinstance(count, int):
                count = None
            if offset == 0 and count is not None and parts_for(count, size, cap) > 1:
                pending[:0] = _split_or_fail(window, parts_for(count, size, cap), count, cap)
                break
            yield Page(values, where)
            links = body.get("links")
            more = isinstance(links, dict) and bool(links.get("next"))
            if not more or not values:
                break
            offset += len(values)
