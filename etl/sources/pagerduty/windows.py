"""Time windows for PagerDuty's classic (offset) listings, and the one loop that pages them.

Two limits shape the windows: ``GET /incidents`` refuses a ``since``/``until`` range over six
months, and no listing may ask for ``offset + limit`` beyond 10,000 (HTTP 400, never the end of
the data). So a range is first cut into spans of at most :data:`MAX_SPAN`; then each window
asks for ``total`` on its first page and, when more than :data:`OFFSET_CAP` records fall in it,
is split by time into parts small enough to page through, recursively (a window of one second
cannot be split: that is an error, not a silent truncation).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlencode

from opskpi.etl.errors import DataError

OFFSET_CAP = 10_000
PAGE_LIMIT = 100
MAX_SPAN = timedelta(days=180)  # under the 6-month cap whatever the months
SPLIT_TARGET = 8_000  # records aimed at per part when a window is split


def iso(moment: datetime) -> str:
    """An instant with an explicit UTC offset: zone-less times are read in the account zone."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def whole_second(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Window:
    """``[since, until)`` in whole UTC seconds."""

    since: datetime
    until: datetime

    def params(self) -> dict[str, str]:
        return {"since": iso(self.since), "until": iso(self.until)}

    @property
    def seconds(self) -> int:
        return int((self.until - self.since).total_seconds())

    def split(self, parts: int) -> list[Window]:
        """``parts`` consecutive windows of (nearly) equal length, each at least one second."""
        parts = max(1, min(parts, self.seconds))
        edges = [self.since + timedelta(seconds=self.seconds * i // parts) for i in range(parts)]
        edges.append(self.until)
        return [Window(a, b) for a, b in itertools.pairwise(edges) if a < b]

    def __str__(self) -> str:
        return f"[{iso(self.since)}, {iso(self.until)})"


def span_windows(since: datetime, until: datetime, max_span: timedelta = MAX_SPAN) -> list[Window]:
    """``[since, until)`` cut into consecutive windows no longer than ``max_span``."""
    since, until = whole_second(since), whole_second(until)
    windows = []
    start = since
    while start < until:
        end = min(start + max_span, until)
        windows.append(Window(start, end))
        start = end
    return windows


def parts_for(total: int, cap: int = OFFSET_CAP, target: int = SPLIT_TARGET) -> int:
    """How many parts a window holding ``total`` records is split into (1: no split)."""
    if total <= cap:
        return 1
    return max(2, math.ceil(total / target))


def split_or_fail(window: Window, parts: int, what: str, total: int | None) -> list[Window]:
    if window.seconds <= 1:
        count = f"{total:,}" if total is not None else "more than 10,000"
        raise DataError(
            f"PagerDuty {what}: {count} records in the one second {window}: the offset cap "
            f"of {OFFSET_CAP:,} cannot be avoided by splitting the time window"
        )
    return window.split(parts)


Fetch = Callable[[dict[str, Any]], dict[str, Any]]


class Page(NamedTuple):
    items: list[Any]
    location: str  # where the page came from, for rejects: "GET /incidents?since=…&offset=…"


def _location(what: str, query: dict[str, Any]) -> str:
    shown = {k: v for k, v in query.items() if k not in ("limit", "total")}
    return f"{what}?{urlencode(shown, doseq=True)}"


def iter_pages(
    fetch: Fetch,
    key: str,
    windows: list[Window],
    params: dict[str, Any] | None = None,
    *,
    what: str = "listing",
    cap: int = OFFSET_CAP,
    limit: int = PAGE_LIMIT,
) -> Iterator[Page]:
    """Every page of records (``body[key]``) of every window, splitting crowded windows.

    ``fetch(params)`` returns the decoded body of one request. The offset advances by the
    number of records received (not the echoed limit). Without a ``total`` in the answer the
    window is paged until the cap would be passed, then split (the pages already yielded
    are yielded again by the parts; landing is an idempotent upsert).
    """
    pending = list(windows)
    while pending:
        window = pending.pop(0)
        offset = 0
        while True:
            query = {**(params or {}), **window.params(), "limit": limit, "offset": offset}
            if offset == 0:
                query["total"] = "true"
            body = fetch(query)
            items = body.get(key)
            if not isinstance(items, list):
                raise DataError(f"PagerDuty {what}: the answer has no '{key}' list")
            total = body.get("total")
            if offset == 0 and isinstance(total, int) and total > cap:
                pending[:0] = split_or_fail(window, parts_for(total, cap), what, total)
                break
            yield Page(items, _location(what, query))
            if not body.get("more"):
                break
            if not items:
                raise DataError(f"PagerDuty {what}: 'more' is true on an empty page")
            offset += len(items)
            if offset + limit > cap:
                pending[:0] = split_or_fail(window, 2, what, None)
                break


def iter_offset(
    fetch: Fetch,
    key: str,
    params: dict[str, Any] | None = None,
    *,
    what: str = "listing",
    cap: int = OFFSET_CAP,
    limit: int = PAGE_LIMIT,
) -> Iterator[Page]:
    """Every page of a listing that has no time window (services, alerts of an incident).

    Reaching the offset cap is an error: there is no window to split.
    """
    offset = 0
    while True:
        query = {**(params or {}), "limit": limit, "offset": offset}
        body = fetch(query)
        items = body.get(key)
        if not isinstance(items, list):
            raise DataError(f"PagerDuty {what}: the answer has no '{key}' list")
        yield Page(items, _location(what, query))
        if not body.get("more"):
            return
        if not items:
            raise DataError(f"PagerDuty {what}: 'more' is true on an empty page")
        offset += len(items)
        if offset + limit > cap:
            raise DataError(
                f"PagerDuty {what}: more than {cap:,} records; the API cannot page past that"
            )
