"""A small hand-made warehouse for the app, report and browser tests, with its KPI values worked
out by hand below (the arithmetic is in the comments; ``test_app_fixture.py`` checks them
against the real SQL models).

Reporting time zone America/Sao_Paulo (UTC-3 all year, no DST since 2019), as_of
2026-03-10T12:00Z (Tuesday). Review week 2026-W10 = Mon 2026-03-02 .. Sun 2026-03-08 (local);
the week before, 2026-W09 = 2026-02-23 .. 2026-03-01. No Brazilian national holiday falls
between 2026-02-20 and 2026-03-20.

Services (config): checkout-api (team Payments, app checkout-api-prod, config runbook),
obras-api (team Obras, app obras-api-prod, no runbook), notificacoes (team Plataforma, Opsgenie,
no app).

Incidents (UTC; local = UTC-3):

==========  ====  ==========  =================  ======  =======  =========================
key         sev   service     created (UTC)      tta s   ttr s    notes
==========  ====  ==========  =================  ======  =======  =========================
PW10A       sev1  checkout    03-02 13:00        240     3000     cause change (postmortem
                                                                  PM-A, on time), explicit
                                                                  release @abc1234 = deploy
                                                                  #2 (12:30, also in window)
PW10B       sev2  checkout    03-03 18:00        1200    18000    cause capacity (field),
                                                                  1 escalation, window #3
                                                                  (17:30), postmortem missing
PW10E       sev2  checkout    03-03 18:02        -       -        merged into PW10B
PW10C       sev3  obras       03-04 12:00        1800    7200     runbook on the alert
PW10D       sev1  obras       03-05 15:00        600     open     window deploy #9 (14:30);
                                                                  breaching at as_of
og-w10-1    sev2  notif.      03-06 10:00        300     3600     cause external_dependency
                                                                  (tag), runbook in text
og-w10-2    sev4  notif.      03-07 20:00        -       1800     never acknowledged
PW10F       sev3  obras       03-09 02:00        bad     3600     local 03-08 23:00 → W10;
                                                                  ack 10 min before creation
PW09A       sev1  checkout    02-24 12:00        360     2400     cause capacity (field)
PW09B       sev2  obras       02-26 14:00        600     10800    cause data (PM-B, late),
                                                                  window deploy #6 (13:30)
og-w09-1    sev3  notif.      03-02 02:30        600     7200     local 03-01 23:30 → W09
==========  ====  ==========  =================  ======  =======  =========================

Notifications (on-call, §10; local = UTC-3): PW10B pages Bruno Tue 03-03 15:00:02 and, after
the escalation, Carla at 15:15:02; PW10E (merged) pages Bruno at 15:02:02; PW10C pages Davi Wed
09:00:02; PW10D pages Davi Thu 12:00:02 and again at 12:05:02 (not again); PW10F pages Davi Sun
03-08 23:00:02 (W10); og-w10-2 "Sent [Mobile] notification to eva@example.com" Sat 03-07
17:00:01; in W09 PW09A pages Ana Tue 02-24 09:00:02 and og-w09-1 eva Sun 03-01 23:30:01.
PagerDuty alert_counts.all: PW10A 3, PW10B 2, the other W10 incidents 1.

Deploys: checkout-api-prod #1 02-20 12:00 (aaa1111, W08), #2 03-02 12:30 (abc1234),
#3 03-03 17:30 (bbb2222), #4 03-03 19:00 (abc1234 again: a rollback); obras-api-prod #6 02-26
13:30 (eee5555), #7 03-04 09:00 (ccc3333), #9 03-05 14:30 (ddd4444): #8 was never seen (a
history gap). A failed sync of obras-api-prod started 03-06 10:00.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import payloads as p

from opskpi.config import Settings, load_settings
from opskpi.etl.warehouse.build import build_and_publish
from opskpi.etl.warehouse.connect import open_writer
from opskpi.etl.warehouse.landing import land

AS_OF = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
AS_OF_PARAM = "2026-03-10T12:00:00+00:00"
WEEK = "2026-W10"
PREVIOUS_WEEK = "2026-W09"

CONFIG = """\
[report]
timezone = "America/Sao_Paulo"
language = "{language}"

