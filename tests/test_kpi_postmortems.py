"""Postmortem timeliness (KPI_DEFINITIONS.md §7): sev1 within 48 h of resolution; sev2 within 3
business days; sev3 within 5; "N business days" ends at 24:00 of the N-th business day after the
resolution's local date (that day not counted), skipping weekends and Brazilian national
holidays (2026: Fri Apr 3 Good Friday, Tue Apr 21 Tiradentes)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from payloads import pd_incident, postmortem
from warehouse import TestWarehouse

AS_OF = datetime(2026, 4, 30, 12, 0, tzinfo=UTC)


def deadlines(wh: TestWarehouse) -> dict[str, datetime | None]:
    rows = wh.rows("select source_id, postmortem_deadline from incidents")
    return {r["source_id"]: r["postmortem_deadline"] for r in rows}


@pytest.fixture(scope="module")
def wh() -> TestWarehouse:
    wh = TestWarehouse()
    wh.land(
        "pagerduty",
        "incident",
        [
            # sev2 resolved Thu Apr 2 15:00 local (18:00Z): Fri Apr 3 is a holiday, then the
            # weekend: business days Mon 6 (1), Tue 7 (2), Wed 8 (3) → deadline Thu Apr 9 00:00
            # local (03:00Z)
            pd_incident(
                "S2", "2026-04-02T17:00:00Z", resolved_at="2026-04-02T18:00:00Z", priority="P2"
            ),
            # same, published one second late
            pd_incident(
                "S2LATE", "2026-04-02T17:00:00Z", resolved_at="2026-04-02T18:00:00Z", priority="P2"
            ),
            # sev2 resolved 2026-04-02T02:30Z = Wed Apr 1 23:30 local: Thu 2 (1), [Fri 3 holiday],
            # Mon 6 (2), Tue 7 (3) → deadline Wed Apr 8 00:00 local = 03:00Z
            pd_incident(
                "S2EVE", "2026-04-02T01:00:00Z", resolved_at="2026-04-02T02:30:00Z", priority="P2"
            ),
            # sev3 resolved Fri Apr 17 local: Mon 20 (1), [Tue 21 Tiradentes], Wed 22 (2),
            # Thu 23 (3), Fri 24 (4), Mon 27 (5) → deadline Tue Apr 28 00:00 local = 03:00Z
            pd_incident(
                "S3", "2026-04-17T12:00:00Z", resolved_at="2026-04-17T15:00:00Z", priority="P3"
            ),
            # sev1: 48 h after the resolution instant → 2026-04-12T12:00Z, never published
            pd_incident("S1", "2026-04-10T11:00:00Z", resolved_at="2026-04-10T12:00:00Z"),
            # sev1 resolved Apr 29 12:00Z: deadline May 1 12:00Z, after as_of, unpublished → not due
            pd_incident("S1NEW", "2026-04-29T11:00:00Z", resolved_at="2026-04-29T12:00:00Z"),
            # sev4: optional, never due
            pd_incident(
                "S4", "2026-04-10T11:00:00Z", resolved_at="2026-04-10T12:00:00Z", priority="P4"
            ),
            # sev1 with a resolve before creation: no deadline, left out
            pd_incident("BAD", "2026-04-10T11:00:00Z", resolved_at="2026-04-10T10:00:00Z"),
            # sev1 still open: no deadline yet
            pd_incident("OPEN", "2026-04-10T11:00:00Z", status="triggered"),
        ],
    )
    wh.land(
        "postmortems",
        "postmortem",
        [
            # Apr 8 23:59:59 local = Apr 9 02:59:59Z: on time
            postmortem("pm-s2.md", ["pagerduty:S2"], published_at="2026-04-08T23:59:59-03:00"),
            # Apr 9 00:00:01 local: late
            postmortem(
                "pm-s2late.md", ["pagerduty:S2LATE"], published_at="2026-04-09T00:00:01-03:00"
            ),
            # one postmortem naming two incidents counts for each, against each one's deadline:
            # S3 on time (before Apr 28 03:00Z), S2EVE late (after Apr 8 03:00Z)
            postmortem(
                "pm-multi.md",
                ["pagerduty:S3", "pagerduty:S2EVE"],
                published_at="2026-04-27T10:00:00Z",
            ),
        ],
    )
    return wh.build()


def test_business_day_deadlines(wh: TestWarehouse) -> None:
    got = deadlines(wh)
    assert got["S2"] == datetime(2026, 4, 9, 3, 0, tzinfo=UTC)
    assert got["S2EVE"] == datetime(2026, 4, 8, 3, 0, tzinfo=UTC)
    assert got["S3"] == datetime(2026, 4, 28, 3, 0, tzinfo=UTC)


def test_hour_deadlines_and_exclusions(wh: TestWarehouse) -> None:
    got = deadlines(wh)
    assert got["S1"] == datetime(2026, 4, 12, 12, 0, tzinfo=UTC)
    assert got["S4"] is None  # sev4: no window in the policy
    assert got["BAD"] is None  # bad resolve time: no deadline
    assert got["OPEN"] is None


def test_postmortem_timeliness(wh: TestWarehouse) -> None:
    rca = wh.report(date(2026, 4, 1), date(2026, 5, 1), AS_OF)["rca"]
    # due: S2 (published), S2LATE (published), S2EVE (published), S3 (published),
    #      S1 (deadline passed, unpublished); S1NEW not yet due; S4, BAD, OPEN have no deadline
    assert rca["postmortems_due"] == 5
    # on time: S2, S3
    assert rca["postmortems_on_time"] == 2
    assert rca["postmortem_on_time_share"] == pytest.approx(2 / 5)


def test_postmortem_due_after_its_deadline_passes(wh: TestWarehouse) -> None:
    later = datetime(2026, 5, 2, tzinfo=UTC)
    rca = wh.report(date(2026, 4, 1), date(2026, 5, 1), later)["rca"]
    assert rca["postmortems_due"] == 6  # S1NEW's deadline (May 1 12:00Z) has now passed
    assert rca["postmortems_on_time"] == 2


def test_calendar_marks_brazilian_holidays(wh: TestWarehouse) -> None:
    rows = wh.rows(
        "select day, is_business_day from cfg_calendar where day between ? and ? order by day",
        [date(2026, 4, 2), date(2026, 4, 6)],
    )
    assert [r["is_business_day"] for r in rows] == [True, False, False, False, True]
