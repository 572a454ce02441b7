"""``simulator_truth.compute_kpis`` on small hand-worked organisations (arithmetic inline).

Times are UTC; the reporting zone is America/Sao_Paulo (UTC-3, no DST since 2019), so a
local date is the UTC date of ``t - 3 h``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from simulator_truth import NO_FIELDS, compute_kpis, unified_incidents

from opskpi.simulator.org import (
    Action,
    App,
    Deploy,
    Incident,
    Organisation,
    Postmortem,
    Service,
    Team,
    User,
)

A, B, C, D, E, F, G = (ch * 40 for ch in "abcdef9")


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def inc(source_id: str, created: str, severity: str = "sev3", **kw: object) -> Incident:
    source = kw.pop("source", "pagerduty")
    fields: dict[str, object] = {
        "source": source,
        "source_id": source_id,
        "number": 1,
        "service": "obras-api",
        "team": "obras",
        "title": source_id,
        "created_at": t(created),
        "severity": severity,
        "priority": f"P{severity[-1]}",
        "urgency": "high",
        "responder": "ana.souza",
        "secondary": "bruno.lima",
    }
    for key in ("acks", "escalations", "unacks"):
        if key in kw:
            kw[key] = tuple(t(x) for x in kw[key])  # type: ignore[union-attr]
    if "acks" in kw:
        kw["ack_by"] = tuple("ana.souza" for _ in kw["acks"])  # type: ignore[arg-type]
    if isinstance(kw.get("resolved_at"), str):
        kw["resolved_at"] = t(kw["resolved_at"])  # type: ignore[arg-type]
    fields.update(kw)
    return Incident(**fields)  # type: ignore[arg-type]


def dep(app: str, number: int, revision: str, deployed: str) -> Deploy:
    at = t(deployed)
    return Deploy(app, number, revision, at - timedelta(minutes=2), at, "ana.souza")


def act(
    number: int, pm: str, due: str, status: str, done: str | None = None, must: bool = False
) -> Action:
    completed = date.fromisoformat(done) if done else None
    return Action(
        f"AC-{number:02d}",
        pm,
        "x",
        "ação",
        "@ana.souza",
        date.fromisoformat(due),
        status,
        completed,
        must,
    )


def pm(
    pm_id: str, keys: tuple[str, ...], severity: str, cause: str, published: str, **kw: object
) -> Postmortem:
    return Postmortem(
        id=pm_id,
        incidents=keys,
        severity=severity,
        root_cause=cause,
        published_at=t(published),
        release=kw.pop("release", None),  # type: ignore[arg-type]
        style=kw.pop("style", "front_matter"),  # type: ignore[arg-type]
        service="obras-api",
        title="t",
        actions=kw.pop("actions", ()),  # type: ignore[arg-type]
    )


def organisation(
    incidents: list[Incident],
    deploys: list[Deploy],
    postmortems: list[Postmortem],
    end: str,
    **kw: object,
) -> Organisation:
    team = Team("obras", "Obras", "PTEAM01", "og-team", "PEP0001")
    users = [
        User("ana.souza", "Ana Souza", "ana@x", "obras", "PUSER01", "og-ana"),
        User("bruno.lima", "Bruno Lima", "bruno@x", "obras", "PUSER02", "og-bruno"),
    ]
    services = [
        Service(
            "obras-api",
            "obras",
            "PSVC001",
            "og-s1",
            ("obras-api-prod",),
            "https://rb.example/obras-api.md",
        ),
        Service("medicoes-api", "obras", "PSVC002", "og-s2", ("medicoes-api-prod",), None),
    ]
    created = t("2025-01-01T00:00:00")
    limit = kw.get("history_limit", 1000)
    apps = [
        App("obras-api-prod", "obras-api", "obras", "ns", "repo", "p", created, limit),  # type: ignore[arg-type]
        App("medicoes-api-prod", "medicoes-api", "obras", "ns", "repo", "p", created, 1000),
    ]
    return Organisation(
        seed=0,
        start=t("2026-01-01T00:00:00"),
        end=t(end),
        teams=[team],
        users=users,
        services=services,
        apps=apps,
        deploys=sorted(deploys, key=lambda d: d.deployed_at),
        incidents=sorted(incidents, key=lambda i: i.created_at),
        postmortems=postmortems,
    )


AS_OF = "2026-03-05T12:00:00"  # local 2026-03-05 09:00: "today" is 2026-03-05


@pytest.fixture(scope="module")
def feb() -> Organisation:
    incidents = [
        # I1 sev1 obras: tta 240, ttr 3000; 30 min after D1 (window); field cause capacity
        inc(
            "QI1",
            "2026-02-02T12:00:00",
            "sev1",
            acks=["2026-02-02T12:04:00"],
            resolved_at="2026-02-02T12:50:00",
            root_cause="capacity",
        ),
        # I7 duplicate of I1, merged 2 min later: excluded, counted as merged in sev1
        inc(
            "QI7",
            "2026-02-02T12:03:00",
            "sev1",
            resolved_at="2026-02-02T12:05:00",
            merged_into="QI1",
        ),
        # I2 sev1 medicoes: escalated at +5 and +10 min, ack at +12 (tta 720), unack, escalation,
        # re-ack; resolved at +2 h (ttr 7200); D4 exactly 60 min before (edge, window)
        inc(
            "QI2",
            "2026-02-03T12:00:00",
            "sev1",
            service="medicoes-api",
            escalations=["2026-02-03T12:05:00", "2026-02-03T12:10:00", "2026-02-03T12:47:00"],
            acks=["2026-02-03T12:12:00", "2026-02-03T12:50:00"],
            unacks=["2026-02-03T12:42:00"],
            resolved_at="2026-02-03T14:00:00",
            runbook_location="details",
            runbook_url="https://rb/i2",
            root_cause="capacity",
        ),
        # I3 sev2 (no priority, urgency high): never acked, 3 escalations, ttr 1800; explicit -> D2
        inc(
            "QI3",
            "2026-02-10T15:00:00",
            "sev2",
            priority=None,
            escalations=["2026-02-10T15:05:00", "2026-02-10T15:10:00", "2026-02-10T15:15:00"],
            resolved_at="2026-02-10T15:30:00",
            release="obras-api-prod@bbbbbbb",
        ),
        # I4 sev2 medicoes: tta 600, still open (age 6 d 16 h > 4 h: breaching); D6 30 min before
        inc(
            "QI4",
            "2026-02-27T20:00:00",
            "sev2",
            service="medicoes-api",
            acks=["2026-02-27T20:10:00"],
        ),
        # I5 sev3 medicoes: never acked, open 8 d 12 h: breaching and unacked over target
        inc(
            "QI5",
            "2026-02-26T00:00:00",
            "sev3",
            service="medicoes-api",
            escalations=["2026-02-26T00:30:00"],
        ),
        # I6 Opsgenie sev4 (P5): tta 1800.25 s, ttr 86400 s; also an Opsgenie incident
        inc(
            "a6-1771149600500",
            "2026-02-15T10:00:00.500",
            "sev4",
            source="opsgenie",
            priority="P5",
            acks=["2026-02-15T10:30:00.750"],
            resolved_at="2026-02-16T10:00:00.500",
            og_incident_id="og-inc-6",
        ),
        # I9 Opsgenie sev2: tta 60, ttr 3600, 30 min after the D3 rollback; runbook in description
        inc(
            "a9-1771583400000",
            "2026-02-20T10:30:00",
            "sev2",
            source="opsgenie",
            acks=["2026-02-20T10:31:00"],
            resolved_at="2026-02-20T11:30:00",
            runbook_location="description",
            runbook_url="https://rb/i9",
            root_cause="external_dependency",
        ),
        # I8: local 2026-01-31 20:00, outside the period; D5 30 min before it
        inc(
            "QI8",
            "2026-01-31T23:00:00",
            "sev3",
            service="medicoes-api",
            acks=["2026-01-31T23:10:00"],
            resolved_at="2026-02-01T01:00:00",
        ),
        # I10: local 2026-03-01 00:10, outside the period; attributed to D7 (in the period)
        inc(
            "QI10",
            "2026-03-01T03:10:00",
            "sev3",
            service="medicoes-api",
            acks=["2026-03-01T03:20:00"],
            resolved_at="2026-03-01T04:00:00",
        ),
    ]
    deploys = [
        dep("obras-api-prod", 5, A, "2026-02-02T11:30:00"),  # D1
        dep("obras-api-prod", 6, B, "2026-02-10T13:00:00"),  # D2 (2 h before I3: explicit only)
        dep("obras-api-prod", 7, A, "2026-02-20T10:00:00"),  # D3 rollback to A
        dep("obras-api-prod", 8, G, "2026-02-25T12:00:00"),  # D8 no incident
        dep("medicoes-api-prod", 1, C, "2026-02-03T11:00:00"),  # D4
        dep("medicoes-api-prod", 2, D, "2026-01-31T22:30:00"),  # D5 local Jan 31: outside
        dep("medicoes-api-prod", 3, E, "2026-02-27T19:30:00"),  # D6
        dep("medicoes-api-prod", 4, F, "2026-03-01T02:50:00"),  # D7 local Feb 28 23:50
    ]
    actions = (
        act(1, "PM1", "2026-02-10", "Concluída", "2026-02-09"),  # on time
        act(2, "PM1", "2026-02-12", "Concluída", "2026-02-15"),  # late
        act(3, "PM1", "2026-02-20", "Em curso", must=True),  # overdue, must-fix
        act(4, "PM1", "2026-02-25", "Cancelada"),  # leaves every KPI
        act(5, "PM1", "2026-03-10", "Aberta"),  # due in March: outside the period
        act(6, "PM1", "2026-02-27", "Concluída"),  # done without a date: due, not on time
        act(7, "PM1", "2026-02-28", "Concluída", "2026-03-06"),  # done after the view: overdue
        act(9, "PM1", "2026-01-30", "Concluída", "2026-01-29"),  # January: outside the period
    )
    postmortems = [
        pm(
            "PM1",
            ("pagerduty:QI2",),
            "sev1",
            "change",
            "2026-02-04T10:00:00",
            release="medicoes-api-prod@ccccccc",
            actions=actions,
        ),
        pm(
            "PM2",
            ("pagerduty:QI1", "pagerduty:QI3"),
            "sev1",
            "capacity",
            "2026-02-13T18:00:00",
            style="bare_pt",
        ),
        pm(
            "PM3",
            ("opsgenie:a9-1771583400000",),
            "sev2",
            "external_dependency",
            "2026-03-04T12:00:00",
        ),
        pm(
            "PM4",
            ("opsgenie:a6-1771149600500", "opsgenie:og-inc-6"),
            "sev4",
            "data",
            "2026-02-20T00:00:00",
        ),
        # published after the view: invisible, with its actions
        pm(
            "PM5",
            ("pagerduty:QI4",),
            "sev2",
            "security",
            "2026-03-10T00:00:00",
            actions=(act(1, "PM5", "2026-02-20", "Aberta", must=True),),
        ),
    ]
    return organisation(incidents, deploys, postmortems, end=AS_OF)


def kpis(org: Organisation, **kw: object) -> dict:
    return compute_kpis(org, date(2026, 2, 1), date(2026, 3, 1), as_of=t(AS_OF), **kw)  # type: ignore[arg-type]


def rows(result: dict) -> dict[str, dict]:
    return {r["severity"]: r for r in result["response_times"]}


def test_response_times_per_severity(feb: Organisation) -> None:
    by = rows(kpis(feb))
    assert list(by) == ["sev1", "sev2", "sev3", "sev4", "all"]
    # sev1: I1 (tta 240, ttr 3000), I2 (tta 720, ttr 7200); I7 merged
    assert by["sev1"] == {
        "severity": "sev1",
        "incidents": 2,
        "merged": 1,
        "acknowledged": 2,
        "unacknowledged": 0,
        "resolved": 2,
        "open": 0,
        # p90 = 240 + (720 - 240) * 0.9 = 672; p95 = 240 + 480 * 0.95 = 696
        "tta_seconds": {"mean": 480.0, "median": 480.0, "p90": 672.0, "p95": 696.0, "max": 720.0},
        # p90 = 3000 + 4200 * 0.9 = 6780; p95 = 3000 + 4200 * 0.95 = 6990
        "ttr_seconds": {
            "mean": 5100.0,
            "median": 5100.0,
            "p90": 6780.0,
            "p95": 6990.0,
            "max": 7200.0,
        },
        "ack_sla_compliance": 0.5,  # 240 <= 300, 720 > 300
        "resolve_sla_compliance": 0.5,  # 3000 <= 3600, 7200 > 3600
        "breaching_open": 0,
        "unacked_over_target": 0,
    }
    # sev2: I3 (no ack, ttr 1800), I4 (tta 600, open), I9 (tta 60, ttr 3600)
    assert by["sev2"]["incidents"] == 3 and by["sev2"]["acknowledged"] == 2
    assert (
        by["sev2"]["unacknowledged"] == 1
        and by["sev2"]["resolved"] == 2
        and by["sev2"]["open"] == 1
    )
    assert by["sev2"]["tta_seconds"] == pytest.approx(
        {"mean": 330.0, "median": 330.0, "p90": 546.0, "p95": 573.0, "max": 600.0}  # 60 + 540 * q
    )
    assert by["sev2"]["ttr_seconds"] == pytest.approx(
        {"mean": 2700.0, "median": 2700.0, "p90": 3420.0, "p95": 3510.0, "max": 3600.0}
    )
    assert by["sev2"]["ack_sla_compliance"] == 1.0 and by["sev2"]["resolve_sla_compliance"] == 1.0
    assert (
        by["sev2"]["breaching_open"] == 1 and by["sev2"]["unacked_over_target"] == 0
    )  # I4 is acked
    # sev3: I5 only, open and never acked: no durations, compliance has no data
    assert by["sev3"]["tta_seconds"]["mean"] is None and by["sev3"]["ttr_seconds"]["max"] is None
    assert by["sev3"]["ack_sla_compliance"] is None and by["sev3"]["resolve_sla_compliance"] is None
    assert by["sev3"]["breaching_open"] == 1 and by["sev3"]["unacked_over_target"] == 1
    # sev4: I6 (Opsgenie, milliseconds): best effort, no compliance figures
    assert by["sev4"]["tta_seconds"]["mean"] == pytest.approx(1800.25)
    assert by["sev4"]["ttr_seconds"]["max"] == 86400.0
    assert by["sev4"]["ack_sla_compliance"] is None and by["sev4"]["breaching_open"] is None


def test_the_all_row_pools_everything(feb: Organisation) -> None:
    row = rows(kpis(feb))["all"]
    assert (row["incidents"], row["merged"], row["acknowledged"], row["unacknowledged"]) == (
        7,
        1,
        5,
        2,
    )
    assert (row["resolved"], row["open"]) == (5, 2)
    # tta sorted: 60, 240, 600, 720, 1800.25 -> mean 3420.25 / 5; p90 at 3.6: 720 + 1080.25 * 0.6
    assert row["tta_seconds"] == pytest.approx(
        {"mean": 684.05, "median": 600.0, "p90": 1368.15, "p95": 1584.2, "max": 1800.25}
    )
    # ttr sorted: 1800, 3000, 3600, 7200, 86400 -> mean 102000 / 5; p90: 7200 + 79200 * 0.6
    assert row["ttr_seconds"] == pytest.approx(
        {"mean": 20400.0, "median": 3600.0, "p90": 54720.0, "p95": 70560.0, "max": 86400.0}
    )
    # sev1-3 only, each against its own target: ack I1 ok, I2 late, I4 ok, I9 ok -> 3/4
    assert row["ack_sla_compliance"] == 0.75
    assert row["resolve_sla_compliance"] == 0.75  # I1 ok, I2 late, I3 ok, I9 ok
    assert row["breaching_open"] == 2 and row["unacked_over_target"] == 1


def test_root_causes(feb: Organisation) -> None:
    causes = {r["root_cause"]: (r["incidents"], r["share"]) for r in kpis(feb)["root_causes"]}
    # I2: postmortem "change" beats its field; I1 and I3: PM2 capacity; I9: PM3; I6: PM4 data;
    # I4: PM5 is not published yet -> unclassified; I5 unclassified
    assert causes == {
        "change": (1, 1 / 7),
        "capacity": (2, 2 / 7),
        "external_dependency": (1, 1 / 7),
        "data": (1, 1 / 7),
        "security": (0, 0.0),
        "process": (0, 0.0),
        "unclassified": (2, 2 / 7),
    }


def test_releases(feb: Organisation) -> None:
    # explicit: I2 (PM1 front matter -> D4), I3 (field -> D2); window: I1 (D1), I2 (D4, edge at
    # exactly 60 min), I4 (D6), I9 (D3) -> caused I1, I2, I3, I4, I9 = 5 of 7.
    # Deploys in February (local): D1, D2, D3, D4, D6, D7, D8 = 7 (D5 is Jan 31 local);
    # with an attributed incident: D1, D2, D3, D4, D6 and D7 (via I10 in March) = 6.
    assert kpis(feb)["releases"] == {
        "incidents": 7,
        "release_caused": 5,
        "explicit": 2,
        "window": 4,
        "release_caused_share": 5 / 7,
        "deploys": 7,
        "deploys_with_incident": 6,
        "change_failure_rate": 6 / 7,
        "rollbacks": 1,  # D3: revision A again, after B
    }


def test_pagerduty_fields_count_only_when_read(feb: Organisation) -> None:
    # opskpi's default reads no PagerDuty custom field: I3 loses its explicit link (D2, 2 h
    # before it, is no window deploy either) -> caused I1, I2, I4, I9 = 4 of 7; explicit I2
    # (PM1); deploys with an incident D1, D3, D4, D6, D7 = 5 of 7. Root causes: I1 and I2 take
    # theirs from postmortems anyway.
    unread = kpis(feb, pagerduty_fields=NO_FIELDS)
    assert unread["releases"] == {
        **kpis(feb)["releases"],
        "release_caused": 4,
        "explicit": 1,
        "release_caused_share": 4 / 7,
        "deploys_with_incident": 5,
        "change_failure_rate": 5 / 7,
    }
    assert unread["root_causes"] == kpis(feb)["root_causes"]


def test_a_runbook_on_a_later_alert_counts_once_it_arrived() -> None:
    # the third alert (created + 2 min) carries the runbook; medicoes-api has none in config
    org = organisation(
        [
            inc(
                "QL1",
                "2026-02-10T10:00:00",
                service="medicoes-api",
                alert_count=3,
                runbook_alert=2,
                runbook_location="details",
                runbook_url="https://rb/l1",
            )
        ],
        [],
        [],
        end="2026-02-11T00:00:00",
    )
    assert not unified_incidents(org, t("2026-02-10T10:01:59"))[0].own_runbook
    assert unified_incidents(org, t("2026-02-10T10:02:00"))[0].own_runbook


def test_runbooks(feb: Organisation) -> None:
    # own: I2 (details), I9 (description); obras-api has a config runbook: I1, I3, I6, I9;
    # medicoes-api has none: I4, I5 without
    assert kpis(feb)["runbooks"] == {
        "incidents": 7,
        "with_runbook": 5,
        "without_runbook": 2,
        "coverage": 5 / 7,
    }
    assert kpis(feb, service_runbooks={})["runbooks"]["with_runbook"] == 2


def test_rca(feb: Organisation) -> None:
    # actions due in February: AC-01 on time, AC-02 late, AC-06 done without date (due, not on
    # time), AC-03 open past due (must-fix), AC-07 done on Mar 6 = after the view -> open, overdue;
    # AC-04 cancelled; PM5's action is not published yet.
    # postmortems: I1 sev1 deadline Feb 4 12:50 UTC, PM2 on Feb 13: late; I2 deadline Feb 5
    # 14:00, PM1 Feb 4: on time; I3 sev2 resolved Tue Feb 10 local -> 3 business days Feb 11,
    # 12, 13 -> deadline Feb 14 00:00 local (03:00 UTC), PM2 Feb 13 18:00 UTC: on time;
    # I9 resolved Fri Feb 20 -> Feb 23, 24, 25 -> deadline Feb 26 03:00 UTC, PM3 Mar 4: late.
    assert kpis(feb)["rca"] == {
        "actions_due": 5,
        "actions_on_time": 1,
        "rca_adherence": 0.2,
        "overdue_actions": 2,
        "overdue_must_fix": 1,
        "postmortems_due": 4,
        "postmortems_on_time": 2,
        "postmortem_on_time_share": 0.5,
    }


def test_paging(feb: Organisation) -> None:
    # valid tta: 240, 720, 600, 60, 1800.25 -> within 5 min: I1, I9; escalated before the first
    # ack: I2 (12:05, 12:10; not 12:47), I3 (3, never acked), I5 (1)
    assert kpis(feb)["paging"] == {
        "acknowledged": 5,
        "acked_within_paging_window": 0.4,
        "escalated": 3,
        "escalation_rate": 3 / 7,
    }
    escalations = {r.key: r.escalation_count for r in unified_incidents(feb, t(AS_OF))}
    assert escalations["pagerduty:QI2"] == 2 and escalations["pagerduty:QI3"] == 3


def test_opsgenie_incidents_mode(feb: Organisation) -> None:
    result = kpis(feb, opsgenie_mode="incidents")
    # Opsgenie rows are the incidents now: I6 (og-inc-6) stays, I9 (alert only) leaves
    assert result["releases"]["incidents"] == 6 and result["releases"]["release_caused"] == 4
    assert result["releases"]["deploys_with_incident"] == 5  # D3 lost its incident
    data = next(r for r in result["root_causes"] if r["root_cause"] == "data")
    assert data["incidents"] == 1  # PM4 names the incident key too
    # acked: I1 240, I2 720, I4 600, I6 1800.25 -> within 5 min: 1 of 4
    assert result["paging"] == {
        "acknowledged": 4,
        "acked_within_paging_window": 0.25,
        "escalated": 3,
        "escalation_rate": 0.5,
    }
    only_pd = kpis(feb, sources=("pagerduty",))
    assert only_pd["runbooks"]["incidents"] == 5


def test_an_earlier_view_hides_what_had_not_happened(feb: Organisation) -> None:
    view = t("2026-02-03T12:11:00")  # I2 escalated twice, not yet acked; I7 already merged
    result = compute_kpis(feb, date(2026, 2, 1), date(2026, 3, 1), as_of=view)
    sev1 = rows(result)["sev1"]
    assert (sev1["incidents"], sev1["merged"], sev1["acknowledged"], sev1["open"]) == (2, 1, 1, 1)
    assert sev1["unacked_over_target"] == 1  # I2 is 660 s old > 300 s
    assert sev1["breaching_open"] == 0  # 660 s < 3600 s
    assert result["paging"]["escalated"] == 1
    assert result["rca"]["postmortems_due"] == 0  # I1's deadline is Feb 4; nothing published
    assert result["releases"]["deploys"] == 2  # D1, D4
    later = compute_kpis(feb, date(2026, 2, 1), date(2026, 3, 1), as_of=t(AS_OF), view_at=view)
    assert rows(later)["sev1"]["breaching_open"] == 1  # same data, judged on Mar 5


def test_breaching_needs_to_exceed_the_target() -> None:
    as_of = "2026-02-10T12:00:00"
    org = organisation(
        [
            inc("QX1", "2026-02-10T08:00:00", "sev2"),  # exactly 4 h old: not exceeding
            inc("QX2", "2026-02-10T07:59:59", "sev2"),  # 4 h + 1 s
            inc("QX3", "2026-02-10T11:45:00", "sev2"),  # exactly 15 min: not over the ack target
        ],
        [],
        [],
        end=as_of,
    )
    row = rows(compute_kpis(org, date(2026, 2, 1), date(2026, 3, 1), as_of=t(as_of)))["sev2"]
    assert row["breaching_open"] == 1 and row["unacked_over_target"] == 2


def test_bad_timestamps_stay_counted_but_leave_statistics() -> None:
    org = organisation(
        [
            inc(
                "QB1",
                "2026-02-10T10:00:00",
                "sev2",
                acks=["2026-02-10T09:59:00"],
                resolved_at="2026-02-10T11:00:00",
            ),
            inc(
                "QB2",
                "2026-02-10T10:00:00",
                "sev2",
                acks=["2026-02-10T10:01:00"],
                resolved_at="2026-02-10T09:00:00",
            ),
        ],
        [],
        [],
        end="2026-02-20T00:00:00",
    )
    row = rows(compute_kpis(org, date(2026, 2, 1), date(2026, 3, 1)))["sev2"]
    assert row["incidents"] == 2 and row["acknowledged"] == 2 and row["resolved"] == 2
    assert row["tta_seconds"]["max"] == 60.0 and row["ttr_seconds"]["max"] == 3600.0
    assert row["ack_sla_compliance"] == 1.0 and row["resolve_sla_compliance"] == 1.0


def test_business_days_skip_national_holidays() -> None:
    # resolved Thu 2026-04-02 local; Fri Apr 3 is Good Friday, then a weekend:
    # Apr 6, 7, 8 -> deadline Apr 9 00:00 local = 03:00 UTC
    incidents = [
        inc("QH1", "2026-04-02T12:00:00", "sev2", resolved_at="2026-04-02T13:00:00"),
        inc("QH2", "2026-04-02T12:30:00", "sev2", resolved_at="2026-04-02T13:00:00"),
    ]
    postmortems = [
        pm("P1", ("pagerduty:QH1",), "sev2", "data", "2026-04-09T03:00:00"),  # exactly the deadline
        pm("P2", ("pagerduty:QH2",), "sev2", "data", "2026-04-09T03:00:01"),
    ]
    org = organisation(incidents, [], postmortems, end="2026-04-20T00:00:00")
    rca = compute_kpis(org, date(2026, 4, 1), date(2026, 5, 1))["rca"]
    assert (rca["postmortems_due"], rca["postmortems_on_time"]) == (2, 1)


def test_history_limit_hides_deploys_a_single_poll_cannot_see() -> None:
    # 12 deploys of obras-api-prod, the app keeps Argo CD's default history (10 entries);
    # the incident follows deploy #1 by 10 minutes
    deploys = [
        dep("obras-api-prod", n, f"{n:040x}", f"2026-02-{n + 1:02d}T12:00:00") for n in range(1, 13)
    ]
    incidents = [inc("QL1", "2026-02-02T12:10:00", "sev3", resolved_at="2026-02-02T13:00:00")]
    org = organisation(incidents, deploys, [], end="2026-02-20T00:00:00", history_limit=None)
    once = compute_kpis(org, date(2026, 2, 1), date(2026, 3, 1))["releases"]
    assert (once["deploys"], once["release_caused"], once["deploys_with_incident"]) == (10, 0, 0)
    polls = [t("2026-02-05T00:00:00"), t("2026-02-20T00:00:00")]
    twice = compute_kpis(org, date(2026, 2, 1), date(2026, 3, 1), argocd_polls=polls)["releases"]
    assert (twice["deploys"], twice["release_caused"], twice["deploys_with_incident"]) == (12, 1, 1)


def test_reopened_opsgenie_incident_reads_resolved_between_the_two_resolutions() -> None:
    first, reopen = t("2026-02-10T11:00:00"), t("2026-02-10T12:00:00")
    org = organisation(
        [
            inc(
                "og1-1",
                "2026-02-10T10:00:00",
                "sev2",
                source="opsgenie",
                resolved_at="2026-02-10T13:00:00",
                og_incident_id="og-1",
                reopened=(first, reopen),
            )
        ],
        [],
        [],
        end="2026-02-11T00:00:00",
    )
    during = unified_incidents(org, t("2026-02-10T11:30:00"), opsgenie_mode="incidents")[0]
    assert during.key == "opsgenie:og-1" and during.resolved == first
    assert unified_incidents(org, t("2026-02-10T12:30:00"), "incidents")[0].resolved is None
    assert unified_incidents(org, t("2026-02-10T13:00:00"), "incidents")[0].resolved == t(
        "2026-02-10T13:00:00"
    )
    assert unified_incidents(org, t("2026-02-10T11:30:00"), "alerts")[0].resolved is None


# --- on-call load and noise (§10, §11) ---------------------------------------------------------
def test_oncall_truth_by_hand() -> None:
    """Local = UTC-3. Pages (PagerDuty 2 s after creation / an escalation, Opsgenie 1 s):
    - QA created Mon 2026-02-02 10:59:57 UTC: Ana paged 10:59:59 UTC = 07:59:59 local → sleep;
      its escalation at 11:04:57 pages Bruno at 11:04:59 = 08:04:59 local → business.
    - QB Sat 02-07 13:00 → Ana 10:00:02 → off (weekend).
    - QC Tue 02-17 (Carnival is not in the holidays package's national list for BR) 13:00 →
      Ana 10:00:02 → business.
    - og1 (Opsgenie) Sun 02-01 02:00 UTC = Sat 01-31 23:00 local → January: not in February.
    - QM merged duplicate Wed 02-04 01:00 UTC = Tue 22:00:02 → Ana: sleep (merged counts).
    February: business 2 (Bruno QA, Ana QC), off 1 (QB), sleep 2 (Ana QA, Ana QM) → 5; people
    Ana and Bruno: 2, Ana 4 → max 4; share 2/5."""
    incidents = [
        inc(
            "QA",
            "2026-02-02T10:59:57",
            escalations=["2026-02-02T11:04:57"],
            resolved_at="2026-02-02T12:00:00",
        ),
        inc("QB", "2026-02-07T13:00:00", resolved_at="2026-02-07T14:00:00"),
        inc("QC", "2026-02-17T13:00:00", resolved_at="2026-02-17T14:00:00"),
        inc("og1", "2026-02-01T02:00:00", source="opsgenie", resolved_at="2026-02-01T03:00:00"),
        inc(
            "QM",
            "2026-02-04T01:00:00",
            merged_into="QA",
            resolved_at="2026-02-04T01:03:00",
        ),
    ]
    org = organisation(incidents, [], [], end=AS_OF)
    assert kpis(org)["oncall"] == {
        "interruptions": 5,
        "business_hours": 2,
        "off_hours": 1,
        "sleep_hours": 2,
        "people": 2,
        "max_per_person": 4,
        "sleep_hours_share": 2 / 5,
    }
    january = compute_kpis(org, date(2026, 1, 1), date(2026, 2, 1), as_of=t(AS_OF))["oncall"]
    assert (january["interruptions"], january["sleep_hours"]) == (1, 1)  # og1, Sat 23:00


def test_noise_truth_by_hand() -> None:
    """February, non-merged: N1 resolved after 300 s, never acked → flapping (≤ 300 s) and
    unacked; N2 resolved after 301 s unacked → unacked only; N3 acked, resolved in 120 s →
    neither; N4 open → neither; N5 merged → left out. Alerts: N1 3 (PagerDuty grouping), the
    others 1 → (3 + 1 + 1 + 1) / 4."""
    incidents = [
        inc("N1", "2026-02-10T12:00:00", resolved_at="2026-02-10T12:05:00", alert_count=3),
        inc("N2", "2026-02-10T13:00:00", resolved_at="2026-02-10T13:05:01"),
        inc(
            "N3",
            "2026-02-10T14:00:00",
            acks=["2026-02-10T14:01:00"],
            resolved_at="2026-02-10T14:02:00",
        ),
        inc("N4", "2026-02-10T15:00:00"),
        inc("N5", "2026-02-10T15:01:00", merged_into="N4", resolved_at="2026-02-10T15:02:00"),
    ]
    org = organisation(incidents, [], [], end=AS_OF)
    assert kpis(org)["noise"] == {
        "incidents": 4,
        "resolved": 3,
        "resolved_unacknowledged": 2,
        "resolved_unacknowledged_share": 2 / 3,
        "flapping": 1,
        "flapping_share": 1 / 4,
        "alerts_per_incident": 6 / 4,
    }
