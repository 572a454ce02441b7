"""The team filter narrows deploys (docs/kpis.md, "Team filter and deploys"), worked by hand.

A team's deploys are those of the Argo CD applications mapped to the team's services
(``[services.X] team`` and ``argocd_apps``). Config:

service       team      argocd_apps
checkout-api  Payments  checkout-api-prod
checkout-web  Payments  shared-gateway
billing       Finance   billing-prod, shared-gateway
legacy        (none)    legacy-batch-prod
(no service)            orphan-prod   ← deploys, but mapped to no service

So shared-gateway serves Payments and Finance (the mapping cannot pick one: its deploys count
for each), legacy-batch-prod and orphan-prod belong to no team (left out by any team filter).

Deploys, all on Tuesday 2026-03-03 (UTC), in the week [03-02, 03-09):
checkout-api-prod #1 10:00, #2 14:00; billing-prod #1 11:00; shared-gateway #1 16:00;
legacy-batch-prod #1 12:00; orphan-prod #1 13:00 → 6 deploys.

Incidents (release window 60 min):
p1  checkout-api (Payments) 10:30 → checkout-api-prod #1 (30 min before)
f2  billing (Finance)       11:45 → billing-prod #1 (45 min before)
f1  billing (Finance)       16:20 → billing's apps: billing-prod #1 is 5 h 20 min before (out),
                                     shared-gateway #1 20 min before → shared-gateway #1

No filter: failed checkout#1 (p1), billing#1 (f2), gateway#1 (f1) → 3/6.
Payments: deploys checkout#1, checkout#2, gateway#1 = 3; the team's incidents are p1 only, so
  failed checkout#1 → 1/3 (gateway#1's incident f1 is Finance's).
Finance: deploys billing#1, gateway#1 = 2; failed billing#1 (f2), gateway#1 (f1) → 2/2.
Payments + Finance: the union, checkout#1 #2, billing#1, gateway#1 = 4; failed 3 → 3/4.
A team with no service: 0 deploys → rate null.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from payloads import argo_history, pd_incident
from warehouse import TestWarehouse

from opskpi.app.cli.main import main
from opskpi.config import load_settings
from opskpi.etl.warehouse.build import build_and_publish
from opskpi.etl.warehouse.connect import open_writer
from opskpi.etl.warehouse.landing import land
from opskpi.metrics import lists
from opskpi.metrics.period import Filters, Period

CONFIG = {
    "services": {
        "checkout-api": {"argocd_apps": ["checkout-api-prod"], "team": "Payments"},
        "checkout-web": {"argocd_apps": ["shared-gateway"], "team": "Payments"},
        "billing": {"argocd_apps": ["billing-prod", "shared-gateway"], "team": "Finance"},
        "legacy": {"argocd_apps": ["legacy-batch-prod"]},
    }
}
SINCE, UNTIL = date(2026, 3, 2), date(2026, 3, 9)
AS_OF = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DEPLOYS = (
    ("checkout-api-prod", 1, "2026-03-03T10:00:00Z"),
    ("checkout-api-prod", 2, "2026-03-03T14:00:00Z"),
    ("billing-prod", 1, "2026-03-03T11:00:00Z"),
    ("shared-gateway", 1, "2026-03-03T16:00:00Z"),
    ("legacy-batch-prod", 1, "2026-03-03T12:00:00Z"),
    ("orphan-prod", 1, "2026-03-03T13:00:00Z"),
)


def _land(con: duckdb.DuckDBPyConnection) -> None:
    for app, number, at in DEPLOYS:
        land(
            con,
            "argocd",
            "history_entry",
            [argo_history(number, f"{app[:4]}{number}abcdef", at)],
            key=lambda r, app=app: f"{app}/{r['id']}",
            parent_id=app,
        )
    land(
        con,
        "pagerduty",
        "incident",
        [
            pd_incident("p1", "2026-03-03T10:30:00Z", resolved_at="2026-03-03T11:00:00Z"),
            pd_incident(
                "f2",
                "2026-03-03T11:45:00Z",
                resolved_at="2026-03-03T12:00:00Z",
                service="billing",
                team="Finance",
            ),
            pd_incident(
                "f1",
                "2026-03-03T16:20:00Z",
                resolved_at="2026-03-03T16:50:00Z",
                service="billing",
                team="Finance",
            ),
        ],
    )


@pytest.fixture(scope="module")
def wh() -> TestWarehouse:
    wh = TestWarehouse(CONFIG)
    _land(wh.con)
    return wh.build()


def releases(wh: TestWarehouse, *teams: str) -> dict:
    filters = Filters(teams=teams or None)
    return wh.report(SINCE, UNTIL, AS_OF, filters)["releases"]


def test_attribution_as_worked_out(wh: TestWarehouse) -> None:
    rows = wh.rows("select source_id, release_key from incidents order by source_id")
    assert {r["source_id"]: r["release_key"] for r in rows} == {
        "f1": "argocd:shared-gateway#1",
        "f2": "argocd:billing-prod#1",
        "p1": "argocd:checkout-api-prod#1",
    }


@pytest.mark.parametrize(
    ("teams", "deploys", "failed"),
    [
        ((), 6, 3),
        (("Payments",), 3, 1),
        (("Finance",), 2, 2),
        (("Payments", "Finance"), 4, 3),
    ],
)
def test_the_team_filter_narrows_deploys(
    wh: TestWarehouse, teams: tuple[str, ...], deploys: int, failed: int
) -> None:
    got = releases(wh, *teams)
    assert (got["deploys"], got["deploys_with_incident"]) == (deploys, failed)
    assert got["change_failure_rate"] == failed / deploys


def test_a_team_without_services_has_no_deploys(wh: TestWarehouse) -> None:
    got = releases(wh, "Nope")
    assert (got["deploys"], got["change_failure_rate"]) == (0, None)


def test_the_deploy_list_follows_the_team_filter(wh: TestWarehouse) -> None:
    period = Period(SINCE, UNTIL, AS_OF)
    frame = lists.period_list(wh.con, "deploy_list", period, Filters(teams=("Payments",)))
    assert sorted(zip(frame["app"], frame["history_id"], strict=True)) == [
        ("checkout-api-prod", 1),
        ("checkout-api-prod", 2),
        ("shared-gateway", 1),
    ]
    attributed = lists.period_list(wh.con, "deploy_incidents", period, Filters(teams=("Finance",)))
    assert sorted(attributed["incident_key"]) == ["pagerduty:f1", "pagerduty:f2"]


def test_apps_the_mapping_cannot_decide(wh: TestWarehouse) -> None:
    period = Period(SINCE, UNTIL, AS_OF)
    every = lists.undecided_team_apps(wh.con, period)
    assert [
        (r["app"], list(r["teams"]), r["deploys"], r["mapping"]) for _, r in every.iterrows()
    ] == [
        ("legacy-batch-prod", [], 1, "none"),
        ("orphan-prod", [], 1, "none"),
        ("shared-gateway", ["Finance", "Payments"], 1, "shared"),
    ]
    # filtered on a team that shared-gateway does not serve: only the apps left out remain
    other = lists.undecided_team_apps(wh.con, period, Filters(teams=("Obras",)))
    assert list(other["app"]) == ["legacy-batch-prod", "orphan-prod"]


CONFIG_TOML = """\
[warehouse]
path = "wh.duckdb"

