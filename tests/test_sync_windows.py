"""The PagerDuty time windows as pure functions: spans under the 6-month cap, splits by time,
how many parts a crowded window needs. (The paging loop itself runs against the simulator in
``test_pagerduty_connector.py``.)"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from opskpi.etl.errors import DataError
from opskpi.etl.sources.pagerduty.windows import (
    MAX_SPAN,
    OFFSET_CAP,
    Window,
    iso,
    parts_for,
    span_windows,
    split_or_fail,
)
from opskpi.simulator.timeutil import add_months

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def test_iso_always_carries_an_explicit_utc_offset() -> None:
    local = datetime(2026, 1, 1, 9, 30, 15, 999, tzinfo=UTC).astimezone()
    assert iso(local) == "2026-01-01T09:30:15+00:00"


def test_spans_cover_the_range_without_gaps_or_overlaps() -> None:
    until = T0 + timedelta(days=400, hours=5, seconds=7)
    windows = span_windows(T0, until)
    assert windows[0].since == T0
    assert windows[-1].until == until
    for before, after in itertools.pairwise(windows):
        assert before.until == after.since
    assert all(w.until - w.since <= MAX_SPAN for w in windows)
    assert len(windows) == 3


def test_spans_stay_under_six_months_whatever_the_months() -> None:
    for start in (datetime(2025, 8, 31, tzinfo=UTC), datetime(2026, 2, 28, 23, tzinfo=UTC)):
        for window in span_windows(start, start + timedelta(days=365)):
            assert window.until <= add_months(window.since, 6)


def test_spans_are_whole_seconds_and_empty_when_nothing_to_read() -> None:
    windows = span_windows(
        T0 + timedelta(microseconds=700), T0 + timedelta(hours=1, microseconds=5)
    )
    assert windows == [Window(T0, T0 + timedelta(hours=1))]
    assert span_windows(T0, T0) == []


def test_split_gives_consecutive_parts_of_nearly_equal_length() -> None:
    window = Window(T0, T0 + timedelta(seconds=10))
    parts = window.split(3)
    assert [p.seconds for p in parts] == [3, 3, 4]
    assert parts[0].since == window.since and parts[-1].until == window.until
    for before, after in itertools.pairwise(parts):
        assert before.until == after.since


def test_split_never_makes_parts_shorter_than_a_second() -> None:
    assert len(Window(T0, T0 + timedelta(seconds=3)).split(10)) == 3


@pytest.mark.parametrize(
    ("total", "parts"),
    [(0, 1), (OFFSET_CAP, 1), (OFFSET_CAP + 1, 2), (16_001, 3), (40_000, 5)],
)
def test_parts_for_a_crowded_window(total: int, parts: int) -> None:
    assert parts_for(total) == parts


def test_a_one_second_window_over_the_cap_is_an_error_not_a_truncation() -> None:
    with pytest.raises(DataError, match="cannot be avoided"):
        split_or_fail(Window(T0, T0 + timedelta(seconds=1)), 2, "GET /incidents", 12_345)
    assert len(split_or_fail(Window(T0, T0 + timedelta(seconds=2)), 2, "x", None)) == 2
