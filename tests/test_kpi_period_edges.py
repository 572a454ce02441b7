"""KPIs at the edges of a period, worked by hand (docs/kpis.md §3 and §5).

Reporting time zone America/Sao_Paulo: UTC-3 all year (no DST since 2019), so local = UTC - 3 h.
Service checkout-api is mapped to Argo CD app checkout-api-prod; release window 60 min.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from payloads import argo_history, pd_incident
from warehouse import TestWarehouse, by_severity

APP = "checkout-api-prod"
CONFIG = {"services": {"checkout-api": {"argocd_apps": [APP]}}}
AS_OF = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


# -- change failure rate: a deploy's incident may fall after the period ---------------------------
#
# The period is one local day, Saturday 2026-03-07: [2026-03-07, 2026-03-08).
#
# deploy  local time         UTC                in the period?
# #1      03-06 23:50        03-07 02:50Z       no (the day before)
# #2      03-07 09:00        03-07 12:00Z       yes
# #3      03-07 12:00        03-07 15:00Z       yes
# #4      03-07 23:40        03-08 02:40Z       yes (the last day, 20 min before midnight)
#
# incident  local time       UTC           release window (60 min before creation) holds
# a         03-07 00:10      03-07 03:10Z  #1 (20 min before): a deploy of the day before
# b         03-07 09:30      03-07 12:30Z  #2 (30 min before)
# c         03-08 00:20      03-08 03:20Z  #4 (40 min before): the incident is on the next day
#
# In the period: incidents a, b = 2, both release-caused (window) → share 2/2.
# Deploys in the period: #2, #3, #4 = 3. Failed (≥ 1 attributed incident, wherever it falls):
# #2 (b) and #4 (c, next day) = 2 → change failure rate 2/3. Deploy #1 is failed too (a) but
# it is not in the period. (Counting only the period's incidents gives 1/3: the old bug.)
# The next day alone [03-08, 03-09): incident c (release-caused), no deploy → rate null.


def _edge_warehouse() -> TestWarehouse:
    wh = TestWarehouse(CONFIG)
    wh.land(
        "argocd",
        "history_entry",
        [
            argo_history(1, "1111111aaaa", "2026-03-07T02:50:00Z"),
            argo_history(2, "2222222bbbb", "2026-03-07T12:00:00Z"),
            argo_history(3, "3333333cccc", "2026-03-07T15:00:00Z"),
            argo_history(4, "4444444dddd", "2026-03-08T02:40:00Z"),
        ],
        key=lambda r: f"{APP}/{r['id']}",
        parent_id=APP,
    )
    wh.land(
        "pagerduty",
        "incident",
        [
            pd_incident("a", "2026-03-07T03:10:00Z", resolved_at="2026-03-07T03:40:00Z"),
            pd_incident("b", "2026-03-07T12:30:00Z", resolved_at="2026-03-07T13:00:00Z"),
            pd_incident("c", "2026-03-08T03:20:00Z", resolved_at="2026-03-08T03:50:00Z"),
        ],
    )
    return wh.build()


def test_a_deploy_late_on_the_last_day_fails_by_the_next_days_incident() -> None:
    wh = _edge_warehouse()
    saturday = wh.report(date(2026, 3, 7), date(2026, 3, 8), AS_OF)["releases"]
    assert saturday["incidents"] == 2  # a, b
    assert saturday["release_caused"] == 2
    assert saturday["deploys"] == 3  # #2, #3, #4
    assert saturday["deploys_with_incident"] == 2  # #2 (b), #4 (c on Sunday)
    assert saturday["change_failure_rate"] == 2 / 3
    sunday = wh.report(date(2026, 3, 8), date(2026, 3, 9), AS_OF)["releases"]
    assert (sunday["incidents"], sunday["release_caused"], sunday["deploys"]) == (1, 1, 0)
    assert sunday["change_failure_rate"] is None


def test_the_deploy_list_and_the_kpi_agree_at_the_edge() -> None:
    from opskpi.metrics import lists
    from opskpi.metrics.period import Filters, Period

    wh = _edge_warehouse()
    deploys = lists.period_list(
        wh.con, "deploy_list", Period(date(2026, 3, 7), date(2026, 3, 8), AS_OF), Filters()
    )
    failed = dict(zip(deploys["history_id"], deploys["has_incident"], strict=True))
    assert failed == {2: True, 3: False, 4: True}


# -- the pooled row's open counts are counts ------------------------------------------------------
#
# r1: sev1 (P1), 03-02 10:00Z, resolved 10:30Z → not open.
# o4: sev4 (P4), 03-02 11:00Z, open, never acknowledged → open, but sev4 has no targets.
# Judged at 2026-03-10 12:00Z, o4 is 8 days old; still neither breaching nor unacked past target.
# Rows of the week [03-02, 03-09):
#   sev1: has targets, nothing open → breaching_open 0, unacked_over_target 0;
#   sev4: no target → null, null;
#   all: sums sev1–3 → 0 + nothing = 0, 0 (a count: never null).
# An empty week [03-16, 03-23): only the all row, 0 incidents → 0, 0.


def test_the_pooled_open_counts_are_zero_not_null() -> None:
    wh = TestWarehouse()
    wh.land(
        "pagerduty",
        "incident",
        [
            pd_incident("r1", "2026-03-02T10:00:00Z", resolved_at="2026-03-02T10:30:00Z"),
            pd_incident("o4", "2026-03-02T11:00:00Z", status="triggered", priority="P4"),
        ],
    )
    wh.build()
    rows = by_severity(wh.report(date(2026, 3, 2), date(2026, 3, 9), AS_OF))
    assert set(rows) == {"sev1", "sev4", "all"}
    assert (rows["sev1"]["breaching_open"], rows["sev1"]["unacked_over_target"]) == (0, 0)
    assert (rows["sev4"]["breaching_open"], rows["sev4"]["unacked_over_target"]) == (None, None)
    assert (rows["all"]["open"], rows["all"]["breaching_open"]) == (1, 0)
    assert rows["all"]["unacked_over_target"] == 0
    empty = by_severity(wh.report(date(2026, 3, 16), date(2026, 3, 23), AS_OF))
    assert list(empty) == ["all"]
    assert (empty["all"]["incidents"], empty["all"]["breaching_open"]) == (0, 0)
    assert empty["all"]["unacked_over_target"] == 0


def test_only_sev4_open_keeps_the_pooled_counts_at_zero() -> None:
    # o4 alone (sev4, open): the period has no incident of a severity with targets at all
    wh = TestWarehouse()
    wh.land(
        "pagerduty",
        "incident",
        [pd_incident("o4", "2026-03-02T11:00:00Z", status="triggered", priority="P4")],
    )
    wh.build()
    rows = by_severity(wh.report(date(2026, 3, 2), date(2026, 3, 9), AS_OF))
    assert (rows["sev4"]["breaching_open"], rows["sev4"]["unacked_over_target"]) == (None, None)
    assert (rows["all"]["breaching_open"], rows["all"]["unacked_over_target"]) == (0, 0)
