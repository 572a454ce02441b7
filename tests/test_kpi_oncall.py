"""On-call load (docs/kpis.md §10), worked by hand: each class edge, a holiday, a weekend, a
person notified twice, a merged incident, the period by the notification's local time, São
Paulo (UTC-3 all year) and New York (DST), and hours set in config.

Every incident below is a PagerDuty incident of checkout-api (team Payments) unless said; each
notification is its own incident so that each one is one interruption, except where a case is
about several notifications of one incident. Local = UTC-3 in São Paulo.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from payloads import og_alert, og_log, pd_incident, pd_log, pd_notify
from warehouse import TestWarehouse

from opskpi.metrics import kpis
from opskpi.metrics.period import Filters, Period

AS_OF = datetime(2026, 5, 1, tzinfo=UTC)
APRIL = (date(2026, 4, 1), date(2026, 5, 1))


def _class_of(wh: TestWarehouse, incident_id: str) -> str:
    row = wh.one(
        "select interruption_class from interruptions where incident_key = ?",
        [f"pagerduty:{incident_id}"],
    )
    return str(row["interruption_class"])


def _land_single_notifications(wh: TestWarehouse, cases: dict[str, str], who: str = "Ana") -> None:
    """One incident per case, created at the notification's instant (UTC), one notification."""
    wh.land(
        "pagerduty",
        "incident",
        [pd_incident(name, at, resolved_at=at) for name, at in cases.items()],
    )
    wh.land(
        "pagerduty",
        "log_entry",
        [pd_notify(f"N{name}", name, at, who) for name, at in cases.items()],
    )


# São Paulo: local + 3 h = UTC. Mon 2026-04-20 is a business day; Tue 2026-04-21 is
# Tiradentes (a national holiday); Sat 2026-04-18 is a weekend day.
SAO_PAULO_CASES = {
    "Q0759": ("2026-04-20T10:59:59Z", "sleep_hours"),  # Mon 07:59:59: before 08:00
    "Q0800": ("2026-04-20T11:00:00Z", "business_hours"),  # Mon 08:00:00: business starts
    "Q1759": ("2026-04-20T20:59:59Z", "business_hours"),  # Mon 17:59:59
    "Q1800": ("2026-04-20T21:00:00Z", "off_hours"),  # Mon 18:00: business has ended
    "Q2159": ("2026-04-21T00:59:59Z", "off_hours"),  # Mon 21:59:59 local (UTC is Tuesday)
    "Q2200": ("2026-04-21T01:00:00Z", "sleep_hours"),  # Mon 22:00: sleep starts
    "QSAT10": ("2026-04-18T13:00:00Z", "off_hours"),  # Sat 10:00: no business day
    "QTIRA10": ("2026-04-21T13:00:00Z", "off_hours"),  # Tiradentes 10:00: a holiday
    "QTUE0100": ("2026-04-21T04:00:00Z", "sleep_hours"),  # Tiradentes 01:00: sleep any day
}


@pytest.mark.parametrize("incident", sorted(SAO_PAULO_CASES))
def test_each_class_edge_in_sao_paulo(incident: str) -> None:
    wh = TestWarehouse()
    _land_single_notifications(wh, {name: at for name, (at, _) in SAO_PAULO_CASES.items()})
    wh.build()
    assert _class_of(wh, incident) == SAO_PAULO_CASES[incident][1]


def test_the_period_totals_of_the_edges() -> None:
    """9 interruptions: business Q0800, Q1759 = 2; off Q1800, Q2159, QSAT10, QTIRA10 = 4;
    sleep Q0759, Q2200, QTUE0100 = 3. One person (Ana): people 1, max 9; share 3/9."""
    wh = TestWarehouse()
    _land_single_notifications(wh, {name: at for name, (at, _) in SAO_PAULO_CASES.items()})
    wh.build()
    oncall = wh.report(*APRIL, AS_OF)["oncall"]
    assert oncall == {
        "interruptions": 9,
        "business_hours": 2,
        "off_hours": 4,
        "sleep_hours": 3,
        "people": 1,
        "max_per_person": 9,
        "sleep_hours_share": 3 / 9,
    }


