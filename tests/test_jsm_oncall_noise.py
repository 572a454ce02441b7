"""JSM Operations in on-call load (docs/kpis.md §10) and alert noise (§11), worked by hand
through the real models: JSM alert log lines naming the person notified are notifications, in
both spellings; a JSM alert is one alert and enters noise like an Opsgenie alert; and with
Opsgenie and JSM side by side (docs/migration-opsgenie-to-jsm.md) interruptions follow the
record that counts: an alert in both systems interrupts each person once, at their first page
of either record, for the record that counts; a record left out with no twin that counts pages
for nothing. Opsgenie and JSM name the same people (one account moved): one person.

Local time is São Paulo (UTC-3). Dataset of the continuity cases, April 2026:

| record | system | created (UTC) | twin | pages (UTC; local class) |
|---|---|---|---|---|
| O1 | Opsgenie | Thu 04-16 12:00:00 | JO1 import | ana 12:00:01 (09:00:01, business) |
| JO1 | JSM | Thu 04-16 12:00:00 | O1 | ana 12:00:01 (the same page, imported) |
| J3 | JSM | Wed 04-22 05:00:00 | O3 dual | ana 05:00:01.500 (02:00:01, sleep) |
| O3 | Opsgenie | Wed 04-22 05:00:00.040 | J3 | ana 05:00:01.040, bruno 05:10 (sleep) |
| J4 | JSM | Sat 04-18 12:00:00 | none | carla 12:00:01 (Sat 09:00:01, off) |
| O9 | Opsgenie | Mon 04-13 12:00:00 | none | ana 12:00:01 (09:00:01, business) |

With the cutover 2026-04-20 (03:00Z) the records that count are O1, J3, O9 (JO1 and O3 are
left out for their twins, J4 for Opsgenie's period, with no twin); without it JO1, J3, J4, O9
(O1 and O3 left out for their JSM twins).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from payloads import og_alert, og_log
from warehouse import TestWarehouse

from opskpi.metrics import kpis
from opskpi.metrics.period import Period

AS_OF = datetime(2026, 5, 1, tzinfo=UTC)
APRIL = (date(2026, 4, 1), date(2026, 5, 1))
JSM = {
    "site": "https://acme.atlassian.net",
    "cloud_id": "c0ffee",
    "email_env": "JSM_EMAIL",
    "api_token_env": "JSM_API_TOKEN",
}


def jsm_alert(
    alert_id: str, created_at: str, tiny: str, alias: str, **fields: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": alert_id,
        "tinyId": tiny,
        "alias": alias,
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


def og(alert_id: str, created_at: str, tiny: str, alias: str) -> dict[str, Any]:
    alert = og_alert(alert_id, created_at, ack_ms=60_000, close_ms=600_000)
    alert.update(tinyId=tiny, alias=alias)
    return alert


def jsm_log(text: str, at: str, *, spelling: str = "jsm") -> dict[str, Any]:
    """A JSM log item, ``{logTime, logType, log, owner}`` (the spec), or in Opsgenie's
    spelling ``{createdAt, type, log, owner}``."""
    if spelling == "jsm":
        return {"logTime": at, "logType": "system", "log": text, "owner": "System"}
    return {"createdAt": at, "type": "system", "log": text, "owner": "System"}


def land_jsm_logs(wh: TestWarehouse, alert_id: str, lines: list[dict[str, Any]]) -> None:
    wh.land(
        "jsm",
        "alert_log",
        lines,
        key=lambda r: f"{alert_id}/{r.get('logTime') or r['createdAt']}/{r['log']}",
        parent_id=lambda r: alert_id,
    )


def land_og_logs(wh: TestWarehouse, alert_id: str, lines: list[tuple[str, str]]) -> None:
    wh.land(
        "opsgenie",
        "alert_log",
        [og_log(text, at, f"{alert_id}-{i}") for i, (text, at) in enumerate(lines)],
        key=lambda r: r["offset"],
        parent_id=alert_id,
    )


# -- JSM alone -----------------------------------------------------------------------------------
def test_jsm_log_lines_that_name_the_recipient_in_either_spelling() -> None:
    """JA created Mon 2026-04-20 12:00Z (09:00 local): "Sent [Mobile] notification to
    ana@example.com" at 12:00:01 (the spec's spelling, business hours) and again to her at
    12:10 (not again); JB created Sat 04-18 05:00Z (02:00 local): "Sent notification to
    bruno@example.com via [SMS]." at 05:00:01 (Opsgenie's spelling, sleep hours). The created,
    escalated and acknowledged lines notify no one. 2 interruptions, 2 people, both on JSM."""
    wh = TestWarehouse({"sources": {"jsm": JSM}})
    wh.land(
        "jsm",
        "alert",
        [
            jsm_alert("JA", "2026-04-20T12:00:00.000Z", "1", "ja"),
            jsm_alert("JB", "2026-04-18T05:00:00.000Z", "2", "jb"),
        ],
    )
    land_jsm_logs(
        wh,
        "JA",
        [
            jsm_log("Alert created via Prometheus Alertmanager", "2026-04-20T12:00:00.000Z"),
            jsm_log("Sent [Mobile] notification to ana@example.com", "2026-04-20T12:00:01.000Z"),
            jsm_log("Escalated to next level: Plantão (nível 2)", "2026-04-20T12:05:00.000Z"),
            jsm_log("Sent [Mobile] notification to ana@example.com", "2026-04-20T12:10:00.000Z"),
            jsm_log("Alert acknowledged via web", "2026-04-20T12:11:00.000Z"),
        ],
    )
    land_jsm_logs(
        wh,
        "JB",
        [
            jsm_log(
                "Sent notification to bruno@example.com via [SMS].",
                "2026-04-18T05:00:01.000Z",
                spelling="og",
            )
        ],
    )
    wh.build()
    rows = wh.rows(
        "select incident_key, person, interruption_class, notifications, source "
        "from interruptions order by person"
    )
    assert rows == [
        {
            "incident_key": "jsm:JA",
            "person": "ana@example.com",
            "interruption_class": "business_hours",
            "notifications": 2,
            "source": "jsm",
        },
        {
            "incident_key": "jsm:JB",
            "person": "bruno@example.com",
            "interruption_class": "sleep_hours",
            "notifications": 1,
            "source": "jsm",
        },
    ]
    oncall = wh.report(*APRIL, AS_OF)["oncall"]
    assert (oncall["interruptions"], oncall["people"], oncall["max_per_person"]) == (2, 2, 1)
    assert (oncall["business_hours"], oncall["sleep_hours"], oncall["sleep_hours_share"]) == (
        1,
        1,
        1 / 2,
    )
    coverage = wh.one("select * from notification_coverage")
    assert coverage == {
        "source": "jsm",
        "incidents": 2,
        "incidents_notified": 2,
        "interruptions": 2,
        "notifications_without_incident": 0,
    }


def test_a_jsm_alert_is_one_alert_and_enters_noise() -> None:
    """All on Mon 2026-04-20. JF: closed 120 s after creation, never acknowledged (flapping,
    resolved unacknowledged); JK: acknowledged at 60 s, closed at 600 s; JO: open. Incidents 3,
    resolved 2 (JF JK), resolved unacknowledged 1 → 1/2, flapping 1 → 1/3, alerts per
    incident (1 + 1 + 1) / 3 = 1."""
    wh = TestWarehouse({"sources": {"jsm": JSM}})
    wh.land(
        "jsm",
        "alert",
        [
            jsm_alert(
                "JF", "2026-04-20T13:00:00.000Z", "1", "jf", closeTime="2026-04-20T13:02:00.000Z"
            ),
            jsm_alert(
                "JK",
                "2026-04-20T14:00:00.000Z",
                "2",
                "jk",
                ackTime="2026-04-20T14:01:00.000Z",
                closeTime="2026-04-20T14:10:00.000Z",
            ),
            jsm_alert("JO", "2026-04-20T15:00:00.000Z", "3", "jo", status="open"),
        ],
    )
    wh.build()
    assert [r["alert_count"] for r in wh.rows("select alert_count from incidents")] == [1, 1, 1]
    noise = wh.report(date(2026, 4, 20), date(2026, 4, 21), AS_OF)["noise"]
    assert noise == {
        "incidents": 3,
        "resolved": 2,
        "resolved_unacknowledged": 1,
        "resolved_unacknowledged_share": 1 / 2,
        "flapping": 1,
        "flapping_share": 1 / 3,
        "alerts_per_incident": 1.0,
    }
    by_source = kpis.noise(
        wh.con, Period(date(2026, 4, 20), date(2026, 4, 21), AS_OF), dimension="source"
    ).to_dict("records")
    assert [(r["dimension_value"], r["incidents"], r["flapping"]) for r in by_source] == [
        ("jsm", 3, 1)
    ]


# -- Opsgenie and JSM side by side ---------------------------------------------------------------
def side_by_side(cutover: str | None) -> TestWarehouse:
    source = dict(JSM, **({"cutover": cutover} if cutover else {}))
    wh = TestWarehouse({"sources": {"jsm": source, "opsgenie": {"api_key_env": "OG"}}})
    wh.land(
        "opsgenie",
        "alert",
        [
            og("O1", "2026-04-16T12:00:00.000Z", "100", "a1"),
            og("O3", "2026-04-22T05:00:00.040Z", "500", "a3"),
            og("O9", "2026-04-13T12:00:00.000Z", "106", "o9"),
        ],
    )
    wh.land(
        "jsm",
        "alert",
        [
            jsm_alert("JO1", "2026-04-16T12:00:00.000Z", "100", "a1"),
            jsm_alert("J3", "2026-04-22T05:00:00.000Z", "900", "a3"),
            jsm_alert("J4", "2026-04-18T12:00:00.000Z", "950", "j4"),
        ],
    )
    land_og_logs(
        wh, "O1", [("Sent [Mobile] notification to ana@example.com", "2026-04-16T12:00:01.000Z")]
    )
    land_jsm_logs(
        wh,
        "JO1",
        [
            jsm_log(
                "Sent [Mobile] notification to ana@example.com",
                "2026-04-16T12:00:01.000Z",
                spelling="og",  # imported from Opsgenie: Opsgenie's spelling
            )
        ],
    )
    land_og_logs(
        wh,
        "O3",
        [
            ("Sent [Mobile] notification to ana@example.com", "2026-04-22T05:00:01.040Z"),
            ("Sent [SMS] notification to bruno@example.com", "2026-04-22T05:10:00.000Z"),
        ],
    )
    land_jsm_logs(
        wh,
        "J3",
        [jsm_log("Sent [Mobile] notification to ana@example.com", "2026-04-22T05:00:01.500Z")],
    )
    land_jsm_logs(
        wh,
        "J4",
        [jsm_log("Sent [Mobile] notification to carla@example.com", "2026-04-18T12:00:01.000Z")],
    )
    land_og_logs(
        wh, "O9", [("Sent [Mobile] notification to ana@example.com", "2026-04-13T12:00:01.000Z")]
    )
    return wh.build()


def interruptions(wh: TestWarehouse) -> list[tuple[Any, ...]]:
    rows = wh.rows(
        "select incident_key, person, notified_at, interruption_class, notifications "
        "from interruptions order by notified_at, person"
    )
    return [tuple(r.values()) for r in rows]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_paired_alert_notifying_one_person_in_both_records_is_one_interruption() -> None:
    """O1 and its import JO1 both page ana at 12:00:01: one interruption (two notifications),
    for the record that counts: JO1 without a cutover (JSM preferred), O1 with it."""
    for cutover, counted in ((None, "jsm:JO1"), ("2026-04-20", "opsgenie:O1")):
        wh = side_by_side(cutover)
        on_o1 = [row for row in interruptions(wh) if row[0] in ("jsm:JO1", "opsgenie:O1")]
        assert on_o1 == [
            (counted, "ana@example.com", utc("2026-04-16T12:00:01"), "business_hours", 2)
        ]


@pytest.mark.parametrize("cutover", [None, "2026-04-20"])
def test_a_left_out_record_pages_for_its_twin_that_counts(cutover: str | None) -> None:
    """J3 counts either way (created after the cutover; JSM preferred without one); its
    Opsgenie copy O3 is left out. ana was paged by O3 at 05:00:01.040 and by J3 at 05:00:01.500:
    one interruption at the first (02:00:01 local, sleep), for jsm:J3; bruno, paged by O3
    only, is interrupted for jsm:J3 too."""
    wh = side_by_side(cutover)
    on_j3 = [row for row in interruptions(wh) if row[0] in ("jsm:J3", "opsgenie:O3")]
    assert on_j3 == [
        ("jsm:J3", "ana@example.com", utc("2026-04-22T05:00:01.040"), "sleep_hours", 2),
        ("jsm:J3", "bruno@example.com", utc("2026-04-22T05:10:00"), "sleep_hours", 1),
    ]


def test_without_a_cutover_every_record_that_counts_pages_once() -> None:
    """Counted: JO1, J3, J4, O9. Interruptions: O9-ana Mon 09:00:01 (business), JO1-ana Thu
    09:00:01 (business), J4-carla Sat 09:00:01 (off), J3-ana 02:00:01 and J3-bruno 02:10
    (sleep) = 5: business 2, off 1, sleep 2; people ana, bruno, carla = 3 (ana on Opsgenie's
    O9 and JSM's JO1 and J3 is one person: 3 interruptions, the most)."""
    wh = side_by_side(None)
    assert [row[0] for row in interruptions(wh)] == [
        "opsgenie:O9",
        "jsm:JO1",
        "jsm:J4",
        "jsm:J3",
        "jsm:J3",
    ]
    oncall = wh.report(*APRIL, AS_OF)["oncall"]
    assert oncall == {
        "interruptions": 5,
        "business_hours": 2,
        "off_hours": 1,
        "sleep_hours": 2,
        "people": 3,
        "max_per_person": 3,
        "sleep_hours_share": 2 / 5,
    }
    people = kpis.oncall_people(wh.con, Period(*APRIL, AS_OF)).to_dict("records")
    assert [(p["person"], p["interruptions"], p["sources"]) for p in people] == [
        ("ana@example.com", 3, "jsm, opsgenie"),
        ("bruno@example.com", 1, "jsm"),
        ("carla@example.com", 1, "jsm"),
    ]


def test_with_a_cutover_a_left_out_record_without_a_twin_pages_for_nothing() -> None:
    """Counted: O1, J3, O9. J4 (before the cutover, no Opsgenie twin) is left out: carla's
    page counts nowhere, and is no "notification without an incident" either (its alert is
    left out on purpose). Interruptions: O9-ana, O1-ana (business), J3-ana, J3-bruno (sleep) =
    4; people ana, bruno = 2; ana 3 (Opsgenie's O9 and O1, JSM's J3)."""
    wh = side_by_side("2026-04-20")
    assert [row[0] for row in interruptions(wh)] == [
        "opsgenie:O9",
        "opsgenie:O1",
        "jsm:J3",
        "jsm:J3",
    ]
    oncall = wh.report(*APRIL, AS_OF)["oncall"]
    assert oncall == {
        "interruptions": 4,
        "business_hours": 2,
        "off_hours": 0,
        "sleep_hours": 2,
        "people": 2,
        "max_per_person": 3,
        "sleep_hours_share": 2 / 4,
    }
    coverage = {r["source"]: r for r in wh.rows("select * from notification_coverage")}
    # incidents per source: Opsgenie O1, O9 (both notified); JSM J3 (notified)
    assert {s: (r["incidents"], r["incidents_notified"]) for s, r in coverage.items()} == {
        "jsm": (1, 1),
        "opsgenie": (2, 2),
    }
    assert {s: r["notifications_without_incident"] for s, r in coverage.items()} == {
        "jsm": 0,
        "opsgenie": 0,
    }
