"""The app fixture's hand-worked KPI values (tests/app_fixture.py) against the real SQL models,
and the list queries of metrics/lists.py on it: lists agree with the KPI models."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import app_fixture as fx
import pytest

from opskpi.metrics import lists
from opskpi.metrics.kpis import kpi_report
from opskpi.metrics.period import Filters, Period
from opskpi.metrics.snapshot import open_settings_snapshot

W10 = Period(date(2026, 3, 2), date(2026, 3, 9), fx.AS_OF)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    settings = fx.build_fixture(Path(tmp_path_factory.mktemp("app_fixture")))
    connection = open_settings_snapshot(settings)
    yield connection
    connection.close()


def _flat(report: dict) -> dict:
    every = next(r for r in report["response_times"] if r["severity"] == "all")
    rel, rb, rca, pg = report["releases"], report["runbooks"], report["rca"], report["paging"]
    return {
        "incidents": every["incidents"],
        "merged": every["merged"],
        "mtta": every["tta_seconds"]["mean"],
        "mtta_median": every["tta_seconds"]["median"],
        "mtta_p90": every["tta_seconds"]["p90"],
        "mttr": every["ttr_seconds"]["mean"],
        "mttr_median": every["ttr_seconds"]["median"],
        "mttr_p90": every["ttr_seconds"]["p90"],
        "ack_sla": every["ack_sla_compliance"],
        "resolve_sla": every["resolve_sla_compliance"],
        "breaching_open": every["breaching_open"],
        "release_caused_share": rel["release_caused_share"],
        "change_failure_rate": rel["change_failure_rate"],
        "rollbacks": rel["rollbacks"],
        "runbook_coverage": rb["coverage"],
        "rca_adherence": rca["rca_adherence"],
        "overdue_actions": rca["overdue_actions"],
        "overdue_must_fix": rca["overdue_must_fix"],
        "postmortem_on_time_share": rca["postmortem_on_time_share"],
        "acked_within_paging_window": pg["acked_within_paging_window"],
        "escalation_rate": pg["escalation_rate"],
    }


def test_week_10_matches_the_hand_worked_values(con) -> None:
    got = _flat(kpi_report(con, W10))
    assert got == pytest.approx(fx.W10)


def test_week_9_matches_the_hand_worked_values(con) -> None:
    got = _flat(kpi_report(con, W10.previous()))
    assert {k: got[k] for k in fx.W09} == pytest.approx(fx.W09)


def test_overdue_by_owner_sums_to_the_rca_kpi(con) -> None:
    owners = lists.overdue_by_owner(con, W10, None, fx.AS_OF)
    rca = kpi_report(con, W10)["rca"]
    assert owners["overdue_actions"].sum() == rca["overdue_actions"] == 2
    assert owners["overdue_must_fix"].sum() == rca["overdue_must_fix"] == 1
    assert owners.set_index("owner")["oldest_days_overdue"].to_dict() == {"@bruno": 4, "@carla": 8}


def test_deploy_list_has_the_attributed_incidents(con) -> None:
    deploys = lists.period_list(con, "deploy_list", W10).set_index("deploy_key")
    assert len(deploys) == 5  # the KPI's deploys
    assert deploys["has_incident"].sum() == 3  # the KPI's deploys_with_incident
    assert list(deploys.loc["argocd:checkout-api-prod#2", "explicit_keys"]) == ["pagerduty:PW10A"]
    assert list(deploys.loc["argocd:checkout-api-prod#3", "window_keys"]) == ["pagerduty:PW10B"]
    assert bool(deploys.loc["argocd:checkout-api-prod#4", "is_rollback"])


def test_incident_list_filters_and_orders(con) -> None:
    slowest = lists.incidents(con, W10, order_by="ttr")
    assert slowest["incident_key"].tolist()[:2] == ["pagerduty:PW10B", "pagerduty:PW10C"]
    assert len(slowest) == 7  # merged left out
    assert len(lists.incidents(con, W10, include_merged=True)) == 8
    without = lists.incidents(con, W10, without_runbook=True)
    assert sorted(without["incident_key"]) == [
        "opsgenie:og-w10-2",
        "pagerduty:PW10D",
        "pagerduty:PW10F",
    ]
    found = lists.incidents(con, W10, Filters(teams=("Obras",)), search="OBRAS")
    assert sorted(found["incident_key"]) == [
        "pagerduty:PW10C",
        "pagerduty:PW10D",
        "pagerduty:PW10F",
    ]


def test_timeline_adds_the_incidents_own_instants(con) -> None:
    timeline = lists.incident_timeline(con, "opsgenie:og-w10-1")
    assert timeline["kind"].tolist() == ["triggered", "acknowledged", "resolved"]
    assert timeline["offset_seconds"].tolist() == [0.0, 300.0, 3600.0]
    assert timeline["origin"].tolist() == ["incident", "event", "incident"]


def test_postmortem_status_lists_late_and_missing(con) -> None:
    problems = lists.postmortem_status(con, W10.previous())
    assert problems.set_index("incident_key")["postmortem_status"].to_dict() == {
        "pagerduty:PW09A": "missing",
        "opsgenie:og-w09-1": "missing",
        "pagerduty:PW09B": "late",
    }