def test_a_person_notified_again_for_one_incident_is_interrupted_once() -> None:
    """QTWICE notifies Ana at Mon 21:59 local (off hours) and again at 22:05 (sleep hours), and
    Bruno once at 22:05: Ana's first notification decides her class. 2 interruptions: Ana off,
    Bruno sleep; 2 people, at most 1 each."""
    wh = TestWarehouse()
    wh.land(
        "pagerduty",
        "incident",
        [pd_incident("QTWICE", "2026-04-21T00:58:00Z", resolved_at="2026-04-21T02:00:00Z")],
    )
    wh.land(
        "pagerduty",
        "log_entry",
        [
            pd_notify("N1", "QTWICE", "2026-04-21T00:59:00Z", "Ana", user_id="PANA"),
            pd_notify("N2", "QTWICE", "2026-04-21T01:05:00Z", "Ana", user_id="PANA"),
            pd_notify("N3", "QTWICE", "2026-04-21T01:05:00Z", "Bruno", user_id="PBRU"),
            pd_log("L1", "QTWICE", "escalate_log_entry", "2026-04-21T01:04:00Z"),
        ],
    )
    wh.build()
    assert wh.report(*APRIL, AS_OF)["oncall"] == {
        "interruptions": 2,
        "business_hours": 0,
        "off_hours": 1,
        "sleep_hours": 1,
        "people": 2,
        "max_per_person": 1,
        "sleep_hours_share": 0.5,
    }
    ana = wh.one("select * from interruptions where person = 'Ana'")
    assert ana["notifications"] == 2
    assert ana["interruption_class"] == "off_hours"


def test_merged_incidents_count_the_person_was_woken_anyway() -> None:
    """QPARENT pages Ana at Mon 03:00 local; QDUP, merged into it, pages her again at 03:02:
    two incidents, two interruptions, both sleep hours, although QDUP leaves every incident
    KPI (merged)."""
    wh = TestWarehouse()
    wh.land(
        "pagerduty",
        "incident",
        [
            pd_incident("QPARENT", "2026-04-20T06:00:00Z", resolved_at="2026-04-20T07:00:00Z"),
            pd_incident(
                "QDUP",
                "2026-04-20T06:02:00Z",
                resolved_at="2026-04-20T06:04:00Z",
                merged_into="QPARENT",
            ),
        ],
    )
    wh.land(
        "pagerduty",
        "log_entry",
        [
            pd_notify("N1", "QPARENT", "2026-04-20T06:00:02Z", "Ana"),
            pd_notify("N2", "QDUP", "2026-04-20T06:02:02Z", "Ana"),
        ],
    )
    wh.build()
    report = wh.report(*APRIL, AS_OF)
    assert report["response_times"][-1]["incidents"] == 1  # QDUP is merged: left out there
    assert report["oncall"]["interruptions"] == 2
    assert report["oncall"]["sleep_hours"] == 2
    assert report["oncall"]["max_per_person"] == 2


def test_interruptions_belong_to_the_period_of_the_notifications_local_time() -> None:
    """QLATE is created Sun 2026-04-19 23:59 local and pages Ana at Mon 00:01 local
    (2026-04-20T03:01Z): the incident is in Sunday's period, the interruption in Monday's."""
    wh = TestWarehouse()
    wh.land(
        "pagerduty",
        "incident",
        [pd_incident("QLATE", "2026-04-20T02:59:00Z", resolved_at="2026-04-20T04:00:00Z")],
    )
    wh.land("pagerduty", "log_entry", [pd_notify("N1", "QLATE", "2026-04-20T03:01:00Z", "Ana")])
    wh.build()
    sunday = wh.report(date(2026, 4, 19), date(2026, 4, 20), AS_OF)
    monday = wh.report(date(2026, 4, 20), date(2026, 4, 21), AS_OF)
    assert sunday["response_times"][-1]["incidents"] == 1
    assert sunday["oncall"]["interruptions"] == 0
    assert monday["response_times"][-1]["incidents"] == 0
    assert monday["oncall"]["interruptions"] == 1
    assert monday["oncall"]["sleep_hours"] == 1  # Monday 00:01


