"""Runbook coverage (§6) read from the trigger log entry's channel details, on hand-made
PagerDuty payloads: an alert's ``body.details`` are its Events API custom details, which the
incident's trigger log entry carries as ``channel.details`` (``include[]=channels``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from payloads import pd_alert, pd_incident, pd_log
from warehouse import TestWarehouse

PERIOD = (date(2026, 3, 1), date(2026, 3, 8))
AS_OF = datetime(2026, 3, 10, tzinfo=UTC)
T = "2026-03-02T12:00:00Z"
LATER = "2026-03-02T12:01:00Z"


def events(details: dict[str, str]) -> dict[str, object]:
    return {"type": "events_api_v2", "summary": "disk full", "details": details}


def link(href: str, text: str = "Runbook") -> list[dict[str, str]]:
    return [{"type": "link", "href": href, "text": text}]


def test_channel_details_count_as_alert_details() -> None:
    wh = TestWarehouse()
    wh.land(
        "pagerduty",
        "incident",
        [pd_incident(f"ch{n}", T, service=f"svc{n}") for n in range(1, 8)],
    )
    wh.land(
        "pagerduty",
        "log_entry",
        [
            # ch1: runbook_url in the channel details, no alert landed
            pd_log("T1", "ch1", "trigger_log_entry", T, channel=events({"runbook_url": "u/1"})),
            # ch2: an empty runbook_url does not hide `runbook`
            pd_log(
                "T2",
                "ch2",
                "trigger_log_entry",
                T,
                channel=events({"runbook_url": "", "runbook": "u/2"}),
            ),
            # ch3: details before links, on the same entry
            pd_log(
                "T3",
                "ch3",
                "trigger_log_entry",
                T,
                channel=events({"runbook_url": "u/3-details"}),
                contexts=link("u/3-link"),
            ),
            # ch4: the first alert landed too (same data, same instant): named after the alert
            pd_log("T4", "ch4", "trigger_log_entry", T, channel=events({"runbook_url": "u/4"})),
            # ch5: a runbook link on the trigger, a runbook in a later alert's details: details
            # come first whatever the time
            pd_log(
                "T5",
                "ch5",
                "trigger_log_entry",
                T,
                channel=events({"service": "svc5"}),
                contexts=link("u/5-link"),
            ),
            # ch6: opened by email (no details object): only the alert has it
            pd_log("T6", "ch6", "trigger_log_entry", T, channel={"type": "email"}),
            # ch7: a web trigger's details are a string: not read
            pd_log(
                "T7",
                "ch7",
                "trigger_log_entry",
                T,
                channel={"type": "web_trigger", "details": "runbook_url: u/7"},
            ),
        ],
    )
    wh.land(
        "pagerduty",
        "alert",
        [
            pd_alert("A4", "ch4", T, details={"runbook_url": "u/4"}),
            pd_alert("A5a", "ch5", T, details={"service": "svc5"}, contexts=link("u/5-link")),
            pd_alert("A5b", "ch5", LATER, details={"runbook_url": "u/5-details"}),
            pd_alert("A6", "ch6", T, details={"runbook": "u/6"}),
        ],
    )
    wh.build()
    got = {
        r["source_id"]: (r["runbook_url"], r["runbook_source"])
        for r in wh.rows("select source_id, runbook_url, runbook_source from incidents")
    }
    entry, alert = "pagerduty trigger log entry", "pagerduty alert"
    assert got == {
        "ch1": ("u/1", entry),
        "ch2": ("u/2", entry),
        "ch3": ("u/3-details", entry),
        "ch4": ("u/4", alert),
        "ch5": ("u/5-details", alert),
        "ch6": ("u/6", alert),
        "ch7": (None, None),
    }
    # 6 of 7 incidents have a runbook, none from config (no service has one)
    assert wh.report(*PERIOD, AS_OF)["runbooks"] == {
        "incidents": 7,
        "with_runbook": 6,
        "without_runbook": 1,
        "coverage": pytest.approx(6 / 7),
    }
