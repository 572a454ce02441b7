"""``sql/kpis/report.sql`` (the KPI set of a period in one statement, ``metrics.kpis.build_report``)
gives what the group queries (``sql/kpis/<group>.sql``, one statement each) give: the same typed
report, field by field and float by float, including the fields ``--json`` does not show, for
periods short and long, empty and all-time, and for every kind of filter.

Two warehouses: a simulated organisation (the benchmark's ``tiny`` size: a month of PagerDuty,
Opsgenie, Argo CD and postmortems, every KPI with data) and the exporter's hand-made fixture
(open, breaching, merged and unacknowledged incidents, actions overdue and cancelled).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from exporter_fixture import build_warehouse
from warehouse import TestWarehouse

from opskpi.metrics.kpis import ReportRows, build_report, records, report_rows
from opskpi.metrics.period import Filters, Period, Query
from opskpi.metrics.report import KpiReport, Noise
from opskpi.metrics.sources import source_statuses

ALL_TIME = (date(1, 1, 1), date(9999, 12, 31))


def from_group_queries(wh: TestWarehouse, period: Period, filters: Filters) -> KpiReport:
    """The report as it was read before: each group's own query, once."""
    query = Query(period, filters)
    timezone = wh.one("select timezone from cfg_settings")["timezone"]
    return KpiReport.read(
        lambda name: records(wh.con, name, query),
        period,
        filters,
        timezone,
        source_statuses(wh.con, period.as_of),
    )


def assert_same(wh: TestWarehouse, period: Period, filters: Filters) -> KpiReport:
    ours = build_report(wh.con, period, filters)
    theirs = from_group_queries(wh, period, filters)
    # byte-identical JSON (what `opskpi kpis --json` prints) ...
    assert json.dumps(ours.to_json()) == json.dumps(theirs.to_json())
    # ... and every typed field, those the JSON leaves out too (ack_sla_n, resolve_sla_n)
    assert ours == theirs
    return ours


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> TestWarehouse:
    from benchmarks.bulk_landing import land_pages_folder, land_postmortems
    from benchmarks.dataset import ensure_pages, settings_dict
    from benchmarks.sizes import SIZES

    params = SIZES["tiny"].params
    folder = tmp_path_factory.mktemp("tiny")
    ensure_pages(params, folder / "pages")
    wh = TestWarehouse(settings_dict(params, folder / "warehouse.duckdb"), base_dir=folder)
    land_postmortems(wh.con, folder / "pages" / "postmortems")
    land_pages_folder(wh.con, folder / "pages", postmortems=False)
    return wh.build()


def simulated_periods() -> list[Period]:
    from benchmarks.sizes import SIZES

    params = SIZES["tiny"].params
    as_of = params.end_utc
    return [
        Period.last_full_days(28, as_of, params.timezone),
        Period.last_full_days(7, as_of, params.timezone),
        Period.last_full_days(1, as_of, params.timezone),
        Period(date(2026, 1, 15), date(2026, 3, 2), as_of),  # the whole month and more
        Period(date(2026, 2, 10), date(2026, 2, 17), as_of - timedelta(days=12)),  # judged then
        Period(date(2020, 1, 1), date(2020, 2, 1), as_of),  # nothing in it
        Period(*ALL_TIME, as_of),  # the exporter's "now"
    ]


def test_the_sizes_periods_have_every_kind_of_data(simulated: TestWarehouse) -> None:
    """The comparison below means something: the simulated month has every KPI."""
    report = build_report(simulated.con, simulated_periods()[0])
    pooled = report.pooled
    assert pooled.incidents > 200 and pooled.merged > 0 and pooled.open > 0
    assert {row.severity for row in report.response_times} >= {"sev1", "sev2", "sev3", "sev4"}
    assert report.releases.deploys > 50 and report.releases.deploys_with_incident > 0
    assert report.rca.actions_due > 0 and report.rca.postmortems_due > 0
    assert report.oncall.interruptions > 0 and report.noise.flapping > 0
    assert 0 < report.runbooks.with_runbook < report.runbooks.incidents


@pytest.mark.parametrize("period", simulated_periods(), ids=lambda p: f"{p.since}..{p.until}")
def test_one_statement_equals_the_group_queries_simulated(
    simulated: TestWarehouse, period: Period
) -> None:
    assert_same(simulated, period, Filters())


def _values(wh: TestWarehouse, column: str) -> list[str]:
    rows = wh.rows(f"select distinct {column} as v from incidents where {column} is not null")
    return sorted(str(row["v"]) for row in rows)


def test_one_statement_equals_the_group_queries_for_every_filter(simulated: TestWarehouse) -> None:
    period = simulated_periods()[3]
    services, teams = _values(simulated, "service"), _values(simulated, "team")
    filter_sets: list[dict[str, Any]] = [
        *({"severities": (s,)} for s in ("sev1", "sev2", "sev3", "sev4", "unknown")),
        {"severities": ("sev1", "sev2")},
        *({"services": (s,)} for s in services),
        {"services": tuple(services[:2])},
        *({"teams": (t,)} for t in teams),
        *({"sources": (s,)} for s in ("pagerduty", "opsgenie")),
        {"severities": ("sev2",), "teams": (teams[0],), "sources": ("pagerduty",)},
        {"services": ("no-such-service",)},
    ]
    assert len(services) > 2 and len(teams) > 1
    for values in filter_sets:
        assert_same(simulated, period, Filters(**values))


@pytest.fixture(scope="module")
def handmade() -> TestWarehouse:
    return build_warehouse()


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (date(2026, 3, 13), date(2026, 3, 20)),  # the exporter's 7d window
        (date(2026, 2, 20), date(2026, 3, 20)),  # its 28d window
        (date(2026, 3, 20), date(2026, 3, 21)),  # today alone
        ALL_TIME,
    ],
)
@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(teams=("Payments",)), Filters(services=("billing",))],
    ids=["none", "team", "service"],
)
def test_one_statement_equals_the_group_queries_handmade(
    handmade: TestWarehouse, since: date, until: date, filters: Filters
) -> None:
    as_of = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)
    assert_same(handmade, Period(since, until, as_of), filters)


def test_a_snapshot_without_the_sources_table_reports_no_sources(tmp_path: Path) -> None:
    """``sources`` is read in one statement now; a snapshot from before it existed has none."""
    wh = build_warehouse()
    wh.con.execute("drop table cfg_sources")
    assert source_statuses(wh.con, datetime(2026, 3, 20, tzinfo=UTC)) == ()


def test_a_group_the_statement_lacks_is_read_with_its_own_query(handmade: TestWarehouse) -> None:
    """A new group added to ``KpiReport`` before ``report.sql`` has it still reads right."""
    period = Period(date(2026, 2, 20), date(2026, 3, 20), datetime(2026, 3, 20, 15, tzinfo=UTC))
    rows = report_rows(handmade.con, Query(period))
    lacking = ReportRows(rows.timezone, {}, handmade.con, Query(period))
    assert lacking.read("kpis/noise") == records(handmade.con, "kpis/noise", Query(period))
    assert Noise.read(lacking.read) == Noise.read(rows.read)