def test_a_notify_entry_without_user_is_read_from_its_summary() -> None:
    """Some payloads carry no ``user``: "Notified Keon Amini by email." names the person. Two
    such entries for two incidents are one person (the name is the identity then)."""
    wh = TestWarehouse()
    wh.land(
        "pagerduty",
        "incident",
        [
            pd_incident("QA", "2026-04-20T12:00:00Z", resolved_at="2026-04-20T13:00:00Z"),
            pd_incident("QB", "2026-04-20T14:00:00Z", resolved_at="2026-04-20T15:00:00Z"),
        ],
    )
    wh.land(
        "pagerduty",
        "log_entry",
        [
            pd_notify("N1", "QA", "2026-04-20T12:00:02Z", "Keon Amini", with_user=False),
            pd_notify("N2", "QB", "2026-04-20T14:00:02Z", "Keon Amini", with_user=False),
        ],
    )
    wh.build()
    assert [r["person"] for r in wh.rows("select person from interruptions")] == [
        "Keon Amini",
        "Keon Amini",
    ]
    assert wh.report(*APRIL, AS_OF)["oncall"]["people"] == 1
    assert wh.report(*APRIL, AS_OF)["oncall"]["max_per_person"] == 2


def test_opsgenie_alert_logs_that_name_the_recipient() -> None:
    """An Opsgenie alert created Sat 2026-04-18 02:00 local: "Sent [Mobile] notification to
    ana@example.com" at 02:00:01 (sleep) and again to her at 02:10 (not again), "Sent
    notification to bruno@example.com via [SMS]" at 02:06 (sleep); the ack and close lines
    notify no one. 2 interruptions, 2 people, both sleep hours."""
    wh = TestWarehouse()
    wh.land(
        "opsgenie",
        "alert",
        [og_alert("og-1", "2026-04-18T05:00:00.000Z", ack_ms=300_000, close_ms=900_000)],
    )
    lines = [
        ("Alert created via Prometheus Alertmanager", "2026-04-18T05:00:00.000Z"),
        ("Sent [Mobile] notification to ana@example.com", "2026-04-18T05:00:01.000Z"),
        ("Alert acknowledged via web", "2026-04-18T05:05:00.000Z"),
        ("Sent notification to bruno@example.com via [SMS]", "2026-04-18T05:06:00.000Z"),
        ("Sent [Mobile] notification to ana@example.com", "2026-04-18T05:10:00.000Z"),
        ("Alert closed via web", "2026-04-18T05:15:00.000Z"),
    ]
    wh.land(
        "opsgenie",
        "alert_log",
        [og_log(text, at, f"off-{i}") for i, (text, at) in enumerate(lines)],
        key=lambda r: f"og-1/{r['offset']}",
        parent_id="og-1",
    )
    wh.build()
    people = wh.rows("select person, interruption_class from interruptions order by person")
    assert people == [
        {"person": "ana@example.com", "interruption_class": "sleep_hours"},
        {"person": "bruno@example.com", "interruption_class": "sleep_hours"},
    ]
    oncall = wh.report(*APRIL, AS_OF)["oncall"]
    assert (oncall["interruptions"], oncall["sleep_hours"], oncall["people"]) == (2, 2, 1 + 1)


# New York (config: timezone America/New_York, holidays US). DST began Sun 2026-03-08 02:00:
# before it local = UTC-5, after it UTC-4. Fri 2026-03-06 and Mon 2026-03-09 are business days.
NEW_YORK_CASES = {
    "QFRI0759": ("2026-03-06T12:59:59Z", "sleep_hours"),  # Fri 07:59:59 EST
    "QFRI0800": ("2026-03-06T13:00:00Z", "business_hours"),  # Fri 08:00 EST
    "QMON0759": ("2026-03-09T11:59:59Z", "sleep_hours"),  # Mon 07:59:59 EDT (07:00 would be EST)
    "QMON0800": ("2026-03-09T12:00:00Z", "business_hours"),  # Mon 08:00 EDT (07:00 as EST)
    "QMON1800": ("2026-03-09T22:00:00Z", "off_hours"),  # Mon 18:00 EDT
    "QMON2200": ("2026-03-10T02:00:00Z", "sleep_hours"),  # Mon 22:00 EDT (Tuesday in UTC)
}


@pytest.mark.parametrize("incident", sorted(NEW_YORK_CASES))
def test_a_configured_zone_with_daylight_saving(incident: str) -> None:
    wh = TestWarehouse({"report": {"timezone": "America/New_York", "holidays": "US"}})
    _land_single_notifications(wh, {name: at for name, (at, _) in NEW_YORK_CASES.items()})
    wh.build()
    assert _class_of(wh, incident) == NEW_YORK_CASES[incident][1]


