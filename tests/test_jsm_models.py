"""JSM Operations through the real models, on hand-made payloads: both spellings of the fields
public sources disagree on give the same unified incident; continuity (cutover, pairs, JSM
preferred) counts every alert once; postmortems follow the record that counts; the data-health
tables say what happened. Every expected value is worked out in the comments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from payloads import postmortem
from warehouse import TestWarehouse

AS_OF = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
MARCH = (date(2026, 3, 1), date(2026, 4, 1))
JSM = {
    "site": "https://acme.atlassian.net",
    "cloud_id": "c0ffee",
    "email_env": "JSM_EMAIL",
    "api_token_env": "JSM_API_TOKEN",
}


def jsm_alert(alert_id: str, created_at: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": alert_id,
        "tinyId": fields.pop("tiny", "1"),
        "alias": fields.pop("alias", alert_id),
        "message": f"alert {alert_id}",
        "status": "closed",
        "priority": "P2",
        "createdAt": created_at,
        "updatedAt": created_at,
        "tags": [],
        "responders": [],
    }
    body.update(fields)
    return body


def og_alert(alert_id: str, created_at: str, tiny: str, alias: str) -> dict[str, Any]:
    return {
        "id": alert_id,
        "tinyId": tiny,
        "alias": alias,
        "message": f"alert {alert_id}",
        "status": "closed",
        "priority": "P3",
        "createdAt": created_at,
        "updatedAt": created_at,
        "tags": [],
        "report": {"ackTime": 60_000, "closeTime": 600_000},
        "responders": [],
    }


def log(text: str, at: str, *, spelling: str = "jsm") -> dict[str, Any]:
    if spelling == "jsm":
        return {"logTime": at, "logType": "system", "log": text, "owner": "System"}
    return {"createdAt": at, "type": "system", "log": text, "owner": "System"}


def land_logs(wh: TestWarehouse, alert_id: str, lines: list[dict[str, Any]]) -> None:
    wh.land(
        "jsm",
        "alert_log",
        lines,
        key=lambda r: f"{alert_id}/{r.get('logTime') or r['createdAt']}/{r['log']}",
        parent_id=lambda r: alert_id,
    )


# -- one alert, either spelling ------------------------------------------------------------------
@pytest.fixture(scope="module")
def spelled() -> TestWarehouse:
    wh = TestWarehouse({"sources": {"jsm": JSM}})
    wh.land("jsm", "team", [{"teamId": "T1", "teamName": "Pagamentos"}], key="teamId")
    wh.land(
        "jsm",
        "alert",
        [
            # the spec's spelling: top-level ISO ackTime/closeTime, extraProperties
            jsm_alert(
                "J1",
                "2026-03-02T12:00:00.000Z",
                priority="P1",
                ackTime="2026-03-02T12:04:00.000Z",
                closeTime="2026-03-02T12:50:00.000Z",
                lastOccuredAt="2026-03-02T12:00:00.000Z",
                extraProperties={"service": "checkout-api", "runbook_url": "https://rb/1"},
                entity="pod-1",
                description="cpu",
                responders=[{"type": "user", "id": "U1"}, {"type": "team", "id": "T1"}],
            ),
            # Opsgenie's: report.* in milliseconds after createdAt, details, lastOccurredAt;
            # the service from a tag, cause and release from tags
            jsm_alert(
                "J2",
                "2026-03-02T13:00:00.000Z",
                priority="P3",
                report={"ackTime": 240_000, "closeTime": 3_000_000},
                lastOccurredAt="2026-03-02T13:00:00.000Z",
                details={"runbook": "https://rb/2"},
                tags=["service:obras-api", "cause:capacity", "release:obras-api-prod@abc1234"],
                entity="pod-2",
                description="disk",
            ),
            # nothing but logs and the entity: ack from the log, escalations before it
            jsm_alert(
                "J3",
                "2026-03-02T12:00:00.000Z",
                status="open",
                entity="notificacoes",
                description="Fila parada.\nRunbook: https://rb/3",
            ),
            # a number at the top level: read as Opsgenie's milliseconds; resolved counts
            jsm_alert(
                "J4",
                "2026-03-03T10:00:00.000Z",
                status="resolved",
                priority="P5",
                ackTime=60_000,
                closeTime=120_000,
            ),
        ],
    )
    land_logs(
        wh,
        "J3",
        [
            log("Alert created via API", "2026-03-02T12:00:00.000Z"),
            log("Escalated to next level: Plantão (nível 2)", "2026-03-02T12:05:00.000Z"),
            log("Escalated to next level: Plantão (nível 3)", "2026-03-02T12:10:00.000Z"),
            log("Alert acknowledged via web", "2026-03-02T12:12:00.000Z"),
            log("Escalated to next level: Plantão (nível 4)", "2026-03-02T12:20:00.000Z"),
        ],
    )
    land_logs(
        wh,
        "J2",
        [log("Sent [Mobile] notification to a@x", "2026-03-02T13:00:01.000Z", spelling="og")],
    )
    return wh.build()


def test_both_spellings_give_the_same_unified_incident(spelled: TestWarehouse) -> None:
    rows = {
        r["incident_key"]: r
        for r in spelled.rows(
            "select incident_key, source, severity, service, team, tta_seconds, ttr_seconds, "
            "escalation_count, runbook_url, runbook_source, root_cause, release_ref, is_open, "
            "url from incidents"
        )
    }
    assert set(rows) == {"jsm:J1", "jsm:J2", "jsm:J3", "jsm:J4"}
    j1, j2, j3, j4 = (rows[f"jsm:J{n}"] for n in range(1, 5))
    # J1: ack 12:04 - 12:00 = 240 s, close 12:50 = 3,000 s; P1 → sev1; team T1 named
    assert (j1["tta_seconds"], j1["ttr_seconds"], j1["severity"]) == (240, 3000, "sev1")
    assert (j1["service"], j1["team"], j1["source"]) == ("checkout-api", "Pagamentos", "jsm")
    assert (j1["runbook_url"], j1["runbook_source"]) == ("https://rb/1", "jsm alert")
    assert j1["url"] == "https://acme.atlassian.net/jira/ops/alerts/J1"
    # J2: 240,000 ms and 3,000,000 ms after 13:00: the same 240 s and 3,000 s; P3 → sev3
    assert (j2["tta_seconds"], j2["ttr_seconds"], j2["severity"]) == (240, 3000, "sev3")
    assert (j2["service"], j2["runbook_url"]) == ("obras-api", "https://rb/2")
    assert (j2["root_cause"], j2["release_ref"]) == ("capacity", "obras-api-prod@abc1234")
    # J3: acked 12:12 by its log (720 s); escalations at 12:05 and 12:10 are before it, 12:20
    # is not: 2. Open; service from the entity; runbook from the description
    assert (j3["tta_seconds"], j3["escalation_count"], j3["is_open"]) == (720, 2, True)
    assert (j3["service"], j3["runbook_url"]) == ("notificacoes", "https://rb/3")
    # J4: status resolved counts as resolved; 60,000 ms → 60 s, 120,000 ms → 120 s; P5 → sev4
    assert (j4["tta_seconds"], j4["ttr_seconds"], j4["severity"]) == (60, 120, "sev4")


def test_the_spellings_received_are_counted(spelled: TestWarehouse) -> None:
    got = {
        (r["field"], r["spelling"]): r["records"]
        for r in spelled.rows("select * from jsm_field_spellings")
    }
    assert got == {
        # J1 ISO; J2 report.*, J4 top-level numbers; J3 has neither (never acked or closed)
        ("ackTime / closeTime", "jsm"): 1,
        ("ackTime / closeTime", "opsgenie"): 2,
        ("extraProperties / details", "jsm"): 1,
        ("extraProperties / details", "opsgenie"): 1,
        ("lastOccuredAt / lastOccurredAt", "jsm"): 1,
        ("lastOccuredAt / lastOccurredAt", "opsgenie"): 1,
        # J3's five lines logTime/logType, J2's one line createdAt/type
        ("logTime, logType / createdAt, type", "jsm"): 5,
        ("logTime, logType / createdAt, type", "opsgenie"): 1,
    }


def test_log_events_reach_the_incident_timeline(spelled: TestWarehouse) -> None:
    kinds = [
        r["kind"]
        for r in spelled.rows(
            "select kind from incident_events where incident_key = 'jsm:J3' order by event_at"
        )
    ]
    assert kinds == ["note", "escalated", "escalated", "acknowledged", "escalated"]
    notified = spelled.one("select kind from incident_events where incident_key = 'jsm:J2'")
    assert notified == {"kind": "notified"}


# -- continuity ----------------------------------------------------------------------------------
# cutover 2026-03-09, a date: midnight in São Paulo (UTC-3) = 2026-03-09T03:00:00Z
OPSGENIE = [
    og_alert("O1", "2026-03-05T10:00:00.000Z", "100", "a1"),  # imported as JO1
    og_alert("O2", "2026-03-06T10:00:00.000Z", "101", "a2"),  # imported as JO2, alias lost
    og_alert("O3", "2026-03-12T10:00:00.040Z", "500", "a3"),  # a copy of J3 (dual run)
    og_alert("O4", "2026-03-08T10:00:00.000Z", "102", "flap"),  # alias reused 2 h later by J4
    og_alert("O5", "2026-03-09T02:59:59.990Z", "103", "s"),  # straddles: J5 just after
    og_alert("O6", "2026-03-09T03:00:00.010Z", "104", "r"),  # straddles: J6 just before
    og_alert("O7", "2026-03-15T10:00:00.000Z", "105", "o7"),  # after the cutover, no twin
    og_alert("O9", "2026-03-04T10:00:00.000Z", "106", "o9"),  # before, no twin
]
JSM_ALERTS = [
    jsm_alert("JO1", "2026-03-05T10:00:00.000Z", tiny="100", alias="a1"),
    jsm_alert("JO2", "2026-03-06T10:00:00.000Z", tiny="101", alias="JO2"),
    jsm_alert("J3", "2026-03-12T10:00:00.000Z", tiny="900", alias="a3"),
    jsm_alert("J4", "2026-03-08T12:00:00.000Z", tiny="950", alias="flap"),
    jsm_alert("J5", "2026-03-09T03:00:00.020Z", tiny="951", alias="s"),
    jsm_alert("J6", "2026-03-09T02:59:59.980Z", tiny="952", alias="r"),
    jsm_alert("J8", "2026-03-16T10:00:00.000Z", tiny="953", alias="j8"),
]


def continuity(cutover: str | None) -> TestWarehouse:
    source = dict(JSM, **({"cutover": cutover} if cutover else {}))
    wh = TestWarehouse(
        {"sources": {"jsm": source, "opsgenie": {"api_key_env": "OG"}}, "postmortems": {}}
    )
    wh.land("opsgenie", "alert", OPSGENIE)
    wh.land("jsm", "alert", JSM_ALERTS)
    wh.land(
        "postmortems",
        "postmortem",
        [
            postmortem("pm-1.md", ["opsgenie:O1"], published_at="2026-03-06T10:00:00Z"),
            postmortem("pm-2.md", ["jsm:JO2"], published_at="2026-03-07T10:00:00Z"),
        ],
    )
    return wh.build()


def keys(wh: TestWarehouse) -> set[str]:
    return {r["incident_key"] for r in wh.rows("select incident_key from incidents")}


def test_pairs_need_the_alias_close_in_time_or_the_same_tiny_id_and_creation() -> None:
    wh = continuity(None)
    pairs = {
        (r["opsgenie_key"], r["jsm_key"]): (r["matched_by"], r["counted_key"])
        for r in wh.rows("select * from jsm_opsgenie_pairs")
    }
    assert pairs == {
        ("opsgenie:O1", "jsm:JO1"): ("alias, tinyId and createdAt", "jsm:JO1"),
        ("opsgenie:O2", "jsm:JO2"): ("tinyId and createdAt", "jsm:JO2"),
        ("opsgenie:O3", "jsm:J3"): ("alias", "jsm:J3"),  # 40 ms apart
        ("opsgenie:O5", "jsm:J5"): ("alias", "jsm:J5"),  # 30 ms
        ("opsgenie:O6", "jsm:J6"): ("alias", "jsm:J6"),  # 30 ms
        # O4 / J4: the same alias 2 h apart, beyond the 10-minute pair window: two alerts
    }


def test_without_a_cutover_every_alert_counts_once_preferring_jsm() -> None:
    wh = continuity(None)
    # 10 alerts: the 7 JSM records, and the Opsgenie ones without a JSM twin (O4, O7, O9)
    assert keys(wh) == {
        *(f"jsm:{a['id']}" for a in JSM_ALERTS),
        "opsgenie:O4",
        "opsgenie:O7",
        "opsgenie:O9",
    }
    report = wh.report(*MARCH, AS_OF)
    assert report["response_times"][-1]["incidents"] == 10
    left_out = {(r["source"], r["reason"]): r for r in wh.rows("select * from jsm_continuity")}
    assert left_out == {
        ("opsgenie", "also in JSM: the JSM record counts"): {
            "source": "opsgenie",
            "reason": "also in JSM: the JSM record counts",
            "records": 5,
            "with_twin": 5,
        }
    }
    # the postmortems follow the record that counts
    links = {
        (r["postmortem_id"], r["incident_key"])
        for r in wh.rows("select * from postmortem_incidents")
    }
    assert links == {("pm-1.md", "jsm:JO1"), ("pm-2.md", "jsm:JO2")}
    named = wh.rows("select incident_key from incidents where postmortem_ids is not null")
    assert {r["incident_key"] for r in named} == {"jsm:JO1", "jsm:JO2"}
    assert (
        wh.rows("select * from data_quality_issues where problem like 'names an incident%'") == []
    )


def test_with_a_cutover_opsgenie_before_and_jsm_from_it_on() -> None:
    wh = continuity("2026-03-09")
    # before 03:00Z on 03-09: Opsgenie's O1, O2, O4, O9 count and O5 too, but O5's twin J5
    # (after) counts, so O5 is left out; JSM's JO1, JO2, J4 are before: left out, J6 too
    # except that its twin O6 is after the cutover, so J6 counts (nothing is lost between
    # the two rules). After: JSM's J3, J5, J8 count; Opsgenie's O3, O6, O7 are left out
    assert keys(wh) == {
        "opsgenie:O1",
        "opsgenie:O2",
        "opsgenie:O4",
        "opsgenie:O9",
        "jsm:J3",
        "jsm:J5",
        "jsm:J6",
        "jsm:J8",
    }
    assert wh.report(*MARCH, AS_OF)["response_times"][-1]["incidents"] == 8
    left_out = {
        r["incident_key"]: (r["kept_key"], r["reason"])
        for r in wh.rows("select incident_key, kept_key, reason from int_jsm__continuity")
    }
    assert left_out == {
        "jsm:JO1": (
            "opsgenie:O1",
            "JSM alert created before the cutover: its Opsgenie twin counts",
        ),
        "jsm:JO2": (
            "opsgenie:O2",
            "JSM alert created before the cutover: its Opsgenie twin counts",
        ),
        "jsm:J4": (None, "JSM alert created before the cutover: Opsgenie holds that period"),
        "opsgenie:O3": (
            "jsm:J3",
            "Opsgenie record created on or after the cutover: its JSM twin counts",
        ),
        "opsgenie:O5": ("jsm:J5", "also in JSM: the JSM record counts"),
        "opsgenie:O6": (
            "jsm:J6",
            "Opsgenie record created on or after the cutover: its JSM twin counts",
        ),
        "opsgenie:O7": (
            None,
            "Opsgenie record created on or after the cutover: JSM holds that period",
        ),
    }
    # data health: per reason, and how many count under a twin (J4 and O7 have none)
    summary = {
        (r["source"], r["reason"]): (r["records"], r["with_twin"])
        for r in wh.rows("select * from jsm_continuity")
    }
    assert summary[("jsm", "JSM alert created before the cutover: Opsgenie holds that period")] == (
        1,
        0,
    )
    assert summary[("opsgenie", "also in JSM: the JSM record counts")] == (1, 1)
    links = {
        (r["postmortem_id"], r["incident_key"])
        for r in wh.rows("select * from postmortem_incidents")
    }
    assert links == {("pm-1.md", "opsgenie:O1"), ("pm-2.md", "opsgenie:O2")}


def test_a_cutover_with_an_offset_is_that_instant() -> None:
    # 02:59:59.995 -03:00 is 05:59:59.995Z: everything but O7, J8 (and the pairs) is before it
    wh = continuity("2026-03-09T02:59:59.995-03:00")
    assert wh.one("select jsm_cutover_at from cfg_settings")["jsm_cutover_at"] == datetime(
        2026, 3, 9, 5, 59, 59, 995_000, tzinfo=UTC
    )
    assert "opsgenie:O6" in keys(wh) and "jsm:J6" not in keys(wh)
