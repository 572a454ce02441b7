"""Runbook coverage (§6), paging (§8), root-cause precedence (§4) and the severity mapping
(INTERFACES.md) on hand-made PagerDuty and Opsgenie payloads."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from payloads import og_alert, og_log, pd_alert, pd_custom_fields, pd_incident, pd_log, postmortem
from warehouse import TestWarehouse, by_severity

PERIOD = (date(2026, 3, 1), date(2026, 3, 8))
AS_OF = datetime(2026, 3, 10, tzinfo=UTC)
CONFIG = {"services": {"configured": {"runbook_url": "https://wiki/runbooks/configured"}}}


def runbook_warehouse() -> TestWarehouse:
    wh = TestWarehouse(CONFIG)
    t = "2026-03-02T12:00:00Z"
    wh.land(
        "pagerduty",
        "incident",
        [
            pd_incident("r1", t, service="a"),
            pd_incident("r2", t, service="b"),
            pd_incident("r3", t, service="c"),
            pd_incident("r4", t, service="configured"),
            pd_incident("r5", t, service="nothing"),
        ],
    )
    wh.land(
        "pagerduty",
        "alert",
        [
            pd_alert("AL1", "r1", t, details={"runbook_url": "https://wiki/rb/a"}),
            # a link context whose href (not text) says runbook
            pd_alert("AL3", "r3", t, contexts=[{"type": "link", "href": "https://x/Runbook-c"}]),
        ],
    )
    wh.land(
        "pagerduty",
        "log_entry",
        [
            pd_log(
                "T2",
                "r2",
                "trigger_log_entry",
                t,
                contexts=[{"type": "link", "href": "https://wiki/b", "text": "Runbook do b"}],
            ),
            # a link that is not a runbook does not count
            pd_log(
                "T5",
                "r5",
                "trigger_log_entry",
                t,
                contexts=[{"type": "link", "href": "https://grafana/d", "text": "Dashboard"}],
            ),
        ],
    )
    wh.land(
        "opsgenie",
        "alert",
        [
            og_alert(
                "o6", t, close_ms=60000, description="Impacto alto\nRunbook: https://wiki/rb/o6"
            ),
            og_alert("o7", t, close_ms=60000, details={"runbook": "https://wiki/rb/o7"}),
            og_alert("o8", t, close_ms=60000, entity="billing"),
        ],
    )
    return wh.build()


def test_runbook_sources_in_order() -> None:
    wh = runbook_warehouse()
    got = {
        r["incident_key"]: (r["runbook_url"], r["runbook_source"])
        for r in wh.rows("select incident_key, runbook_url, runbook_source from incidents")
    }
    assert got == {
        "pagerduty:r1": ("https://wiki/rb/a", "pagerduty alert"),
        "pagerduty:r2": ("https://wiki/b", "pagerduty trigger log entry"),
        "pagerduty:r3": ("https://x/Runbook-c", "pagerduty alert"),
        "pagerduty:r4": ("https://wiki/runbooks/configured", "config"),
        "pagerduty:r5": (None, None),
        "opsgenie:o6": ("https://wiki/rb/o6", "opsgenie alert"),
        "opsgenie:o7": ("https://wiki/rb/o7", "opsgenie alert"),
        "opsgenie:o8": (None, None),
    }
    runbooks = wh.report(*PERIOD, AS_OF)["runbooks"]
    assert runbooks == {
        "incidents": 8,
        "with_runbook": 6,
        "without_runbook": 2,
        "coverage": pytest.approx(6 / 8),
    }


def test_paging_and_escalations() -> None:
    wh = TestWarehouse()
    wh.land(
        "pagerduty",
        "incident",
        [
            pd_incident("p1", "2026-03-02T12:00:00Z", resolved_at="2026-03-02T13:00:00Z"),
            pd_incident("p2", "2026-03-02T12:00:00Z", resolved_at="2026-03-02T13:00:00Z"),
            pd_incident("p3", "2026-03-02T12:00:00Z", resolved_at="2026-03-02T13:00:00Z"),
        ],
    )
    wh.land(
        "pagerduty",
        "log_entry",
        [
            # p1: two escalations before the first ack (12:12 → tta 720), one after: count 2
            pd_log("a", "p1", "escalate_log_entry", "2026-03-02T12:05:00Z"),
            pd_log("b", "p1", "escalate_log_entry", "2026-03-02T12:10:00Z"),
            pd_log("c", "p1", "acknowledge_log_entry", "2026-03-02T12:12:00Z"),
            pd_log("d", "p1", "escalate_log_entry", "2026-03-02T12:20:00Z"),
            # p2: never acknowledged: all three escalations count
            pd_log("e", "p2", "escalate_log_entry", "2026-03-02T12:05:00Z"),
            pd_log("f", "p2", "escalate_log_entry", "2026-03-02T12:10:00Z"),
            pd_log("g", "p2", "escalate_log_entry", "2026-03-02T12:15:00Z"),
            # p3: acked after 180 s, no escalation
            pd_log("h", "p3", "acknowledge_log_entry", "2026-03-02T12:03:00Z"),
        ],
    )
    # Opsgenie: acked at 120 s (report), one "Escalated to next level" line before
    wh.land(
        "opsgenie",
        "alert",
        [og_alert("o1", "2026-03-02T12:00:00.000Z", ack_ms=120000, close_ms=600000)],
    )
    wh.land(
        "opsgenie",
        "alert_log",
        [
            og_log(
                "Escalated to next level: Plataforma (secundário)", "2026-03-02T12:01:00.000Z", "1"
            ),
            og_log("Alert acknowledged via web", "2026-03-02T12:02:00.000Z", "2"),
        ],
        key=lambda r: f"o1/{r['offset']}",
        parent_id="o1",
    )
    wh.build()
    counts = {
        r["incident_key"]: (r["escalation_count"], r["tta_seconds"])
        for r in wh.rows("select incident_key, escalation_count, tta_seconds from incidents")
    }
    assert counts == {
        "pagerduty:p1": (2, 720.0),
        "pagerduty:p2": (3, None),
        "pagerduty:p3": (0, 180.0),
        "opsgenie:o1": (1, 120.0),
    }
    paging = wh.report(*PERIOD, AS_OF)["paging"]
    # acked (valid tta): p1, p3, o1; within 300 s: p3 (180), o1 (120)
    assert paging == {
        "acknowledged": 3,
        "acked_within_paging_window": pytest.approx(2 / 3),
        "escalated": 3,
        "escalation_rate": pytest.approx(3 / 4),
    }


def test_root_cause_precedence_and_shares() -> None:
    wh = TestWarehouse({"taxonomy": {"pagerduty_field": "root_cause"}})
    t = "2026-03-02T12:00:00Z"
    wh.land(
        "pagerduty",
        "incident",
        [pd_incident(k, t, resolved_at="2026-03-02T12:30:00Z") for k in ("c1", "c2", "c4", "c5")],
    )
    wh.land(
        "pagerduty",
        "incident_custom_fields",
        [
            {"incident": "c1", **pd_custom_fields({"root_cause": "data"})},
            {"incident": "c2", **pd_custom_fields({"root_cause": "Data"})},
            {"incident": "c5", **pd_custom_fields({"root_cause": "bogus"})},
        ],
        key="incident",
    )
    wh.land(
        "opsgenie",
        "alert",
        [og_alert("c3", t, close_ms=1000, tags=["service:x", "cause:security"])],
    )
    # the postmortem's category wins over the incident field
    wh.land(
        "postmortems",
        "postmortem",
        [postmortem("pm.md", ["pagerduty:c1"], published_at=t, root_cause="capacity")],
    )
    wh.build()
    got = dict(wh.con.execute("select incident_key, root_cause from incidents").fetchall())
    assert got == {
        "pagerduty:c1": "capacity",
        "pagerduty:c2": "data",
        "opsgenie:c3": "security",
        "pagerduty:c4": "unclassified",
        "pagerduty:c5": "unclassified",
    }
    causes = {
        r["root_cause"]: (r["incidents"], r["share"])
        for r in wh.report(*PERIOD, AS_OF)["root_causes"]
    }
    assert list(causes) == [
        "change",
        "capacity",
        "external_dependency",
        "data",
        "security",
        "process",
        "unclassified",
    ]
    assert causes["capacity"] == (1, pytest.approx(1 / 5))
    assert causes["data"] == (1, pytest.approx(1 / 5))
    assert causes["security"] == (1, pytest.approx(1 / 5))
    assert causes["unclassified"] == (2, pytest.approx(2 / 5))
    assert causes["change"] == (0, 0.0)
    issue = wh.one("select detail from data_quality_issues where field = 'root_cause'")
    assert issue["detail"] == "bogus"


def test_severity_mapping_defaults_and_overrides() -> None:
    t = "2026-03-02T12:00:00Z"
    incidents = [
        pd_incident("p1", t, priority="P1"),
        pd_incident("p5", t, priority="P5"),
        pd_incident("hi", t, priority=None, urgency="high"),
        pd_incident("lo", t, priority=None, urgency="low"),
        # a custom priority name not in the map falls back to urgency, and is reported
        pd_incident("custom", t, priority="SEV-1", urgency="low"),
    ]
    alerts = [
        og_alert("o3", t, priority="P3", close_ms=1),
        og_alert("o5", t, priority="P5", close_ms=1),
    ]
    default = TestWarehouse()
    default.land("pagerduty", "incident", incidents)
    default.land("opsgenie", "alert", alerts)
    default.build()
    got = dict(default.con.execute("select source_id, severity from incidents").fetchall())
    assert got == {
        "p1": "sev1",
        "p5": "sev4",
        "hi": "sev2",
        "lo": "sev3",
        "custom": "sev3",
        "o3": "sev3",
        "o5": "sev4",
    }
    custom = TestWarehouse(
        {"sources": {"pagerduty": {"token_env": "X", "severity": {"priority": {"SEV-1": "sev1"}}}}}
    )
    custom.land("pagerduty", "incident", incidents)
    custom.build()
    got = dict(custom.con.execute("select source_id, severity from incidents").fetchall())
    assert got["custom"] == "sev1"
    rows = by_severity(custom.report(*PERIOD, AS_OF))
    assert rows["sev1"]["incidents"] == 2  # p1 and custom
