"""RCA adherence and overdue corrective actions (KPI_DEFINITIONS.md §7). as_of
2026-03-20T12:00Z → today = 2026-03-20 in São Paulo. Actions are counted by due date."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from payloads import action, pd_incident, postmortem
from warehouse import TestWarehouse

AS_OF = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
MARCH = (date(2026, 3, 1), date(2026, 4, 1))


@pytest.fixture(scope="module")
def wh() -> TestWarehouse:
    wh = TestWarehouse()
    wh.land(
        "pagerduty",
        "incident",
        [
            pd_incident("P1", "2026-03-01T12:00:00Z", resolved_at="2026-03-01T12:30:00Z"),
            pd_incident(
                "P2",
                "2026-03-01T13:00:00Z",
                resolved_at="2026-03-01T13:30:00Z",
                priority="P2",
                service="billing",
            ),
        ],
    )
    wh.land(
        "postmortems",
        "postmortem",
        [
            postmortem(
                "2026/pm-1.md",
                ["pagerduty:P1"],
                published_at="2026-03-02T10:00:00Z",
                actions=[
                    action(
                        "AC-01", "2026-03-10", "Concluída", completed_on="2026-03-09"
                    ),  # on time
                    action("AC-02", "2026-03-10", "Done", completed_on="2026-03-12"),  # late
                    action("AC-03", "2026-03-15", "Aberta"),  # overdue
                    action("AC-04", "2026-03-15", "Em curso", must_fix="sim"),  # overdue, must-fix
                    action("AC-05", "2026-03-25", "Aberta"),  # not due yet
                    action("AC-06", "2026-03-12", "Cancelada"),  # leaves every KPI
                    action("AC-07", "2026-03-11", "Concluída"),  # done, no date: due, never on time
                    action("AC-08", "2026-03-20", "Open", must_fix="yes"),  # due today: not overdue
                ],
            ),
            postmortem(
                "2026/pm-2.md",
                ["pagerduty:P2"],
                published_at="2026-03-02T10:00:00Z",
                actions=[
                    action(
                        "AC-01", "10/03/2026", "Concluída", completed_on="10/03/2026"
                    ),  # dd/mm/yyyy
                    action("AC-02", "2026-02-20", "Aberta"),  # overdue but due in February
                ],
            ),
        ],
    )
    # the CSV repeats pm-2's AC-01 (the tracking sheet wins) and adds a new action
    wh.land(
        "postmortems",
        "action",
        [
            {
                "id": "AC-01",
                "postmortem": "2026/pm-2.md",
                "incident": None,
                "action": "same action, tracked in the sheet",
                "owner": "@bia",
                "due_date": "2026-03-10",
                "status": "Concluída",
                "completed_on": "2026-03-11",
                "must_fix": "não",
                "line": 2,
                "file": "actions.csv",
            },
            {
                "id": "AC-09",
                "postmortem": None,
                "incident": "pagerduty:P2",
                "action": "csv only",
                "owner": "@bia",
                "due_date": "2026-03-18",
                "status": "Aberta",
                "completed_on": None,
                "must_fix": "sim",
                "line": 3,
                "file": "actions.csv",
            },
        ],
        key=lambda r: f"{r['file']}#{r['line']}",
    )
    return wh.build()


def test_rca_figures(wh: TestWarehouse) -> None:
    rca = wh.report(*MARCH, AS_OF)["rca"]
    # due in March: pm-1 AC-01 AC-02 AC-03 AC-04 AC-07, pm-2 AC-01 (CSV: late), AC-09 → 7
    assert rca["actions_due"] == 7
    # on time: pm-1 AC-01 only (pm-2 AC-01 was completed 03-11 per the sheet, due 03-10)
    assert rca["actions_on_time"] == 1
    assert rca["rca_adherence"] == pytest.approx(1 / 7)
    # overdue (not done, due before 03-20): AC-03, AC-04, AC-09
    assert rca["overdue_actions"] == 3
    assert rca["overdue_must_fix"] == 2  # AC-04, AC-09


def test_filters_reach_actions_through_their_incidents(wh: TestWarehouse) -> None:
    from opskpi.metrics.period import Filters

    billing = wh.report(*MARCH, AS_OF, Filters(services=("billing",)))["rca"]
    # P2 (billing): pm-2 AC-01 (late, per the CSV) and AC-09 (overdue, must-fix)
    assert (billing["actions_due"], billing["actions_on_time"]) == (2, 0)
    assert (billing["overdue_actions"], billing["overdue_must_fix"]) == (1, 1)


def test_normalised_rows(wh: TestWarehouse) -> None:
    rows = {r["action_key"]: r for r in wh.rows("select * from corrective_actions")}
    assert len(rows) == 11  # 8 + 2 + 1 new from the CSV (the repeated AC-01 counts once)
    assert rows["2026/pm-2.md#AC-01"]["origin"] == "csv"
    assert rows["2026/pm-2.md#AC-01"]["completed_on"] == date(2026, 3, 11)
    assert rows["2026/pm-1.md#AC-06"]["status"] == "cancelled"
    assert rows["2026/pm-1.md#AC-07"]["is_done_without_date"] is True
    assert rows["pagerduty:P2#AC-09"]["incident_keys"] == ["pagerduty:P2"]


def test_done_without_date_is_on_the_health_view(wh: TestWarehouse) -> None:
    issues = wh.rows(
        "select object_key, field from data_quality_issues where entity = 'corrective_action'"
    )
    assert issues == [{"object_key": "2026/pm-1.md#AC-07", "field": "completed_on"}]