[services."checkout-api"]
argocd_apps = ["checkout-api-prod"]
team = "Payments"

[services."checkout-web"]
argocd_apps = ["shared-gateway"]
team = "Payments"

[services.billing]
argocd_apps = ["billing-prod", "shared-gateway"]
team = "Finance"

[services.legacy]
argocd_apps = ["legacy-batch-prod"]
"""


def test_the_cli_narrows_by_team_and_says_what_the_mapping_cannot_decide(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "opskpi.toml"
    config.write_text(CONFIG_TOML)
    settings = load_settings(config)
    con = open_writer(settings.warehouse_path)
    try:
        _land(con)
        build_and_publish(settings, con)
    finally:
        con.close()
    period = ["--since", "2026-03-02", "--until", "2026-03-09", "--as-of", "2026-03-10T12:00Z"]
    code = main(["kpis", "--config", str(config), *period, "--json", "--team", "Payments"])
    out, err = capsys.readouterr()
    assert code == 0, err
    got = json.loads(out)["releases"]
    assert (got["deploys"], got["deploys_with_incident"]) == (3, 1)  # as worked out above
    assert err == (
        "opskpi kpis: note: with --team, deploys are those of the Argo CD apps mapped to the "
        "team's services; shared-gateway serves several teams (Finance, Payments): its 1 "
        "deploy(s) count for each; no team is mapped for legacy-batch-prod, orphan-prod: their "
        "2 deploy(s) count for no team\n"
    )
