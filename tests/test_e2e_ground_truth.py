"""End to end: a synthetic organisation served by the simulator, every source synced by the real
connectors (PagerDuty, Opsgenie, Argo CD, and the postmortems the simulator writes), the models
built and the snapshot published; then ``kpi_report`` must equal what ``simulator_truth``
computes from the organisation's dataclasses, for several periods and evaluation instants.

Counts and shares must be exact; durations agree to the second (float seconds through SQL and
through Python differ in the last bits, nothing more).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import holidays
import pytest
from simulator_specs import GROUPED
from simulator_truth import DEMO_FIELDS, PagerDutyFields, compute_kpis, interruptions

from opskpi.app.cli.demo import prepare_folder
from opskpi.config import load_settings
from opskpi.etl.sync import run_sync
from opskpi.etl.warehouse.build import build_and_publish
from opskpi.etl.warehouse.connect import open_writer
from opskpi.metrics.kpis import kpi_report
from opskpi.metrics.period import Period
from opskpi.metrics.snapshot import open_settings_snapshot
from opskpi.simulator import Organisation, SimulatorServer, generate

pytestmark = pytest.mark.integration

END = datetime(2026, 3, 1, tzinfo=UTC)
Synced = tuple[SimulatorServer, duckdb.DuckDBPyConnection, PagerDutyFields]


@pytest.fixture(scope="module")
def org() -> Organisation:
    return generate(11, END, months=4, **GROUPED)


@pytest.fixture(scope="module")
def synced(org: Organisation, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    """Synced with the demo's config; the truth reads the custom fields that config reads."""
    folder = tmp_path_factory.mktemp("e2e")
    with SimulatorServer(org) as sim:
        config = prepare_folder(folder, sim, org, 8501, 9464)
        settings = load_settings(config)
        fields = PagerDutyFields(
            settings.model.taxonomy.pagerduty_field, settings.model.releases.pagerduty_field
        )
        assert fields == DEMO_FIELDS
        con = open_writer(settings.warehouse_path)
        try:
            report = run_sync(settings, con=con, now=lambda: sim.now)
            assert report.ok, [r.error for r in report.results]
            assert [r.source for r in report.results] == [
                "pagerduty",
                "opsgenie",
                "argocd",
                "postmortems",
            ]
            build_and_publish(settings, con)
        finally:
            con.close()
        reader = open_settings_snapshot(settings)
        yield sim, reader, fields
        reader.close()


def assert_matches(got: Any, want: Any, path: str = "kpis") -> None:
    """``got`` holds every key of ``want`` with the same value; ``*_seconds`` floats to 1 s."""
    if isinstance(want, dict):
        assert isinstance(got, dict), path
        for key, value in want.items():
            assert key in got, f"{path}.{key} missing"
            assert_matches(got[key], value, f"{path}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{path}: {got} != {want}"
        for index, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_matches(g, w, f"{path}[{index}]")
    elif isinstance(want, float) and "_seconds" in path:
        assert got == pytest.approx(want, abs=1), path
    else:
        assert got == want, path


PERIODS = [
    (date(2026, 2, 1), date(2026, 3, 1)),  # the last month: open incidents, fresh postmortems
    (date(2026, 1, 1), date(2026, 2, 1)),
    (date(2025, 12, 1), date(2026, 1, 1)),
    (date(2026, 2, 16), date(2026, 2, 23)),  # one ISO week
    (date(2025, 11, 1), date(2026, 3, 1)),  # everything
]


@pytest.mark.parametrize(("since", "until"), PERIODS, ids=lambda d: d.isoformat())
def test_kpis_equal_the_ground_truth(
    org: Organisation, synced: Synced, since: date, until: date
) -> None:
    sim, con, fields = synced
    got = kpi_report(con, Period(since, until, sim.now))
    want = compute_kpis(
        org, since, until, as_of=sim.now, argocd_polls=[sim.now], pagerduty_fields=fields
    )
    assert_matches(got, want)
    assert got["response_times"][-1]["incidents"] > 0


def test_kpis_judged_later_than_the_sync_equal_the_ground_truth(
    org: Organisation, synced: Synced
) -> None:
    """Open, breaching, due and overdue are judged at ``as_of``, the data stay as synced."""
    sim, con, fields = synced
    as_of = sim.now + timedelta(days=12)
    since, until = date(2026, 1, 15), date(2026, 3, 1)
    got = kpi_report(con, Period(since, until, as_of))
    want = compute_kpis(
        org,
        since,
        until,
        as_of=as_of,
        view_at=sim.now,
        argocd_polls=[sim.now],
        pagerduty_fields=fields,
    )
    assert_matches(got, want)


def test_the_organisation_exercises_every_kpi(org: Organisation, synced: Synced) -> None:
    """Guards the comparison above against passing on zeros."""
    sim, con, _fields = synced
    got = kpi_report(con, Period(date(2025, 11, 1), date(2026, 3, 1), sim.now))
    severities = {row["severity"] for row in got["response_times"]}
    assert {"sev1", "sev2", "sev3", "sev4", "all"} <= severities
    assert got["releases"]["release_caused"] > 0 and got["releases"]["explicit"] > 0
    assert got["releases"]["rollbacks"] > 0
    assert 0 < got["runbooks"]["coverage"] < 1
    assert got["rca"]["actions_due"] > 0 and got["rca"]["postmortems_due"] > 0
    # runbooks the trigger log entry cannot show: on a later alert, behind an email trigger
    pd = [i for i in org.incidents if i.source == "pagerduty" and i.runbook_at() is not None]
    assert any(i.runbook_alert for i in pd)
    assert any(i.trigger_channel == "email" and i.runbook_location == "details" for i in pd)
    assert got["paging"]["escalated"] > 0
    causes = {row["root_cause"]: row["incidents"] for row in got["root_causes"]}
    assert all(causes[key] > 0 for key in ("change", "capacity", "unclassified"))
    merged = sum(row["merged"] for row in got["response_times"] if row["severity"] != "all")
    assert merged > 0
    assert not math.isnan(got["response_times"][-1]["tta_seconds"]["mean"])
    # on-call: every class, several people, someone paged more than once; a holiday's day
    # pages are off hours only through the holidays calendar (Nov 20, Dec 25, Jan 1 ...)
    oncall = got["oncall"]
    assert min(oncall[c] for c in ("business_hours", "off_hours", "sleep_hours")) > 0
    assert oncall["people"] > 5 and oncall["max_per_person"] > 1
    tz, days = ZoneInfo("America/Sao_Paulo"), holidays.country_holidays("BR", years=(2025, 2026))
    holiday_daytime = [
        at
        for at in interruptions(org, sim.now).values()
        if (local := at.astimezone(tz)).date() in days
        and local.weekday() < 5
        and 8 <= local.hour < 18
    ]
    assert holiday_daytime
    # noise: flapping and unacknowledged incidents, PagerDuty incidents grouping several alerts
    noise = got["noise"]
    assert noise["flapping"] > 0 and noise["resolved_unacknowledged"] > noise["flapping"]
    assert noise["alerts_per_incident"] > 1
