"""Alert noise (docs/kpis.md §11), worked by hand: resolved-unacknowledged, flapping at the edge
of the flap window, alerts per incident (PagerDuty alert_counts.all, an Opsgenie alert is 1),
merged and bad-timestamp incidents, per service, and the flap window from config.

All created on Mon 2026-04-20 (local = UTC-3). Incidents (default flap window 5 min = 300 s):

| id  | src | service  | created  | ack   | resolved         | alerts | res. unacked | flapping |
|-----|-----|----------|----------|-------|------------------|--------|--------------|----------|
| QA  | pd  | checkout | 13:00:00 | —     | 13:04:59 (299 s) | 3      | yes          | yes      |
| QB  | pd  | checkout | 14:00:00 | —     | 14:05:00 (300 s) | 1      | yes          | yes (≤)  |
| QC  | pd  | checkout | 15:00:00 | —     | 15:05:01 (301 s) | 1      | yes          | no       |
| QD  | pd  | billing  | 16:00:00 | 16:01 | 16:02 (120 s)    | 2      | no           | no       |
| QE  | pd  | billing  | 17:00:00 | —     | open             | 1      | — (open)     | no       |
| QF  | pd  | checkout | 13:00:30 | —     | 13:01:00, merged | 1      | left out     | left out |
| QG  | pd  | checkout | 18:00:00 | —     | 17:59:00 (bad)   | 1      | yes          | no (ttr) |
| og1 | og  | billing  | 19:00:00 | —     | 19:02:00 (120 s) | (1)    | yes          | yes      |
Non-merged incidents 7 (QF merged); resolved 6 (QA QB QC QD QG og1); resolved unacked 5 →
5/6; flapping 3 (QA QB og1) → 3/7; alerts (3+1+1+2+1+1+1) = 10 over 7 → 10/7.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from payloads import og_alert, pd_incident, pd_log
from warehouse import TestWarehouse

from opskpi.metrics import kpis
from opskpi.metrics.period import Filters, Period

AS_OF = datetime(2026, 5, 1, tzinfo=UTC)
PERIOD = (date(2026, 4, 20), date(2026, 4, 21))


def _incidents() -> list[dict[str, Any]]:
    def inc(name: str, created: str, resolved: str | None, alerts: int, **kw: Any) -> Any:
        status = "resolved" if resolved else "triggered"
        return pd_incident(
            name,
            f"2026-04-20T{created}Z",
            status=status,
            resolved_at=f"2026-04-20T{resolved}Z" if resolved else None,
            alert_count=alerts,
            **kw,
        )

    return [
        inc("QA", "13:00:00", "13:04:59", 3),
        inc("QB", "14:00:00", "14:05:00", 1),
        inc("QC", "15:00:00", "15:05:01", 1),
        inc("QD", "16:00:00", "16:02:00", 2, service="billing", team="Finance"),
        inc("QE", "17:00:00", None, 1, service="billing", team="Finance"),
        inc("QF", "13:00:30", "13:01:00", 1, merged_into="QA"),
        inc("QG", "18:00:00", "17:59:00", 1),
    ]


def _warehouse(config: dict[str, Any] | None = None) -> TestWarehouse:
    wh = TestWarehouse(config)
    wh.land("pagerduty", "incident", _incidents())
    wh.land(
        "pagerduty",
        "log_entry",
        [pd_log("L1", "QD", "acknowledge_log_entry", "2026-04-20T16:01:00Z")],
    )
    wh.land(
        "opsgenie",
        "alert",
        [
            og_alert(
                "og1", "2026-04-20T19:00:00.000Z", close_ms=120_000, details={"service": "billing"}
            )
        ],
    )
    return wh.build()


def test_noise_of_the_period() -> None:
    assert _warehouse().report(*PERIOD, AS_OF)["noise"] == {
        "incidents": 7,
        "resolved": 6,
        "resolved_unacknowledged": 5,
        "resolved_unacknowledged_share": 5 / 6,
        "flapping": 3,
        "flapping_share": 3 / 7,
        "alerts_per_incident": 10 / 7,
    }


def test_per_service_the_noisiest_first() -> None:
    """checkout: QA QB QC QG → resolved 4, unacked 4 → 1.0; flapping QA QB → 2/4.
    billing: QD QE og1 → resolved QD og1 = 2, unacked og1 → 1/2; flapping og1 → 1/3."""
    frame = kpis.noise(_warehouse().con, Period(*PERIOD, AS_OF), dimension="service")
    rows = frame.to_dict("records")
    assert [r["dimension_value"] for r in rows] == ["checkout-api", "billing"]
    checkout, billing = rows
    assert (checkout["incidents"], checkout["flapping"]) == (4, 2)
    assert checkout["resolved_unacknowledged_share"] == 1.0
    assert checkout["flapping_share"] == 0.5
    assert checkout["alerts_per_incident"] == (3 + 1 + 1 + 1) / 4
    assert (billing["incidents"], billing["resolved"], billing["flapping"]) == (3, 2, 1)
    assert billing["resolved_unacknowledged_share"] == 0.5
    assert billing["flapping_share"] == pytest.approx(1 / 3)


def test_flap_window_from_config() -> None:
    """[noise] flap_window = "2m": QA (299 s), QB (300 s) no longer flap; og1 (120 s) still
    does (≤ 120 s): 1/7."""
    noise = _warehouse({"noise": {"flap_window": "2m"}}).report(*PERIOD, AS_OF)["noise"]
    assert (noise["flapping"], noise["flapping_share"]) == (1, 1 / 7)


def test_alerts_per_incident_only_where_the_source_counts() -> None:
    """Without alert_counts (an older payload) a PagerDuty incident has no count: only the
    Opsgenie alert (1) is averaged; a period with neither gives null, shares of empty
    denominators are null and counts 0."""
    wh = TestWarehouse()
    wh.land(
        "pagerduty",
        "incident",
        [pd_incident("QX", "2026-04-20T13:00:00Z", resolved_at="2026-04-20T14:00:00Z")],
    )
    wh.land("opsgenie", "alert", [og_alert("og1", "2026-04-20T19:00:00.000Z", close_ms=60_000)])
    wh.build()
    assert wh.report(*PERIOD, AS_OF)["noise"]["alerts_per_incident"] == 1.0
    pagerduty_only = wh.report(*PERIOD, AS_OF, Filters(sources=("pagerduty",)))["noise"]
    assert pagerduty_only["alerts_per_incident"] is None
    assert wh.report(date(2026, 6, 1), date(2026, 6, 2), AS_OF)["noise"] == {
        "incidents": 0,
        "resolved": 0,
        "resolved_unacknowledged": 0,
        "resolved_unacknowledged_share": None,
        "flapping": 0,
        "flapping_share": None,
        "alerts_per_incident": None,
    }
