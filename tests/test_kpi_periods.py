"""Which period an incident belongs to: its created_at in the reporting time zone
(America/Sao_Paulo, UTC-3 all year since 2019), ISO weeks Monday to Monday there
(KPI_DEFINITIONS.md §2); --since inclusive, --until exclusive."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from payloads import pd_incident
from warehouse import TestWarehouse

from opskpi.metrics.kpis import response_times
from opskpi.metrics.period import Period

AS_OF = datetime(2026, 2, 15, tzinfo=UTC)


@pytest.fixture(scope="module")
def wh() -> TestWarehouse:
    wh = TestWarehouse()
    wh.land(
        "pagerduty",
        "incident",
        [
            # 2026-01-01T02:00Z is 2025-12-31 23:00 in São Paulo: December, ISO week 2026-W01
            pd_incident("NYE", "2026-01-01T02:00:00Z", resolved_at="2026-01-01T02:10:00Z"),
            # 03:00Z is local midnight of 2026-01-01: January, same ISO week (Mon 2025-12-29)
            pd_incident("NY", "2026-01-01T03:00:00Z", resolved_at="2026-01-01T03:20:00Z"),
            # Sunday 23:59:59 local, still week of 2025-12-29
            pd_incident("SUN", "2026-01-05T02:59:59Z", resolved_at="2026-01-05T03:29:59Z"),
            # Monday 00:00 local: the next ISO week (2026-01-05)
            pd_incident("MON", "2026-01-05T03:00:00Z", resolved_at="2026-01-05T03:40:00Z"),
            # 2026-02-01T02:30Z is Jan 31 23:30 local: still January
            pd_incident("JAN31", "2026-02-01T02:30:00Z", resolved_at="2026-02-01T02:35:00Z"),
            # Feb 1 00:00 local
            pd_incident("FEB1", "2026-02-01T03:00:00Z", resolved_at="2026-02-01T03:05:00Z"),
        ],
    )
    return wh.build()


def keys_in(wh: TestWarehouse, since: date, until: date) -> list[str]:
    rows = wh.rows(
        "select source_id from period_incidents(?, ?, null, null, null, null) order by created_at",
        [since, until],
    )
    return [r["source_id"] for r in rows]


def test_month_boundaries_follow_local_time(wh: TestWarehouse) -> None:
    assert keys_in(wh, date(2025, 12, 1), date(2026, 1, 1)) == ["NYE"]
    assert keys_in(wh, date(2026, 1, 1), date(2026, 2, 1)) == ["NY", "SUN", "MON", "JAN31"]
    assert keys_in(wh, date(2026, 2, 1), date(2026, 3, 1)) == ["FEB1"]


def test_iso_weeks_across_the_year_boundary(wh: TestWarehouse) -> None:
    period = Period(date(2025, 12, 29), date(2026, 1, 12), AS_OF)
    frame = response_times(wh.con, period, grain="week")
    every = frame[frame["severity"] == "all"]
    assert list(every["bucket"].astype(str)) == ["2025-12-29", "2026-01-05"]
    # week of Mon 2025-12-29: NYE (10 min), NY (20 min), SUN (30 min); week of 01-05: MON (40 min)
    assert list(every["incidents"]) == [3, 1]
    assert list(every["ttr_mean"]) == pytest.approx([1200.0, 2400.0])


def test_a_week_without_incidents_still_has_its_row(wh: TestWarehouse) -> None:
    period = Period(date(2026, 1, 12), date(2026, 1, 26), AS_OF)
    frame = response_times(wh.con, period, grain="week")
    assert list(frame["bucket"].astype(str)) == ["2026-01-12", "2026-01-19"]
    assert list(frame["incidents"]) == [0, 0]
    assert frame["ttr_mean"].isna().all()


def test_iso_week_period_helper() -> None:
    week = Period.iso_week(2026, 1, AS_OF)
    assert (week.since, week.until) == (date(2025, 12, 29), date(2026, 1, 5))
    assert week.previous().since == date(2025, 12, 22)


def test_default_period_is_the_last_28_full_days() -> None:
    # 2026-03-01T02:00Z is still Feb 28 in São Paulo: today = Feb 28, so Jan 31 .. Feb 28
    period = Period.last_full_days(28, datetime(2026, 3, 1, 2, 0, tzinfo=UTC), "America/Sao_Paulo")
    assert (period.since, period.until) == (date(2026, 1, 31), date(2026, 2, 28))
