"""The exporter's fixture: a hand-made warehouse, built with the real models and published as a
snapshot, rich enough that every family of docs/metrics-exporter.md has samples.

AS_OF is 2026-03-20T15:00Z = 12:00 in São Paulo (UTC-3, no DST), so today is 2026-03-20, and
the windows are the full days before it (today left out, as every default period):
- window 7d  = local days 2026-03-13 .. 2026-03-19
- window 28d = local days 2026-02-20 .. 2026-03-19
(No incident, deploy or action of the table falls on 02-20, 03-13 or 03-20, so each window
holds what it held when the windows still included today.)
Policy defaults: ack/resolve targets sev1 300/3600 s, sev2 900/14400 s, sev3 3600/86400 s.

| id         | src | sev     | created (Z)      | tta  | ttr   | notes                            |
|------------|-----|---------|------------------|------|-------|----------------------------------|
| Q1PAYMNT01 | pd  | sev1    | 03-18 12:00 (7d) | 120  | 2400  | deploy h2 30 min before (window) |
| Q1PAYMNT02 | pd  | sev1    | 03-10 12:00      | 600  | 7200  | escalated; explicit link to h1   |
| Q1PAYMNT03 | pd  | sev1    | 03-18 12:01 (7d) |      |       | merged into Q1PAYMNT01           |
| Q2BILLNG01 | pd  | sev2    | 03-16 09:00 (7d) | 600  | 14400 | escalated; root cause capacity   |
| Q3BILLNG02 | pd  | sev3    | 03-19 12:00 (7d) |      |       | open, never acked (27 h old)     |
| Q1PAYMNT04 | pd  | sev1    | 01-05 12:00      | 180  |       | open, acked: in neither window   |
| Q0PAYMNT05 | pd  | unknown | 03-15 12:00 (7d) |      | 1800  | no priority, no urgency          |
| 0a1b-og-01 | og  | sev2    | 03-19 10:00 (7d) | 1200 | 3600  | runbook in the description       |
| 0a1b-og-02 | og  | sev4    | 03-02 10:00      | 300  | 7200  | legacy-batch: not configured     |

Notifications (on-call, local = UTC-3): Q1PAYMNT01 pages Zuleica at 09:00 (Wed, business) and
Q1PAYMNT03 (merged) pages her again at 09:01 (another incident: counts); Q2BILLNG01 pages Bruno
Tavares Mon 03-16 06:00 (sleep); Q3BILLNG02 pages Bruno Tavares Thu 09:00 and, escalated, Caio
Prado 09:30 (business); 0a1b-og-01 "Sent [Mobile] notification to dora@example.com" Thu 07:00
(sleep); Q0PAYMNT05 pages Zuleica Sun 03-15 09:00 (off); Q1PAYMNT02 (28d only) pages Zuleica
Tue 03-10 09:00 and Caio Prado 09:05 (business). Teams: checkout-api = Payments, billing (and
its Opsgenie alert) = Finance.

Runbooks: checkout-api (Q1*, Q0*) has one in the config, billing none, legacy-batch none.
Deploys of checkout-api-prod: h1 rev A 03-05, h2 rev B 03-18 11:30, h3 rev A 03-19 18:00
(a rollback). The tests work out every expected value from this table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from payloads import (
    action,
    argo_history,
    og_alert,
    og_log,
    pd_custom_fields,
    pd_incident,
    pd_log,
    pd_notify,
    postmortem,
)
from warehouse import TestWarehouse

from opskpi.etl.warehouse.build import publish

AS_OF = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)
BUILT_AT = datetime(2026, 3, 20, 14, 45, tzinfo=UTC)
APP = "checkout-api-prod"
REV_A, REV_B = "a1b2c3d4e5f60718", "b2c3d4e5f6071829"
RUNBOOK = "https://git.example.com/ops/runbooks/checkout-api.md"

CONFIG: dict[str, Any] = {
    "sources": {
        "pagerduty": {"token_env": "OPSKPI_TEST_PD_TOKEN"},
        "opsgenie": {"api_key_env": "OPSKPI_TEST_OG_KEY"},
        "argocd": {"base_url": "https://argocd.example.com", "token_env": "OPSKPI_TEST_ARGO"},
    },
    "postmortems": {"path": "postmortems"},
    "taxonomy": {"pagerduty_field": "root_cause"},
    "releases": {"pagerduty_field": "release"},
    "services": {
        "checkout-api": {"argocd_apps": [APP], "runbook_url": RUNBOOK, "team": "Payments"},
        "billing": {"team": "Finance"},
    },
}

# Names the config lists: they may appear in an exposition, only as `service` or `team` values.
CONFIGURED_NAMES = {"service": ("billing", "checkout-api"), "team": ("Finance", "Payments")}
# Strings that must never appear in an exposition (ids, titles, URLs, people, revisions).
PRIVATE = (
    "Q1PAYMNT",
    "Q2BILLNG",
    "Q3BILLNG",
    "Q0PAYMNT",
    "0a1b-og",
    "something broke",
    "is failing",
    "pagerduty.com",
    "example.com",
    "legacy-batch",
    "Zuleica",
    "Tavares",
    "Prado",
    "dora@",
    REV_A,
    REV_B,
    "pm-1",
    "AC-0",
    "HTTP 500",
    "alert 0a1b",
)


def _incidents() -> list[dict[str, Any]]:
    return [
        pd_incident("Q1PAYMNT01", "2026-03-18T12:00:00Z", resolved_at="2026-03-18T12:40:00Z"),
        pd_incident("Q1PAYMNT02", "2026-03-10T12:00:00Z", resolved_at="2026-03-10T14:00:00Z"),
        pd_incident(
            "Q1PAYMNT03",
            "2026-03-18T12:01:00Z",
            resolved_at="2026-03-18T12:02:00Z",
            merged_into="Q1PAYMNT01",
        ),
        pd_incident(
            "Q2BILLNG01",
            "2026-03-16T09:00:00Z",
            resolved_at="2026-03-16T13:00:00Z",
            priority="P2",
            service="billing",
            team="Finance",
        ),
        pd_incident(
            "Q3BILLNG02",
            "2026-03-19T12:00:00Z",
            status="triggered",
            priority="P3",
            service="billing",
            team="Finance",
        ),
        pd_incident("Q1PAYMNT04", "2026-01-05T12:00:00Z", status="acknowledged"),
        {
            **pd_incident(
                "Q0PAYMNT05",
                "2026-03-15T12:00:00Z",
                resolved_at="2026-03-15T12:30:00Z",
                priority=None,
            ),
            "urgency": None,
        },
    ]


def _logs() -> list[dict[str, Any]]:
    ack = "acknowledge_log_entry"
    return [
        pd_log("L01", "Q1PAYMNT01", ack, "2026-03-18T12:02:00Z"),
        pd_log("L02", "Q1PAYMNT02", "escalate_log_entry", "2026-03-10T12:05:00Z"),
        pd_log("L03", "Q1PAYMNT02", ack, "2026-03-10T12:10:00Z"),
        pd_log("L04", "Q2BILLNG01", "escalate_log_entry", "2026-03-16T09:05:00Z"),
        pd_log("L05", "Q2BILLNG01", ack, "2026-03-16T09:10:00Z"),
        pd_log("L06", "Q1PAYMNT04", ack, "2026-01-05T12:03:00Z"),
        pd_notify("N01", "Q1PAYMNT01", "2026-03-18T12:00:02Z", "Zuleica"),
        pd_notify("N02", "Q1PAYMNT03", "2026-03-18T12:01:02Z", "Zuleica"),
        pd_notify("N03", "Q2BILLNG01", "2026-03-16T09:00:02Z", "Bruno Tavares"),
        pd_notify("N04", "Q3BILLNG02", "2026-03-19T12:00:02Z", "Bruno Tavares"),
        pd_notify("N05", "Q3BILLNG02", "2026-03-19T12:30:02Z", "Caio Prado"),
        pd_notify("N06", "Q0PAYMNT05", "2026-03-15T12:00:02Z", "Zuleica"),
        pd_notify("N07", "Q1PAYMNT02", "2026-03-10T12:00:02Z", "Zuleica"),
        pd_notify("N08", "Q1PAYMNT02", "2026-03-10T12:05:02Z", "Caio Prado"),
    ]


def _alerts() -> list[dict[str, Any]]:
    return [
        og_alert(
            "0a1b-og-01",
            "2026-03-19T10:00:00Z",
            priority="P2",
            ack_ms=1_200_000,
            close_ms=3_600_000,
            details={"service": "billing"},
            tags=["cause:external_dependency"],
            description="Runbook: https://wiki.example.com/runbooks/billing",
        ),
        og_alert(
            "0a1b-og-02",
            "2026-03-02T10:00:00Z",
            priority="P4",
            ack_ms=300_000,
            close_ms=7_200_000,
            details={"service": "legacy-batch"},
        ),
    ]


def _sync_runs(wh: TestWarehouse) -> None:
    """pagerduty: a success, then a failure (the last run); opsgenie and argocd: one success;
    postmortems: configured and landed, but no sync run recorded."""
    wh.con.executemany(
        "insert into sync_runs (run_id, source, started_at, finished_at, status, records, error) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        [
            [
                1,
                "pagerduty",
                "2026-03-20 14:00:00+00",
                "2026-03-20 14:00:30+00",
                "success",
                120,
                None,
            ],
            [
                2,
                "opsgenie",
                "2026-03-20 14:00:00+00",
                "2026-03-20 14:00:12.5+00",
                "success",
                40,
                None,
            ],
            [3, "argocd", "2026-03-20 14:01:00+00", "2026-03-20 14:01:02+00", "success", 7, None],
            [
                4,
                "pagerduty",
                "2026-03-20 14:30:00+00",
                "2026-03-20 14:30:05+00",
                "failed",
                0,
                "HTTP 500 for https://api.pagerduty.com/incidents",
            ],
        ],
    )


def build_warehouse(extra_incidents: int = 0) -> TestWarehouse:
    """The fixture warehouse; ``extra_incidents`` adds that many resolved sev3 PagerDuty
    incidents on 2026-03-19, inside the 7d window (a second, different snapshot for the swap
    test)."""
    wh = TestWarehouse(CONFIG)
    extra = [
        pd_incident(
            f"Q3EXTRA{i:03d}",
            "2026-03-19T12:00:00Z",
            priority="P3",
            resolved_at="2026-03-19T12:30:00Z",
        )
        for i in range(extra_incidents)
    ]
    wh.land("pagerduty", "incident", _incidents() + extra)
    wh.land("pagerduty", "log_entry", _logs())
    wh.land(
        "pagerduty",
        "incident_custom_fields",
        [
            {"incident": "Q2BILLNG01", **pd_custom_fields({"root_cause": "capacity"})},
            {"incident": "Q1PAYMNT02", **pd_custom_fields({"release": f"{APP}@{REV_A[:8]}"})},
        ],
        key="incident",
    )
    wh.land("opsgenie", "alert", _alerts())
    wh.land(
        "opsgenie",
        "alert_log",
        [og_log("Sent [Mobile] notification to dora@example.com", "2026-03-19T10:00:01Z", "n1")],
        key=lambda _: "0a1b-og-01/n1",
        parent_id="0a1b-og-01",
    )
    wh.land(
        "argocd",
        "history_entry",
        [
            argo_history(1, REV_A, "2026-03-05T10:00:00Z"),
            argo_history(2, REV_B, "2026-03-18T11:30:00Z"),
            argo_history(3, REV_A, "2026-03-19T18:00:00Z"),
        ],
        key=lambda r: f"{APP}/{r['id']}",
        parent_id=APP,
    )
    wh.land(
        "postmortems",
        "postmortem",
        [
            postmortem(
                "2026/pm-1.md",
                ["pagerduty:Q1PAYMNT01"],
                published_at="2026-03-19T10:00:00Z",
                root_cause="change",
                actions=[
                    action("AC-01", "2026-03-16", "Concluída", completed_on="2026-03-15"),
                    action("AC-02", "2026-03-17", "Aberta", must_fix="sim"),
                    action("AC-03", "2026-03-10", "Em curso"),
                    action("AC-04", "2026-03-25", "Aberta", must_fix="sim"),
                    action("AC-05", "2026-02-01", "Aberta", must_fix="sim"),
                ],
            ),
        ],
    )
    _sync_runs(wh)
    wh.build()
    wh.con.execute("update build_info set built_at = ?", [BUILT_AT])
    return wh


def publish_fixture(wh: TestWarehouse, serving_path: Path) -> Path:
    return publish(wh.con, serving_path)


def config_toml(warehouse_path: Path) -> str:
    """CONFIG as a TOML file whose snapshot is ``<warehouse>.serving.duckdb``."""
    return f"""
[warehouse]
path = "{warehouse_path}"

[sources.pagerduty]
token_env = "OPSKPI_TEST_PD_TOKEN"

[sources.opsgenie]
api_key_env = "OPSKPI_TEST_OG_KEY"

[sources.argocd]
base_url = "https://argocd.example.com"
token_env = "OPSKPI_TEST_ARGO"

[postmortems]
path = "postmortems"

[exporter]
refresh = "1s"

[services."checkout-api"]
argocd_apps = ["{APP}"]
runbook_url = "{RUNBOOK}"
team = "Payments"

[services.billing]
team = "Finance"
"""
