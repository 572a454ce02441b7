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


def test_on_call_and_noise_match_the_hand_worked_values(con) -> None:
    report = kpi_report(con, W10)
    assert report["oncall"] == pytest.approx(fx.W10_ONCALL)
    assert report["noise"] == pytest.approx(fx.W10_NOISE)
    week_9 = kpi_report(con, W10.previous())["oncall"]
    assert (week_9["interruptions"], week_9["sleep_hours"], week_9["sleep_hours_share"]) == (
        2,
        1,
        0.5,
    )


def test_people_and_hours_of_week_10(con) -> None:
    from opskpi.metrics import kpis

    people = kpis.oncall_people(con, W10)
    assert [
        (r["person"], r["interruptions"], r["business_hours"], r["off_hours"], r["sleep_hours"])
        for r in people.to_dict("records")
    ] == [
        ("Davi", 3, 2, 0, 1),
        ("Bruno", 2, 2, 0, 0),
        ("Carla", 1, 1, 0, 0),
        ("eva@example.com", 1, 0, 1, 0),
    ]
    hours = kpis.oncall_hours(con, W10)
    cells = {
        (int(r["weekday"]), int(r["hour"])): int(r["interruptions"])
        for r in hours.to_dict("records")
        if r["interruptions"]
    }
    # Tue 15 h: Bruno, Carla, Bruno (PW10E); Wed 09 h; Thu 12 h; Sat 17 h; Sun 23 h
    assert cells == {(2, 15): 3, (3, 9): 1, (4, 12): 1, (6, 17): 1, (7, 23): 1}


def test_team_comparison_of_week_10(con) -> None:
    """Worked from the incident table of tests/app_fixture.py (team of each incident):

    Obras: PW10C (sev3), PW10D (sev1, open), PW10F (sev3, bad ack) = 3; tta 1800, 600 → median
      1200, p90 600 + 0.9·1200 = 1680; ttr 7200, 3600 → median 5400, p90 3600 + 0.9·3600 =
      6840; ack SLA 1800 ≤ 3600 ✓, 600 > 300 ✗ → 0.5; resolve 2/2; interruptions 3, sleep 1;
      no must-fix action of its incidents is overdue (BC-02 is not must-fix).
    Payments: PW10A (sev1), PW10B (sev2) = 2 (PW10E merged); tta 240, 1200 → median 720, p90
      240 + 0.9·960 = 1104; ttr 3000, 18000 → median 10500, p90 3000 + 0.9·15000 = 16500; ack
      240 ✓ 1200 ✗ → 0.5; resolve 3000 ✓ 18000 ✗ → 0.5; interruptions 3, sleep 0; AC-02
      (must-fix, due 03-06, in progress) overdue → 1.
    Plataforma: og-w10-1 (sev2), og-w10-2 (sev4) = 2; tta 300; ttr 3600, 1800 → median 2700,
      p90 1800 + 0.9·1800 = 3420; ack 1/1, resolve 1/1 (sev4 has no target); interruptions 1.
    Sorted by incidents, then name: Obras, Payments, Plataforma. The change failure rate is the
    releases KPI filtered to the team (the Releases page's figure for it)."""
    from opskpi.metrics import kpis
    from opskpi.metrics.teams import team_comparison

    rows = {row.team: row for row in team_comparison(con, W10)}
    assert [row.team for row in team_comparison(con, W10)] == ["Obras", "Payments", "Plataforma"]
    obras, payments, plataforma = rows["Obras"], rows["Payments"], rows["Plataforma"]
    assert (obras.incidents, obras.tta_median, obras.tta_p90) == (3, 1200, pytest.approx(1680))
    assert (obras.ttr_median, obras.ttr_p90) == (5400, pytest.approx(6840))
    assert (obras.ack_sla_compliance, obras.resolve_sla_compliance) == (0.5, 1.0)
    assert (obras.interruptions, obras.sleep_hours, obras.sleep_hours_share) == (3, 1, 1 / 3)
    assert (obras.flapping, obras.flapping_share, obras.overdue_must_fix) == (0, 0.0, 0)
    assert (payments.incidents, payments.tta_median, payments.tta_p90) == (
        2,
        720,
        pytest.approx(1104),
    )
    assert (payments.ttr_median, payments.ttr_p90) == (10500, pytest.approx(16500))
    assert (payments.ack_sla_compliance, payments.resolve_sla_compliance) == (0.5, 0.5)
    assert (payments.interruptions, payments.sleep_hours_share) == (3, 0.0)
    assert payments.overdue_must_fix == 1
    assert (plataforma.incidents, plataforma.tta_median, plataforma.ttr_median) == (2, 300, 2700)
    assert plataforma.ttr_p90 == pytest.approx(3420)
    assert (plataforma.ack_sla_compliance, plataforma.resolve_sla_compliance) == (1.0, 1.0)
    assert (plataforma.interruptions, plataforma.sleep_hours_share) == (1, 0.0)
    for row in rows.values():
        releases = kpis.releases(con, W10, Filters(teams=(row.team,))).iloc[0]
        assert row.deploys == releases["deploys"]
        assert row.deploys_with_incident == releases["deploys_with_incident"]
    only = team_comparison(con, W10, Filters(teams=("Obras",)))
    assert [row.team for row in only] == ["Obras"]
