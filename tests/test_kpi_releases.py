"""Release attribution, change failure rate and rollbacks (KPI_DEFINITIONS.md §5).

Service checkout-api is mapped to Argo CD app checkout-api-prod; release window 60 min, edges
included: created_at - 60 min ≤ deployed_at ≤ created_at.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from payloads import argo_history, pd_custom_fields, pd_incident
from warehouse import TestWarehouse

APP = "checkout-api-prod"
REV_A, REV_B, REV_C = "aaaaaaa1111111", "bbbbbbb2222222", "ccccccc3333333"
CONFIG = {
    "services": {"checkout-api": {"argocd_apps": [APP]}},
    "releases": {"pagerduty_field": "release"},  # unset by default: nothing is read
}


@pytest.fixture(scope="module")
def wh() -> TestWarehouse:
    wh = TestWarehouse(CONFIG)
    wh.land(
        "argocd",
        "history_entry",
        [
            argo_history(1, REV_A, "2026-03-02T10:00:00Z"),
            argo_history(2, REV_B, "2026-03-02T12:00:00Z"),
            argo_history(
                3, REV_A, "2026-03-02T14:00:00Z"
            ),  # rollback: ≠ previous (B), = earlier (A)
            argo_history(4, REV_C, "2026-03-02T16:00:00Z"),
            argo_history(5, REV_C, "2026-03-02T16:30:00Z"),  # a redeploy of C, not a rollback
        ],
        key=lambda r: f"{APP}/{r['id']}",
        parent_id=APP,
    )
    wh.land(
        "pagerduty",
        "incident",
        [
            # i1: deploy 1 finished exactly 60 min before: inside the window (edge included)
            pd_incident("i1", "2026-03-02T11:00:00Z", resolved_at="2026-03-02T11:10:00Z"),
            # i2: deploy 2 finished 60 min 1 s before: outside
            pd_incident("i2", "2026-03-02T13:00:01Z", resolved_at="2026-03-02T13:10:00Z"),
            # i3: deploy 3 finishes 1 s after creation: after the incident, not a cause
            pd_incident("i3", "2026-03-02T13:59:59Z", resolved_at="2026-03-02T14:10:00Z"),
            # i4: deploys 4 (45 min before) and 5 (15 min before): the latest, 5, is attributed
            pd_incident("i4", "2026-03-02T16:45:00Z", resolved_at="2026-03-02T17:00:00Z"),
            # i5: explicit link app@<7-char prefix of A>; A was deployed by 1 and 3: the latest
            # at or before creation (3) is meant. Deploy 3 is also exactly 60 min before:
            # window too.
            pd_incident("i5", "2026-03-02T15:00:00Z", resolved_at="2026-03-02T15:30:00Z"),
            # i6: a 4-character prefix names no deploy: not release-caused, listed on data health
            pd_incident("i6", "2026-03-03T09:00:00Z", resolved_at="2026-03-03T09:30:00Z"),
            # i7: a service without Argo CD apps
            pd_incident(
                "i7", "2026-03-02T10:30:00Z", resolved_at="2026-03-02T10:40:00Z", service="billing"
            ),
            # i8: within deploy 2's window but merged: it never makes deploy 2 a failure
            pd_incident(
                "i8", "2026-03-02T12:30:00Z", resolved_at="2026-03-02T12:31:00Z", merged_into="i1"
            ),
        ],
    )
    wh.land(
        "pagerduty",
        "incident_custom_fields",
        [
            {"incident": "i5", **pd_custom_fields({"release": f"{APP}@{REV_A[:7]}"})},
            {"incident": "i6", **pd_custom_fields({"release": f"{APP}@aaaa"})},
        ],
        key="incident",
    )
    return wh.build()


def attributed(wh: TestWarehouse) -> dict[str, tuple]:
    rows = wh.rows(
        "select source_id, release_key, is_release_explicit, is_release_window "
        "from incidents order by source_id"
    )
    return {
        r["source_id"]: (r["release_key"], r["is_release_explicit"], r["is_release_window"])
        for r in rows
    }


def test_window_edges_and_latest_deploy(wh: TestWarehouse) -> None:
    got = attributed(wh)
    assert got["i1"] == (f"argocd:{APP}#1", False, True)
    assert got["i2"] == (None, False, False)
    assert got["i3"] == (None, False, False)
    assert got["i4"] == (f"argocd:{APP}#5", False, True)
    assert got["i7"] == (None, False, False)


def test_explicit_link_by_revision_prefix(wh: TestWarehouse) -> None:
    got = attributed(wh)
    assert got["i5"] == (f"argocd:{APP}#3", True, True)
    assert got["i6"] == (None, False, False)
    issue = wh.one(
        "select problem, detail from data_quality_issues where object_key = 'pagerduty:i6'"
    )
    assert issue["detail"] == f"{APP}@aaaa"


def test_rollbacks(wh: TestWarehouse) -> None:
    rows = wh.rows("select history_id, is_rollback from deploys order by history_id")
    assert [r["is_rollback"] for r in rows] == [False, False, True, False, False]


def test_release_kpis(wh: TestWarehouse) -> None:
    releases = wh.report(date(2026, 3, 1), date(2026, 3, 8), datetime(2026, 3, 10, tzinfo=UTC))[
        "releases"
    ]
    assert releases == {
        "incidents": 7,  # i1..i7 (i8 merged)
        "release_caused": 3,  # i1, i4, i5 (i5 counted once although both links hold)
        "explicit": 1,  # i5
        "window": 3,  # i1, i4, i5
        "release_caused_share": pytest.approx(3 / 7),
        "deploys": 5,
        "deploys_with_incident": 3,  # 1 (i1), 3 (i5), 5 (i4); 2 only has the merged i8
        "change_failure_rate": pytest.approx(3 / 5),
        "rollbacks": 1,
    }


def test_cfr_counts_incidents_outside_the_period(wh: TestWarehouse) -> None:
    # deploys of March 2 in a period that ends before i6 (March 3): nothing changes for deploys;
    # a period holding only March 3 has i6 and no deploy
    march3 = wh.report(date(2026, 3, 3), date(2026, 3, 4), datetime(2026, 3, 10, tzinfo=UTC))
    assert march3["releases"]["deploys"] == 0
    assert march3["releases"]["change_failure_rate"] is None
    assert march3["releases"]["incidents"] == 1