def test_new_york_periods_follow_local_dates() -> None:
    """QMON2200 is Tuesday in UTC and Monday 22:00 in New York: Monday's period holds 3
    (QMON0759 sleep, QMON0800 business, QMON1800 off) + QMON2200 sleep = 4."""
    wh = TestWarehouse({"report": {"timezone": "America/New_York", "holidays": "US"}})
    _land_single_notifications(wh, {name: at for name, (at, _) in NEW_YORK_CASES.items()})
    wh.build()
    monday = wh.report(date(2026, 3, 9), date(2026, 3, 10), AS_OF)["oncall"]
    assert (monday["interruptions"], monday["sleep_hours"], monday["business_hours"]) == (4, 2, 1)


def test_hours_from_config() -> None:
    """[oncall] business 09:00-17:00, sleep 23:00-07:00: Mon 08:00 is now off hours, Mon 07:59:59
    off (sleep ended at 07:00), Mon 22:00 off, Mon 17:59:59 off, Tiradentes 01:00 still sleep."""
    wh = TestWarehouse({"oncall": {"business_hours": "09:00-17:00", "sleep_hours": "23:00-07:00"}})
    _land_single_notifications(wh, {name: at for name, (at, _) in SAO_PAULO_CASES.items()})
    wh.build()
    classes = {name: _class_of(wh, name) for name in SAO_PAULO_CASES}
    assert classes == {
        "Q0759": "off_hours",
        "Q0800": "off_hours",
        "Q1759": "off_hours",
        "Q1800": "off_hours",
        "Q2159": "off_hours",
        "Q2200": "off_hours",
        "QSAT10": "off_hours",
        "QTIRA10": "off_hours",
        "QTUE0100": "sleep_hours",
    }


def _two_teams() -> TestWarehouse:
    """Payments: QP1 (Ana, Mon 03:00 sleep), QP2 (Ana, Mon 10:00 business) and QP3 (Bruno,
    Mon 23:00 sleep); Finance (billing, sev2): QF1 (Caio, Sat 10:00 off). Week of Mon 04-20."""
    wh = TestWarehouse()
    wh.land(
        "pagerduty",
        "incident",
        [
            pd_incident("QP1", "2026-04-20T06:00:00Z", resolved_at="2026-04-20T07:00:00Z"),
            pd_incident("QP2", "2026-04-20T13:00:00Z", resolved_at="2026-04-20T14:00:00Z"),
            pd_incident("QP3", "2026-04-21T02:00:00Z", resolved_at="2026-04-21T03:00:00Z"),
            pd_incident(
                "QF1",
                "2026-04-25T13:00:00Z",
                resolved_at="2026-04-25T14:00:00Z",
                priority="P2",
                service="billing",
                team="Finance",
            ),
        ],
    )
    wh.land(
        "pagerduty",
        "log_entry",
        [
            pd_notify("N1", "QP1", "2026-04-20T06:00:02Z", "Ana"),
            pd_notify("N2", "QP2", "2026-04-20T13:00:02Z", "Ana"),
            pd_notify("N3", "QP3", "2026-04-21T02:00:02Z", "Bruno"),
            pd_notify("N4", "QF1", "2026-04-25T13:00:02Z", "Caio"),
        ],
    )
    return wh.build()


def test_by_team_and_filters() -> None:
    wh = _two_teams()
    period = Period(*APRIL, AS_OF)
    frame = kpis.oncall(wh.con, period, dimension="team")
    rows: dict[str, dict[str, Any]] = {r["dimension_value"]: r for r in frame.to_dict("records")}
    assert rows["Payments"]["interruptions"] == 3
    assert rows["Payments"]["sleep_hours"] == 2
    assert rows["Payments"]["people"] == 2
    assert rows["Payments"]["max_per_person"] == 2  # Ana
    assert rows["Payments"]["sleep_hours_share"] == pytest.approx(2 / 3)
    assert rows["Finance"]["interruptions"] == 1
    assert rows["Finance"]["off_hours"] == 1
    assert rows["Finance"]["sleep_hours_share"] == 0
    sev2 = wh.report(*APRIL, AS_OF, Filters(severities=("sev2",)))["oncall"]
    assert (sev2["interruptions"], sev2["people"]) == (1, 1)  # QF1 is sev2 (P2)
    finance = wh.report(*APRIL, AS_OF, Filters(teams=("Finance",)))["oncall"]
    assert finance["interruptions"] == 1


