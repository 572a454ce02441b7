"""The vocabulary (config/vocabulary.py) as the SQL reads it, through the cfg_* tables the build
writes: the severity ladder orders lists and KPI rows, action statuses are normalised from their
spellings, a postmortem's severity is checked against the policy's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from payloads import action, pd_incident, postmortem
from warehouse import TestWarehouse

from opskpi.config.vocabulary import (
    ACTION_COLUMNS,
    ACTION_STATUS_SPELLINGS,
    ACTION_STATUSES,
    POLICY_SEVERITIES,
    SEVERITIES,
    severity_rank,
)
from opskpi.metrics import lists
from opskpi.metrics.period import Filters, Period

AS_OF = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1), AS_OF)


@pytest.fixture(scope="module")
def wh() -> TestWarehouse:
    wh = TestWarehouse()
    # created in this order, so "newest first" would list them unknown, sev2, sev4, sev1, sev3
    wh.land(
        "pagerduty",
        "incident",
        [
            pd_incident("S3", "2026-03-02T12:00:00Z", priority="P3"),
            pd_incident("S1", "2026-03-03T12:00:00Z", priority="P1"),
            pd_incident("S4", "2026-03-04T12:00:00Z", priority="P4"),
            pd_incident("S2", "2026-03-05T12:00:00Z", priority="P2"),
            # a priority the map does not know and an urgency it does not know: unknown
            pd_incident("SU", "2026-03-06T12:00:00Z", priority="P9", urgency="odd"),
        ],
    )
    wh.land(
        "postmortems",
        "postmortem",
        [
            postmortem(
                "pm-ok.md",
                ["pagerduty:S2"],
                published_at="2026-03-06T10:00:00Z",
                severity="Sev 2",
                actions=[
                    action("A1", "2026-03-10", "  Em Andamento "),
                    action("A2", "2026-03-10", "CONCLUÍDO", completed_on="2026-03-09"),
                    action("A3", "2026-03-10", "Canceled"),
                    action("A4", "2026-03-10", "to do"),
                    action("A5", "2026-03-10", "Fechada", completed_on="2026-03-09"),
                    action("A6", "2026-03-10", "talvez"),
                ],
            ),
            postmortem(
                "pm-sev5.md", ["pagerduty:S3"], published_at="2026-03-06T10:00:00Z", severity="sev5"
            ),
            postmortem(
                "pm-unknown.md",
                ["pagerduty:SU"],
                published_at="2026-03-07T10:00:00Z",
                severity="unknown",
            ),
        ],
    )
    return wh.build()


def test_the_ladder_is_sev1_to_sev4_then_unknown() -> None:
    assert SEVERITIES == ("sev1", "sev2", "sev3", "sev4", "unknown")
    assert POLICY_SEVERITIES == ("sev1", "sev2", "sev3", "sev4")
    assert [severity_rank(s) for s in ("sev1", "sev4", "unknown", "all")] == [1, 4, 5, 6]


def test_cfg_severities_holds_the_ladder(wh: TestWarehouse) -> None:
    rows = wh.rows("select severity, rank from cfg_severities order by rank")
    assert [(r["severity"], r["rank"]) for r in rows] == [
        ("sev1", 1),
        ("sev2", 2),
        ("sev3", 3),
        ("sev4", 4),
        ("unknown", 5),
    ]


def test_incident_list_by_severity_follows_the_ladder(wh: TestWarehouse) -> None:
    frame = lists.incidents(wh.con, MARCH, Filters(), order_by="severity")
    assert list(frame["incident_key"]) == [
        "pagerduty:S1",
        "pagerduty:S2",
        "pagerduty:S3",
        "pagerduty:S4",
        "pagerduty:SU",
    ]


def test_response_time_rows_follow_the_ladder_then_all(wh: TestWarehouse) -> None:
    rows = wh.report(*(MARCH.since, MARCH.until), AS_OF)["response_times"]
    assert [r["severity"] for r in rows] == ["sev1", "sev2", "sev3", "sev4", "unknown", "all"]


def test_action_statuses_are_normalised_from_their_spellings(wh: TestWarehouse) -> None:
    rows = wh.rows("select action_id, status from corrective_actions order by action_id")
    assert {r["action_id"]: r["status"] for r in rows} == {
        "A1": "in_progress",  # case and outer spaces ignored
        "A2": "done",  # accents ignored
        "A3": "cancelled",  # the American spelling too
        "A4": "open",
        "A5": "done",
        "A6": "unknown",  # no spelling of any status: listed on the data-health view
    }


def test_a_postmortem_severity_outside_the_policy_is_not_kept(wh: TestWarehouse) -> None:
    rows = wh.rows("select postmortem_id, severity from postmortems order by postmortem_id")
    assert {r["postmortem_id"]: r["severity"] for r in rows} == {
        "pm-ok.md": "sev2",
        "pm-sev5.md": None,
        # "unknown" is what opskpi calls an unmapped source severity, not one a policy sets
        "pm-unknown.md": None,
    }


def test_each_spelling_and_column_name_means_one_thing() -> None:
    spellings = [s for names in ACTION_STATUS_SPELLINGS.values() for s in names]
    assert len(spellings) == len(set(spellings))
    assert tuple(ACTION_STATUS_SPELLINGS) == ACTION_STATUSES
    names = [n for column in ACTION_COLUMNS.values() for n in column]
    assert len(names) == len(set(names))
