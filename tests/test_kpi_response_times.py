"""MTTA/MTTR, percentiles and SLA compliance (KPI_DEFINITIONS.md §3) on hand-worked incidents.

Every expected number below is worked out by hand in the comments. Targets (policy defaults):
sev1 ack 300 s / resolve 3600 s; sev2 900 s / 14400 s; sev3 3600 s / 86400 s; sev4 none.
Percentiles are continuous with linear interpolation: position = (n - 1) * q over the sorted
values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from payloads import pd_incident, pd_log
from warehouse import TestWarehouse, by_severity

SINCE, UNTIL = date(2026, 3, 1), date(2026, 3, 8)
AS_OF = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)


def incidents_and_logs() -> tuple[list[dict], list[dict]]:
    incidents = [
        # A sev1: first ack 12:02 (re-acked 12:20 after an unack) → tta 120; resolved → ttr 2400
        pd_incident("A", "2026-03-02T12:00:00Z", resolved_at="2026-03-02T12:40:00Z"),
        # B sev1: tta 600 (> 300, misses), ttr 7200 (> 3600, misses)
        pd_incident("B", "2026-03-03T12:00:00Z", resolved_at="2026-03-03T14:00:00Z"),
        # C sev1: never acknowledged, ttr 1800
        pd_incident("C", "2026-03-04T12:00:00Z", resolved_at="2026-03-04T12:30:00Z"),
        # D sev1: merged into C: out of every figure, counted in `merged`
        pd_incident(
            "D", "2026-03-04T12:01:00Z", resolved_at="2026-03-04T12:05:00Z", merged_into="C"
        ),
        # E sev1: acked (tta 240), still open → breaching at as_of (age 4 d 12 h > 1 h)
        pd_incident(
            "E",
            "2026-03-05T12:00:00Z",
            status="acknowledged",
            acknowledgements=[{"at": "2026-03-05T12:04:00Z"}],
        ),
        # F sev1: open, never acked → breaching and unacked over the 5 min target
        pd_incident("F", "2026-03-06T12:00:00Z", status="triggered"),
        # G sev1: ack logged before creation (bad: tta left out); ttr 1800 valid
        pd_incident("G", "2026-03-06T13:00:00Z", resolved_at="2026-03-06T13:30:00Z"),
        # H sev1: resolve before creation (bad: ttr left out); tta 60 valid
        pd_incident("H", "2026-03-07T10:00:00Z", resolved_at="2026-03-07T09:00:00Z"),
        # I sev4: tta 1800, ttr 10800; no targets
        pd_incident("I", "2026-03-02T15:00:00Z", resolved_at="2026-03-02T18:00:00Z", priority="P4"),
        # J unknown: no priority and no urgency; open, never acked
        {
            **pd_incident("J", "2026-03-02T16:00:00Z", status="triggered", priority=None),
            "urgency": None,
        },
        # K sev2: tta 600 (≤ 900), ttr exactly 14400 = target: compliant (≤ is inclusive)
        pd_incident("K", "2026-03-03T09:00:00Z", resolved_at="2026-03-03T13:00:00Z", priority="P2"),
        # L sev3: tta 3601 (> 3600 misses by 1 s), ttr exactly 86400 (meets)
        pd_incident("L", "2026-03-03T10:00:00Z", resolved_at="2026-03-04T10:00:00Z", priority="P3"),
        # M sev3: tta 1800 (meets), ttr 86401 (misses by 1 s)
        pd_incident("M", "2026-03-04T10:00:00Z", resolved_at="2026-03-05T10:00:01Z", priority="P3"),
    ]
    logs = [
        # log entries come in the account's time zone (-03:00): 09:02-03:00 is 12:02Z
        pd_log("A1", "A", "acknowledge_log_entry", "2026-03-02T09:02:00-03:00"),
        pd_log("A2", "A", "unacknowledge_log_entry", "2026-03-02T09:10:00-03:00"),
        pd_log("A3", "A", "acknowledge_log_entry", "2026-03-02T09:20:00-03:00"),
        pd_log("B1", "B", "acknowledge_log_entry", "2026-03-03T12:10:00Z"),
        pd_log("D1", "D", "acknowledge_log_entry", "2026-03-04T12:03:00Z"),
        pd_log("E1", "E", "acknowledge_log_entry", "2026-03-05T12:04:00Z"),
        pd_log("G1", "G", "acknowledge_log_entry", "2026-03-06T12:59:00Z"),
        pd_log("H1", "H", "acknowledge_log_entry", "2026-03-07T10:01:00Z"),
        pd_log("I1", "I", "acknowledge_log_entry", "2026-03-02T15:30:00Z"),
        pd_log("K1", "K", "acknowledge_log_entry", "2026-03-03T09:10:00Z"),
        # spec spelling of the type is accepted too
        pd_log("L1", "L", "acknowledgement_log_entry", "2026-03-03T11:00:01Z"),
        pd_log("M1", "M", "acknowledge_log_entry", "2026-03-04T10:30:00Z"),
    ]
    return incidents, logs


@pytest.fixture(scope="module")
def report() -> dict:
    wh = TestWarehouse()
    incidents, logs = incidents_and_logs()
    wh.land("pagerduty", "incident", incidents)
    wh.land("pagerduty", "log_entry", logs)
    wh.build()
    return wh.report(SINCE, UNTIL, AS_OF)


def test_sev1_counts(report: dict) -> None:
    sev1 = by_severity(report)["sev1"]
    # A B C E F G H (D is merged)
    assert sev1["incidents"] == 7
    assert sev1["merged"] == 1
    assert sev1["acknowledged"] == 5  # A B E G H (G's ack is bad but it was acknowledged)
    assert sev1["unacknowledged"] == 2  # C F
    assert sev1["resolved"] == 5  # A B C G H
    assert sev1["open"] == 2  # E F


def test_sev1_tta_statistics(report: dict) -> None:
    tta = by_severity(report)["sev1"]["tta_seconds"]
    # valid tta: A 120 (first ack, not the re-ack), B 600, E 240, H 60 → sorted 60 120 240 600
    assert tta["n"] == 4
    assert tta["mean"] == pytest.approx(1020 / 4)  # 255
    assert tta["median"] == pytest.approx(180)  # (120 + 240) / 2
    assert tta["p90"] == pytest.approx(492)  # pos 2.7: 240 + 0.7 * 360
    assert tta["p95"] == pytest.approx(546)  # pos 2.85: 240 + 0.85 * 360
    assert tta["max"] == pytest.approx(600)


def test_sev1_ttr_statistics(report: dict) -> None:
    ttr = by_severity(report)["sev1"]["ttr_seconds"]
    # valid ttr: A 2400, B 7200, C 1800, G 1800 (H is bad) → sorted 1800 1800 2400 7200
    assert ttr["n"] == 4
    assert ttr["mean"] == pytest.approx(3300)  # 13200 / 4
    assert ttr["median"] == pytest.approx(2100)  # (1800 + 2400) / 2
    assert ttr["p90"] == pytest.approx(5760)  # pos 2.7: 2400 + 0.7 * 4800
    assert ttr["p95"] == pytest.approx(6480)  # pos 2.85: 2400 + 0.85 * 4800
    assert ttr["max"] == pytest.approx(7200)


def test_sev1_compliance_and_open(report: dict) -> None:
    sev1 = by_severity(report)["sev1"]
    assert sev1["ack_sla_compliance"] == pytest.approx(3 / 4)  # A 120, E 240, H 60 ≤ 300
    assert sev1["resolve_sla_compliance"] == pytest.approx(3 / 4)  # A, C, G ≤ 3600
    assert sev1["breaching_open"] == 2  # E and F are older than 1 h at as_of
    assert sev1["unacked_over_target"] == 1  # F


def test_single_value_percentiles(report: dict) -> None:
    sev2 = by_severity(report)["sev2"]
    # one duration: every statistic is that value
    assert sev2["tta_seconds"] == {
        "mean": 600,
        "median": 600,
        "p90": 600,
        "p95": 600,
        "max": 600,
        "n": 1,
    }
    assert sev2["ttr_seconds"]["p90"] == pytest.approx(14400)
    assert sev2["ack_sla_compliance"] == 1.0
    assert sev2["resolve_sla_compliance"] == 1.0  # exactly at the target counts as met


def test_two_value_percentiles(report: dict) -> None:
    sev3 = by_severity(report)["sev3"]
    tta = sev3["tta_seconds"]  # 1800, 3601
    assert tta["mean"] == pytest.approx(2700.5)
    assert tta["median"] == pytest.approx(2700.5)
    assert tta["p90"] == pytest.approx(3420.9)  # 1800 + 0.9 * 1801
    assert tta["p95"] == pytest.approx(3510.95)  # 1800 + 0.95 * 1801
    ttr = sev3["ttr_seconds"]  # 86400, 86401
    assert ttr["p90"] == pytest.approx(86400.9)
    assert sev3["ack_sla_compliance"] == pytest.approx(0.5)
    assert sev3["resolve_sla_compliance"] == pytest.approx(0.5)


def test_severities_without_targets_have_no_compliance(report: dict) -> None:
    rows = by_severity(report)
    for severity in ("sev4", "unknown"):
        assert rows[severity]["ack_sla_compliance"] is None
        assert rows[severity]["resolve_sla_compliance"] is None
        assert rows[severity]["breaching_open"] is None
        assert rows[severity]["unacked_over_target"] is None
    unknown = rows["unknown"]
    assert unknown["incidents"] == 1 and unknown["open"] == 1
    # nothing measurable: the objects stay, every statistic null, n = 0
    assert unknown["tta_seconds"] == {
        "mean": None,
        "median": None,
        "p90": None,
        "p95": None,
        "max": None,
        "n": 0,
    }


def test_all_row_pools_severities(report: dict) -> None:
    rows = by_severity(report)
    assert [r["severity"] for r in report["response_times"]] == [
        "sev1",
        "sev2",
        "sev3",
        "sev4",
        "unknown",
        "all",
    ]
    every = rows["all"]
    assert every["incidents"] == 12  # 7 sev1 + K + L + M + I + J
    assert every["merged"] == 1
    assert (every["acknowledged"], every["unacknowledged"]) == (9, 3)
    assert (every["resolved"], every["open"]) == (9, 3)
    # tta: 60 120 240 600 600 1800 1800 3601 (sum 8821)
    assert every["tta_seconds"]["n"] == 8
    assert every["tta_seconds"]["mean"] == pytest.approx(8821 / 8)
    assert every["tta_seconds"]["median"] == pytest.approx(600)  # pos 3.5
    assert every["tta_seconds"]["p90"] == pytest.approx(2340.3)  # pos 6.3: 1800 + 0.3*1801
    # ttr: 1800 1800 2400 7200 10800 14400 86400 86401 (sum 211201)
    assert every["ttr_seconds"]["mean"] == pytest.approx(211201 / 8)
    assert every["ttr_seconds"]["median"] == pytest.approx(9000)  # pos 3.5: 7200 + 0.5*3600
    # compliance pools sev1..sev3 only, each against its own target:
    # ack 3/4 (sev1) + 1/1 (sev2) + 1/2 (sev3) = 5/7; resolve likewise 5/7
    assert every["ack_sla_compliance"] == pytest.approx(5 / 7)
    assert every["resolve_sla_compliance"] == pytest.approx(5 / 7)
    assert every["breaching_open"] == 2  # the sum of the severities with targets
    assert every["unacked_over_target"] == 1


def test_bad_timestamps_are_listed_not_clamped() -> None:
    wh = TestWarehouse()
    incidents, logs = incidents_and_logs()
    wh.land("pagerduty", "incident", incidents)
    wh.land("pagerduty", "log_entry", logs)
    wh.build()
    problems = wh.rows(
        "select object_key, field, problem from data_quality_issues "
        "where entity = 'incident' order by object_key, field"
    )
    assert [(p["object_key"], p["field"]) for p in problems] == [
        ("pagerduty:G", "acknowledged_at"),
        ("pagerduty:H", "resolved_at"),
    ]
    g = wh.one(
        "select tta_seconds, ttr_seconds, acknowledged_at is not null as acked "
        "from incidents where incident_key = 'pagerduty:G'"
    )
    assert g == {"tta_seconds": None, "ttr_seconds": 1800.0, "acked": True}


def test_empty_period_gives_nulls_not_zeros() -> None:
    wh = TestWarehouse().build()
    report = wh.report(SINCE, UNTIL, AS_OF)
    (every,) = report["response_times"]
    assert every["severity"] == "all"
    assert every["incidents"] == 0
    assert every["ack_sla_compliance"] is None
    assert every["tta_seconds"]["mean"] is None
    assert report["releases"]["release_caused_share"] is None
    assert report["releases"]["change_failure_rate"] is None
    assert report["runbooks"]["coverage"] is None
    assert report["rca"]["rca_adherence"] is None
    assert report["paging"]["escalation_rate"] is None
    assert all(r["incidents"] == 0 and r["share"] is None for r in report["root_causes"])