def test_weekly_buckets_and_an_empty_period() -> None:
    """Weeks of April 2026 (Mondays 03-30, 04-06, 04-13, 04-20, 04-27): all four in 04-20."""
    wh = _two_teams()
    frame = kpis.oncall(wh.con, Period(*APRIL, AS_OF), grain="week")
    weekly = {str(r["bucket"])[:10]: r["interruptions"] for r in frame.to_dict("records")}
    assert weekly == {
        "2026-03-30": 0,
        "2026-04-06": 0,
        "2026-04-13": 0,
        "2026-04-20": 4,
        "2026-04-27": 0,
    }
    empty = wh.report(date(2026, 6, 1), date(2026, 7, 1), AS_OF)["oncall"]
    assert empty == {
        "interruptions": 0,
        "business_hours": 0,
        "off_hours": 0,
        "sleep_hours": 0,
        "people": 0,
        "max_per_person": 0,
        "sleep_hours_share": None,
    }


def test_notification_coverage_says_which_sources_name_no_one() -> None:
    """PagerDuty: 2 incidents, 1 with a notification; Opsgenie: 1 alert whose logs name no one
    notified; a notify entry for an incident not landed is counted apart."""
    wh = TestWarehouse()
    wh.land(
        "pagerduty",
        "incident",
        [
            pd_incident("QA", "2026-04-20T12:00:00Z", resolved_at="2026-04-20T13:00:00Z"),
            pd_incident("QB", "2026-04-20T14:00:00Z", resolved_at="2026-04-20T15:00:00Z"),
        ],
    )
    wh.land(
        "pagerduty",
        "log_entry",
        [
            pd_notify("N1", "QA", "2026-04-20T12:00:02Z", "Ana"),
            pd_notify("N2", "QGONE", "2026-04-20T12:00:02Z", "Ana"),
        ],
    )
    wh.land("opsgenie", "alert", [og_alert("og-1", "2026-04-18T05:00:00.000Z", close_ms=60_000)])
    wh.build()
    assert wh.rows("select * from notification_coverage order by source") == [
        {
            "source": "opsgenie",
            "incidents": 1,
            "incidents_notified": 0,
            "interruptions": 0,
            "notifications_without_incident": 0,
        },
        {
            "source": "pagerduty",
            "incidents": 2,
            "incidents_notified": 1,
            "interruptions": 1,
            "notifications_without_incident": 1,
        },
    ]


def test_per_person_the_most_woken_first() -> None:
    """Ana: QP1 Mon 03:00 (sleep) + QP2 Mon 10:00 (business); Bruno: QP3 Mon 23:00 (sleep);
    Caio: QF1 Sat 10:00 (off). Sorted by sleep hours, then interruptions: Ana, Bruno, Caio."""
    wh = _two_teams()
    frame = kpis.oncall_people(wh.con, Period(*APRIL, AS_OF))
    rows = [
        (r["person"], r["interruptions"], r["business_hours"], r["off_hours"], r["sleep_hours"])
        for r in frame.to_dict("records")
    ]
    assert rows == [("Ana", 2, 1, 0, 1), ("Bruno", 1, 0, 0, 1), ("Caio", 1, 0, 1, 0)]
    assert list(frame["sleep_hours_share"]) == [0.5, 1.0, 0.0]
    payments = kpis.oncall_people(wh.con, Period(*APRIL, AS_OF), Filters(teams=("Payments",)))
    assert list(payments["person"]) == ["Ana", "Bruno"]


def test_heat_map_cells_by_local_weekday_and_hour() -> None:
    """Mon (1) 03 h, 10 h and 23 h (QP3 is Tuesday 02:00 in UTC), Sat (6) 10 h: 168 cells."""
    wh = _two_teams()
    frame = kpis.oncall_hours(wh.con, Period(*APRIL, AS_OF))
    assert len(frame) == 7 * 24
    nonzero = {
        (int(r["weekday"]), int(r["hour"])): int(r["interruptions"])
        for r in frame.to_dict("records")
        if r["interruptions"]
    }
    assert nonzero == {(1, 3): 1, (1, 10): 1, (1, 23): 1, (6, 10): 1}