[warehouse]
path = "warehouse/opskpi.duckdb"

[taxonomy]
pagerduty_field = "root_cause"

[services."checkout-api"]
argocd_apps = ["checkout-api-prod"]
runbook_url = "https://git.example.com/runbooks/checkout-api.md"
team = "Payments"

[services."obras-api"]
argocd_apps = ["obras-api-prod"]
team = "Obras"

[services."notificacoes"]
team = "Plataforma"
"""

# -- the KPI values of 2026-W10, worked by hand ---------------------------------------------------
# Incidents: PW10A, PW10B, PW10C, PW10D, og-w10-1, og-w10-2, PW10F = 7 (PW10E merged: 1 apart).
# tta (valid): 240, 600, 1200, 300, 1800 → n 5, mean 4140/5 = 828 s (13 min 48 s),
#   sorted 240 300 600 1200 1800: median 600, p90 at 0.9·4 = 3.6 → 1200 + 0.6·600 = 1560.
# ttr: 3000, 18000, 7200, 3600 (og-w10-1), 1800 (og-w10-2), 3600 (PW10F) → n 6,
#   mean 37200/6 = 6200 s (1 h 43 min), sorted 1800 3000 3600 3600 7200 18000: median 3600,
#   p90 at 0.9·5 = 4.5 → 7200 + 0.5·10800 = 12600.
# Ack SLA (sev1 300, sev2 900, sev3 3600 s): 240 ✓ 600 ✗ | 1200 ✗ 300 ✓ | 1800 ✓ → 3/5 = 0.6.
# Resolve SLA (3600, 14400, 86400 s): 3000 ✓ | 18000 ✗ 3600 ✓ | 7200 ✓ 3600 ✓ → 4/5 = 0.8.
# sev1: tta 240, 600 → mean 420 (7 min), median 420, p90 240 + 0.9·360 = 564; ack 1/2,
#   resolve 1/1; PW10D open since 03-05 15:00, older than 60 min at as_of → breaching_open 1.
# sev2: tta 1200, 300 → mean 750, ttr 18000, 3600 → mean 10800 (3 h 00 min); ack 1/2, res 1/2.
# sev3: tta 1800 (n 1); ttr 7200, 3600 → mean 5400; ack 1/1, resolve 2/2.
# Root causes: change 1 (PW10A), capacity 1 (PW10B), external_dependency 1 (og-w10-1),
#   unclassified 4 (PW10C, PW10D, og-w10-2, PW10F) → shares 1/7, 1/7, 1/7, 4/7.
# Releases: release-caused PW10A (explicit + window), PW10B (window), PW10D (window) → 3/7;
#   explicit 1, window 3. Deploys in W10: #2 #3 #4 #7 #9 = 5; with an incident #2 #3 #9 = 3
#   → change failure rate 3/5 = 0.6; rollbacks 1 (#4).
# Runbooks: with PW10A, PW10B (config), PW10C (alert), og-w10-1 (description) = 4/7;
#   without: obras-api 2 (PW10D, PW10F), notificacoes 1 (og-w10-2).
# RCA: actions due in W10 (cancelled AC-05 left out): AC-01 (03-04, done 03-04: on time),
#   AC-04 (03-05, done 03-07: late), AC-02 (03-06, in progress: overdue, must-fix),
#   BC-02 (03-02, open: overdue) → due 4, on time 1 → adherence 0.25; overdue 2, must-fix 1.
# Postmortems (by incident creation): PW10A due (published 03-03 12:00 ≤ deadline 03-04 13:50)
#   on time; PW10B resolved 03-03 20:00 local → 3 business days → end of Fri 03-06 → passed,
#   none: missing; PW10C (5 bd → 03-11), og-w10-1 (3 bd → 03-11), PW10F (→ 03-16) not yet due;
#   PW10D open, og-w10-2 sev4 → none. Due 2, on time 1 → 0.5.
# Paging: acknowledged 5; within 300 s: 240, 300 → 2/5 = 0.4; escalated 1 (PW10B) → 1/7.
# On-call W10: interruptions PW10B Bruno, PW10B Carla, PW10E Bruno, PW10C Davi, PW10D Davi
#   (business, 5), og-w10-2 eva (Saturday 17:00: off, 1), PW10F Davi (Sunday 23:00: sleep, 1)
#   = 7; people 4; Davi has the most, 3; sleep share 1/7. W09: PW09A Ana (business), og-w09-1
#   eva (sleep) = 2, share 1/2. Per team: Payments 3 (sleep 0), Obras 3 (sleep 1), Plataforma 1
#   (sleep 0).
# Noise W10: resolved 6 (PW10D open), never acknowledged og-w10-2 → 1/6 (PW10F's ack is bad but
#   there); flapping 0 (og-w10-2 took 30 min); alerts (3 + 2 + 1 + 1 + 1 + 1 + 1) / 7 = 10/7.
W10_ONCALL = {
    "interruptions": 7,
    "business_hours": 5,
    "off_hours": 1,
    "sleep_hours": 1,
    "people": 4,
    "max_per_person": 3,
    "sleep_hours_share": 1 / 7,
}
W10_NOISE = {
    "incidents": 7,
    "resolved": 6,
    "resolved_unacknowledged": 1,
    "resolved_unacknowledged_share": 1 / 6,
    "flapping": 0,
    "flapping_share": 0.0,
    "alerts_per_incident": 10 / 7,
}
W10 = {
    "incidents": 7,
    "merged": 1,
    "mtta": 828.0,
    "mtta_median": 600.0,
    "mtta_p90": 1560.0,
    "mttr": 6200.0,
    "mttr_median": 3600.0,
    "mttr_p90": 12600.0,
    "ack_sla": 0.6,
    "resolve_sla": 0.8,
    "breaching_open": 1,
    "release_caused_share": 3 / 7,
    "change_failure_rate": 0.6,
    "rollbacks": 1,
    "runbook_coverage": 4 / 7,
    "rca_adherence": 0.25,
    "overdue_actions": 2,
    "overdue_must_fix": 1,
    "postmortem_on_time_share": 0.5,
    "acked_within_paging_window": 0.4,
    "escalation_rate": 1 / 7,
}

# -- 2026-W09 ------------------------------------------------------------------------------------
# Incidents PW09A (sev1), PW09B (sev2), og-w09-1 (sev3) = 3.
# tta 360, 600, 600 → mean 520 s (8 min 40 s), median 600; ttr 2400, 10800, 7200 → mean 6800,
#   median 7200. Ack SLA: 360 ✗ (> 300), 600 ✓, 600 ✓ → 2/3; resolve 3/3 = 1.0.
# Releases: PW09B in the window of #6 → 1/3; deploys 1 (#6) with an incident → CFR 1.0.
# Runbooks: PW09A (config), og-w09-1 (alert details) → 2/3. RCA: BC-01 (due 02-27, done 02-26)
#   → 1/1. Postmortems: PW09A (sev1, 48 h → 02-26 12:40) missing, PW09B (3 bd → end of 03-03)
#   published 03-05: late, og-w09-1 (resolved 03-02 01:30 local, 5 bd → end of 03-09) missing
#   → due 3, on time 0 → 0.0. Paging: 0/3 within 5 min; no escalation → 0/3.
# Week over week: incidents +4, MTTA +308 s (5 min 08 s), MTTR −600 s (10 min).
W09 = {
    "incidents": 3,
    "mtta": 520.0,
    "mttr": 6800.0,
    "ack_sla": 2 / 3,
    "resolve_sla": 1.0,
    "release_caused_share": 1 / 3,
    "change_failure_rate": 1.0,
    "runbook_coverage": 2 / 3,
    "rca_adherence": 1.0,
    "postmortem_on_time_share": 0.0,
}


def _pd_incidents() -> list[dict[str, Any]]:
    pd = p.pd_incident
    return [
        pd("PW10A", "2026-03-02T13:00:00Z", resolved_at="2026-03-02T13:50:00Z", alert_count=3),
        pd(
            "PW10B",
            "2026-03-03T18:00:00Z",
            resolved_at="2026-03-03T23:00:00Z",
            priority="P2",
            alert_count=2,
        ),
        pd(
            "PW10E",
            "2026-03-03T18:02:00Z",
            resolved_at="2026-03-03T18:10:00Z",
            priority="P2",
            merged_into="PW10B",
        ),
        pd(
            "PW10C",
            "2026-03-04T12:00:00Z",
            resolved_at="2026-03-04T14:00:00Z",
            priority="P3",
            service="obras-api",
            team="Obras",
            alert_count=1,
        ),
        pd(
            "PW10D",
            "2026-03-05T15:00:00Z",
            status="acknowledged",
            service="obras-api",
            team="Obras",
            alert_count=1,
        ),
        pd(
            "PW10F",
            "2026-03-09T02:00:00Z",
            resolved_at="2026-03-09T03:00:00Z",
            priority="P3",
            service="obras-api",
            team="Obras",
            alert_count=1,
        ),
        pd("PW09A", "2026-02-24T12:00:00Z", resolved_at="2026-02-24T12:40:00Z"),
        pd(
            "PW09B",
            "2026-02-26T14:00:00Z",
            resolved_at="2026-02-26T17:00:00Z",
            priority="P2",
            service="obras-api",
            team="Obras",
        ),
    ]


def _pd_logs() -> list[dict[str, Any]]:
    log = p.pd_log
    acks = {
        "PW10A": "2026-03-02T13:04:00Z",
        "PW10B": "2026-03-03T18:20:00Z",
        "PW10C": "2026-03-04T12:30:00Z",
        "PW10D": "2026-03-05T15:10:00Z",
        "PW10F": "2026-03-09T01:50:00Z",  # before creation: a bad timestamp
        "PW09A": "2026-02-24T12:06:00Z",
        "PW09B": "2026-02-26T14:10:00Z",
    }
    entries = [log(f"A{key}", key, "acknowledge_log_entry", at) for key, at in acks.items()]
    entries += [
        log("TPW10A", "PW10A", "trigger_log_entry", "2026-03-02T13:00:00Z"),
        log("RPW10A", "PW10A", "resolve_log_entry", "2026-03-02T13:50:00Z"),
        log("EPW10B", "PW10B", "escalate_log_entry", "2026-03-03T18:15:00Z"),
    ]
    notify = p.pd_notify
    entries += [
        notify("NPW10B1", "PW10B", "2026-03-03T18:00:02Z", "Bruno"),
        notify("NPW10B2", "PW10B", "2026-03-03T18:15:02Z", "Carla"),
        notify("NPW10E", "PW10E", "2026-03-03T18:02:02Z", "Bruno"),
        notify("NPW10C", "PW10C", "2026-03-04T12:00:02Z", "Davi"),
        notify("NPW10D1", "PW10D", "2026-03-05T15:00:02Z", "Davi"),
        notify("NPW10D2", "PW10D", "2026-03-05T15:05:02Z", "Davi"),
        notify("NPW10F", "PW10F", "2026-03-09T02:00:02Z", "Davi"),
        notify("NPW09A", "PW09A", "2026-02-24T12:00:02Z", "Ana"),
    ]
    return entries


def _opsgenie_alerts() -> list[dict[str, Any]]:
    og = p.og_alert
    return [
        og(
            "og-w10-1",
            "2026-03-06T10:00:00Z",
            ack_ms=300_000,
            close_ms=3_600_000,
            details={"service": "notificacoes"},
            tags=["cause:external_dependency"],
            description="Fila parada.\nRunbook: https://git.example.com/runbooks/notificacoes.md",
        ),
        og(
            "og-w10-2",
            "2026-03-07T20:00:00Z",
            priority="P4",
            close_ms=1_800_000,
            details={"service": "notificacoes"},
        ),
        og(
            "og-w09-1",
            "2026-03-02T02:30:00Z",
            priority="P3",
            ack_ms=600_000,
            close_ms=7_200_000,
            details={
                "service": "notificacoes",
                "runbook_url": "https://git.example.com/runbooks/notificacoes.md",
            },
        ),
    ]


def _argocd() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    h = p.argo_history
    history = [
        ("checkout-api-prod", h(1, "aaa1111aaaa", "2026-02-20T12:00:00Z")),
        ("checkout-api-prod", h(2, "abc1234def0", "2026-03-02T12:30:00Z")),
        ("checkout-api-prod", h(3, "bbb2222bbbb", "2026-03-03T17:30:00Z")),
        ("checkout-api-prod", h(4, "abc1234def0", "2026-03-03T19:00:00Z")),
        ("obras-api-prod", h(6, "eee5555eeee", "2026-02-26T13:30:00Z")),
        ("obras-api-prod", h(7, "ccc3333cccc", "2026-03-04T09:00:00Z")),
        ("obras-api-prod", h(9, "ddd4444dddd", "2026-03-05T14:30:00Z")),
    ]
    entries = [dict(entry, app=app) for app, entry in history]
    apps = [
        {
            "metadata": {"name": "checkout-api-prod"},
            "spec": {"project": "default"},
            "status": {"sync": {"status": "Synced"}, "health": {"status": "Healthy"}},
        },
        {
            "metadata": {"name": "obras-api-prod"},
            "spec": {"project": "default"},
            "status": {
                "sync": {"status": "OutOfSync"},
                "health": {"status": "Degraded"},
                "operationState": {
                    "phase": "Failed",
                    "message": "one or more objects failed to apply",
                    "startedAt": "2026-03-06T10:00:00Z",
                    "finishedAt": "2026-03-06T10:02:00Z",
                    "operation": {"sync": {"revision": "fff6666ffff"}},
                },
            },
        },
    ]
    return entries, apps


def _postmortems() -> list[dict[str, Any]]:
    a = p.action
    return [
        p.postmortem(
            "PM-A.md",
            ["pagerduty:PW10A"],
            published_at="2026-03-03T12:00:00Z",
            root_cause="change",
            severity="sev1",
            release="checkout-api-prod@abc1234",
            actions=[
                a(
                    "AC-01",
                    "2026-03-04",
                    "Concluída",
                    completed_on="2026-03-04",
                    must_fix="sim",
                    owner="@ana",
                ),
                a("AC-02", "2026-03-06", "Em curso", must_fix="sim", owner="@bruno"),
                a("AC-03", "2026-03-20", "Aberta", owner="@ana"),
                a("AC-04", "2026-03-05", "Concluída", completed_on="2026-03-07", owner="@bruno"),
                a("AC-05", "2026-03-03", "Cancelada", owner="@ana"),
            ],
        ),
        p.postmortem(
            "PM-B.md",
            ["pagerduty:PW09B"],
            published_at="2026-03-05T12:00:00Z",
            root_cause="data",
            severity="sev2",
            actions=[
                a("BC-01", "2026-02-27", "Concluída", completed_on="2026-02-26", owner="@carla"),
                a("BC-02", "2026-03-02", "Aberta", owner="@carla"),
            ],
        ),
    ]


def write_config(directory: Path, *, language: str = "pt-BR") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "opskpi.toml"
    path.write_text(CONFIG.format(language=language), encoding="utf-8")
    return path


def land_fixture(con: Any) -> None:
    """Land every payload of the fixture into an open writer (or in-memory) warehouse."""
    land(con, "pagerduty", "incident", _pd_incidents())
    for entry in _pd_logs():
        land(con, "pagerduty", "log_entry", [entry], parent_id=entry["incident"]["id"])
    for incident_id in ("PW10B", "PW09A"):
        fields = p.pd_custom_fields({"root_cause": "capacity"})
        land(con, "pagerduty", "incident_custom_fields", [fields], key=lambda _, i=incident_id: i)
    land(
        con,
        "pagerduty",
        "alert",
        [
            p.pd_alert(
                "AL1",
                "PW10C",
                "2026-03-04T12:00:00Z",
                details={"runbook_url": "https://git.example.com/runbooks/obras-api.md"},
            )
        ],
        parent_id="PW10C",
    )
    land(con, "opsgenie", "alert", _opsgenie_alerts())
    land(
        con,
        "opsgenie",
        "alert_log",
        [p.og_log("Alert acknowledged via web", "2026-03-06T10:05:00Z", "o1")],
        key=lambda _: "og-w10-1#o1",
        parent_id="og-w10-1",
    )
    for alert_id, at in (
        ("og-w10-2", "2026-03-07T20:00:01Z"),
        ("og-w09-1", "2026-03-02T02:30:01Z"),
    ):
        land(
            con,
            "opsgenie",
            "alert_log",
            [p.og_log("Sent [Mobile] notification to eva@example.com", at, "n1")],
            key=lambda _, a=alert_id: f"{a}#n1",
            parent_id=alert_id,
        )
    history, apps = _argocd()
    land(
        con,
        "argocd",
        "history_entry",
        history,
        key=lambda e: f"{e['app']}#{e['id']}",
        parent_id=lambda e: e["app"],
    )
    land(con, "argocd", "application", apps, key=lambda a: a["metadata"]["name"])
    land(con, "postmortems", "postmortem", _postmortems())
    land(con, "postmortems", "action", ["not a row"], location="actions.csv:7")  # a reject
    con.execute(
        """
        insert into sync_runs (run_id, source, started_at, finished_at, status, records, error)
        values
            (1, 'pagerduty', '2026-03-10 09:00:00+00', '2026-03-10 09:01:00+00', 'success', 21,
             null),
            (1, 'argocd', '2026-03-10 09:00:00+00', '2026-03-10 09:00:05+00', 'success', 9,
             null),
            (2, 'opsgenie', '2026-03-10 10:00:00+00', '2026-03-10 10:00:02+00', 'failed', 0,
             '401 Client Error: Unauthorized for url: https://api.opsgenie.com/v2/alerts')
        """
    )


def build_fixture(directory: Path, *, language: str = "pt-BR") -> Settings:
    """Write the config, land the fixture, build the models and publish the snapshot."""
    config = write_config(directory, language=language)
    settings = load_settings(config)
    con = open_writer(settings.warehouse_path)
    try:
        land_fixture(con)
        build_and_publish(settings, con)
    finally:
        con.close()
    return settings


def empty_config(directory: Path) -> Path:
    """A config whose warehouse was never synced (no snapshot file)."""
    return write_config(directory)


# -- driving the app with streamlit.testing --------------------------------------------------------

APP_FILE = Path(__file__).resolve().parents[1] / "app" / "web" / "main.py"
WEEK_PARAMS = {"period": "week", "week": WEEK, "as_of": AS_OF_PARAM}


def app_test(
    config: Path, monkeypatch: Any, params: dict[str, Any] | None = None, page: str | None = None
) -> Any:
    """Run the app on ``config`` (via $OPSKPI_CONFIG) with URL ``params``; on ``page``
    (``"incidents"`` → app_pages/incidents.py) when given. No real secrets are read."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("OPSKPI_CONFIG", str(config))
    at = AppTest.from_file(str(APP_FILE), default_timeout=120)
    at.secrets["opskpi_test"] = "placeholder: the app reads no secrets"
    params = WEEK_PARAMS if params is None else params
    at.query_params.update(params)
    at.run()
    if page is not None:
        at.switch_page(f"app_pages/{page}.py")
        at.query_params.update(params)
        at.run()
    return at


def metrics_of(at: Any) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def deltas_of(at: Any) -> dict[str, str]:
    return {m.label: m.delta for m in at.metric}


def captions_of(at: Any) -> list[str]:
    return [c.value for c in at.caption]
