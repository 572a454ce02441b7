"""End to end with the Opsgenie → JSM Operations migration: an organisation whose Opsgenie
account moved to JSM halfway (Opsgenie history before, JSM after, some alerts in both: imports
and alerts sent to both during the switch) served by the simulator; PagerDuty, Opsgenie, JSM,
Argo CD and the postmortems synced by the real connectors with the demo's config; the models
built twice from the same landing: with ``[sources.jsm] cutover`` (the migration's date) and
without it (pairs, JSM preferred). Each time ``kpi_report`` must equal what ``simulator_truth``
computes from the organisation's dataclasses, for every KPI and several periods around the
migration, and the incidents must be exactly the truth's: no alert counted twice, none lost.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from simulator_specs import GROUPED
from simulator_truth import DEMO_FIELDS, compute_kpis, unified_incidents
from test_e2e_ground_truth import assert_matches

from opskpi.app.cli.demo import prepare_folder
from opskpi.config import load_settings
from opskpi.etl.sync import run_sync
from opskpi.etl.warehouse.build import build_and_publish
from opskpi.etl.warehouse.connect import open_writer
from opskpi.metrics.kpis import kpi_report
from opskpi.metrics.period import Period
from opskpi.metrics.snapshot import open_settings_snapshot
from opskpi.simulator import Organisation, SimulatorServer, generate
from opskpi.simulator.generate import GenerateParams
from opskpi.simulator.jsm import mid_period

pytestmark = pytest.mark.integration

END = datetime(2026, 3, 1, tzinfo=UTC)
SOURCES = ("pagerduty", "opsgenie", "jsm")
Synced = dict[str, Any]


@pytest.fixture(scope="module")
def org() -> Organisation:
    params = GenerateParams(seed=11, end=END, months=4)
    at = mid_period(params.start_utc, params.end_utc, "America/Sao_Paulo")
    return generate(11, END, months=4, opsgenie_share=0.3, jsm_migration_at=at, **GROUPED)


@pytest.fixture(scope="module")
def synced(org: Organisation, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    """One sync, two builds: ``cutover`` (the demo's config) and ``pairs`` (the same config
    without the cutover, built from a copy of the landed warehouse)."""
    folder = tmp_path_factory.mktemp("e2e-jsm")
    with SimulatorServer(org) as sim:
        config = prepare_folder(folder, sim, org, 8501, 9464)
        text = config.read_text()
        assert 'cutover = "' in text and 'path = "opskpi.duckdb"' in text
        kept = [line for line in text.splitlines() if not line.startswith("cutover")]
        without = folder / "opskpi-no-cutover.toml"
        without.write_text(
            "\n".join(kept).replace('path = "opskpi.duckdb"', 'path = "pairs.duckdb"') + "\n"
        )
        settings = load_settings(config)
        con = open_writer(settings.warehouse_path)
        try:
            report = run_sync(settings, con=con, now=lambda: sim.now)
            assert report.ok, [r.error for r in report.results]
            assert [r.source for r in report.results] == [*SOURCES, "argocd", "postmortems"]
            build_and_publish(settings, con)
        finally:
            con.close()
        pairs = load_settings(without)
        shutil.copyfile(settings.warehouse_path, pairs.warehouse_path)
        build_and_publish(pairs)
        readers = {
            "cutover": open_settings_snapshot(settings),
            "pairs": open_settings_snapshot(pairs),
        }
        yield {"sim": sim, **readers}
    for reader in readers.values():
        reader.close()


def cutover_of(org: Organisation, variant: str) -> datetime | None:
    return org.jsm_migrated_at if variant == "cutover" else None


PERIODS = [
    (date(2025, 11, 1), date(2025, 12, 1)),  # Opsgenie only, some alerts later imported
    (date(2025, 12, 1), date(2026, 1, 1)),  # the migration's month
    (date(2026, 1, 1), date(2026, 2, 1)),  # JSM, the first week also sent to Opsgenie
    (date(2026, 2, 1), date(2026, 3, 1)),  # JSM only: open alerts, fresh postmortems
    (date(2025, 11, 1), date(2026, 3, 1)),  # everything
]


@pytest.mark.parametrize("variant", ["cutover", "pairs"])
@pytest.mark.parametrize(("since", "until"), PERIODS, ids=lambda d: d.isoformat())
def test_kpis_equal_the_ground_truth(
    org: Organisation, synced: Synced, variant: str, since: date, until: date
) -> None:
    sim = synced["sim"]
    got = kpi_report(synced[variant], Period(since, until, sim.now))
    want = compute_kpis(
        org,
        since,
        until,
        as_of=sim.now,
        sources=SOURCES,
        argocd_polls=[sim.now],
        pagerduty_fields=DEMO_FIELDS,
        jsm_cutover=cutover_of(org, variant),
    )
    assert_matches(got, want)
    assert got["response_times"][-1]["incidents"] > 0


@pytest.mark.parametrize("variant", ["cutover", "pairs"])
def test_every_alert_counts_once_and_none_is_lost(
    org: Organisation, synced: Synced, variant: str
) -> None:
    sim = synced["sim"]
    rows = synced[variant].execute("select incident_key, source from incidents").fetchall()
    keys = [key for key, _ in rows]
    assert len(keys) == len(set(keys))
    want = {
        row.key
        for row in unified_incidents(
            org, sim.now, sources=SOURCES, jsm_cutover=cutover_of(org, variant)
        )
    }
    assert set(keys) == want
    by_source = {s: sum(1 for _, src in rows if src == s) for s in SOURCES}
    assert by_source["jsm"] > 0 and by_source["opsgenie"] > 0


def test_the_migration_is_exercised(org: Organisation, synced: Synced) -> None:
    """Guards the comparisons above against passing on an empty overlap."""
    reader = synced["pairs"]
    matched = dict(
        reader.execute(
            "select matched_by, count(*) from jsm_opsgenie_pairs group by all"
        ).fetchall()
    )
    imports = [i for i in org.incidents if i.source == "opsgenie" and i.twin_id]
    dual = [i for i in org.incidents if i.source == "jsm" and i.twin_id]
    lost_alias = [i for i in imports if i.twin_alias]
    assert imports and dual and lost_alias
    # imports pair by tinyId and createdAt (and alias, unless the import lost it); the alerts
    # sent to both by alias alone
    assert matched == {
        "alias, tinyId and createdAt": len(imports) - len(lost_alias),
        "tinyId and createdAt": len(lost_alias),
        "alias": len(dual),
    }
    both = (
        synced["cutover"]
        .execute("select source, reason, records, with_twin from jsm_continuity order by all")
        .fetchall()
    )
    assert both == [
        (
            "jsm",
            "JSM alert created before the cutover: its Opsgenie twin counts",
            len(imports),
            len(imports),
        ),
        (
            "opsgenie",
            "Opsgenie record created on or after the cutover: its JSM twin counts",
            len(dual),
            len(dual),
        ),
    ]
    # postmortems of imported alerts count for the JSM record when it is the one that counts
    imported_keys = {f"opsgenie:{i.source_id}" for i in imports}
    assert any(key in imported_keys for pm in org.postmortems for key in pm.incidents)
    # on-call and noise: JSM alerts page people and count as one alert each; a person paged by
    # both records of a paired alert (an import's copied log, a dual-run alert's two pages) is
    # interrupted once, for the record that counts (docs/kpis.md §10): every interruption of a
    # paired alert has the two records' notifications
    paired = (
        "select incident_key from interruptions where incident_key in "
        "(select opsgenie_key from jsm_opsgenie_pairs union all "
        "select jsm_key from jsm_opsgenie_pairs)"
    )
    for variant in ("cutover", "pairs"):
        con = synced[variant]
        jsm_pages = con.execute("select count(*) from interruptions where source = 'jsm'")
        assert jsm_pages.fetchone()[0] > 0, variant
        by_notifications = con.execute(
            f"select notifications >= 2, count(*) from interruptions "
            f"where incident_key in ({paired}) group by all"
        ).fetchall()
        assert len(by_notifications) == 1 and by_notifications[0][0] is True, variant
        counts = con.execute("select distinct alert_count from incidents where source = 'jsm'")
        assert counts.fetchall() == [(1,)], variant
    spellings = dict(
        reader.execute(
            "select spelling, sum(records) from jsm_field_spellings "
            "where field = 'ackTime / closeTime' group by all"
        ).fetchall()
    )
    assert spellings["jsm"] > 0 and spellings["opsgenie"] > 0
