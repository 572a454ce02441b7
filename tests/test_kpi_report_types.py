"""The typed KPI report (metrics/report.py) on a report written by hand: the JSON object it
gives (keys, order, the optional filters), the long CSV rows, its helpers; and, on the app
fixture, the SLA denominators it carries beside the JSON (worked out in tests/app_fixture.py)."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

import app_fixture as fx
import pytest
from report_builder import hand_report

from opskpi.config import load_settings
from opskpi.metrics.kpis import build_report
from opskpi.metrics.period import Filters, Period
from opskpi.metrics.report import group_names
from opskpi.metrics.snapshot import open_settings_snapshot


def test_to_json_is_the_kpis_json_object() -> None:
    got = hand_report().to_json()
    assert list(got) == [
        "as_of",
        "timezone",
        "since",
        "until",
        "response_times",
        "root_causes",
        "releases",
        "runbooks",
        "rca",
        "paging",
        "oncall",
        "noise",
    ]
    assert got["as_of"] == "2026-03-01T00:00:00+00:00"
    assert got["since"] == "2026-02-01"
    sev1 = got["response_times"][0]
    # the SLA denominators are for the app, not part of the JSON
    assert list(sev1) == [
        "severity",
        "incidents",
        "merged",
        "acknowledged",
        "unacknowledged",
        "resolved",
        "open",
        "tta_seconds",
        "ttr_seconds",
        "ack_sla_compliance",
        "resolve_sla_compliance",
        "breaching_open",
        "unacked_over_target",
    ]
    assert sev1["tta_seconds"] == {
        "mean": 120.0,
        "median": 120.0,
        "p90": 120.0,
        "p95": 120.0,
        "max": 120.0,
        "n": 2,
    }
    assert got["releases"] == {
        "incidents": 2,
        "release_caused": 1,
        "explicit": 1,
        "window": 0,
        "release_caused_share": 0.5,
        "deploys": 4,
        "deploys_with_incident": 1,
        "change_failure_rate": 0.25,
        "rollbacks": 0,
    }
    assert got["root_causes"][1] == {"root_cause": "capacity", "incidents": 1, "share": 0.5}
    # the INTERFACES order of the two on-call and noise objects
    assert got["oncall"] == {
        "interruptions": 4,
        "business_hours": 2,
        "off_hours": 1,
        "sleep_hours": 1,
        "people": 2,
        "max_per_person": 3,
        "sleep_hours_share": 0.25,
    }
    assert list(got["oncall"]) == [
        "interruptions",
        "business_hours",
        "off_hours",
        "sleep_hours",
        "people",
        "max_per_person",
        "sleep_hours_share",
    ]
    assert list(got["noise"]) == [
        "incidents",
        "resolved",
        "resolved_unacknowledged",
        "resolved_unacknowledged_share",
        "flapping",
        "flapping_share",
        "alerts_per_incident",
    ]


def test_filters_appear_only_when_set() -> None:
    assert "filters" not in hand_report(Filters(severities=())).to_json()
    got = hand_report(Filters(severities=("sev1",), services=("billing", "checkout"))).to_json()
    assert list(got)[-1] == "filters"
    assert got["filters"] == {"severities": ["sev1"], "services": ["billing", "checkout"]}


def test_long_rows_hold_every_number_of_the_json() -> None:
    rows = list(hand_report().long_rows())
    # per response_times row: 6 counts (incidents … open) + 2 × 6 statistics + 2 compliances
    # + 2 open counts = 22; root causes 2 × (incidents, share) = 4; releases 9, runbooks 4,
    # rca 8, paging 4 = 25; oncall 7, noise 7 = 14
    assert len(rows) == 2 * 22 + 4 + 25 + 14
    assert ("response_times", "sev1", "tta_seconds.n", 2) in rows
    assert ("response_times", "all", "unacked_over_target", None) in rows
    assert ("root_causes", "capacity", "share", 0.5) in rows
    assert ("releases", "", "change_failure_rate", 0.25) in rows
    assert ("paging", "", "escalation_rate", 0.0) in rows
    assert ("oncall", "", "sleep_hours_share", 0.25) in rows
    assert ("noise", "", "alerts_per_incident", 1.5) in rows
    assert not any(metric.endswith("sla_n") for _, _, metric, _ in rows)


def test_helpers_find_rows_and_groups() -> None:
    report = hand_report()
    assert report.pooled.severity == "all"
    assert report.severity("sev1") is report.response_times[0]
    assert report.severity("sev3") is None
    assert [name for name, _ in report.groups()] == [
        "releases",
        "runbooks",
        "rca",
        "paging",
        "oncall",
        "noise",
    ]
    assert group_names() == (
        "response_times",
        "root_causes",
        "releases",
        "runbooks",
        "rca",
        "paging",
        "oncall",
        "noise",
    )
    assert report.period == Period(date(2026, 2, 1), date(2026, 3, 1), report.as_of)


def test_the_report_survives_pickling() -> None:
    """st.cache_data pickles what it caches."""
    report = hand_report(Filters(teams=("Payments",)))
    assert pickle.loads(pickle.dumps(report)) == report


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = Path(tmp_path_factory.mktemp("report_types"))
    fx.build_fixture(directory)
    return directory / "opskpi.toml"


def test_the_sla_denominators_come_with_the_rows(config: Path) -> None:
    con = open_settings_snapshot(load_settings(config))
    try:
        report = build_report(con, Period.iso_week(2026, 10, fx.AS_OF))
    finally:
        con.close()
    # ack SLA: valid tta against a target: PW10A, PW10D (sev1), PW10B, og-w10-1 (sev2),
    # PW10C (sev3) = 5; resolve SLA: PW10A, PW10B, og-w10-1, PW10C, PW10F = 5 (PW10D is open,
    # og-w10-2 is sev4: no target)
    assert (report.pooled.ack_sla_n, report.pooled.resolve_sla_n) == (5, 5)
    sev1 = report.severity("sev1")
    assert sev1 is not None
    assert (sev1.ack_sla_n, sev1.resolve_sla_n) == (2, 1)
