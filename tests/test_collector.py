"""The exporter's values, read with ``get_sample_value`` from a fresh ``CollectorRegistry`` over
the published fixture snapshot (tests/exporter_fixture.py: the incident table and windows).

Percentiles are continuous (linear interpolation): position = (n - 1) * q in the sorted values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from exporter_fixture import (
    AS_OF,
    BUILT_AT,
    CONFIG,
    CONFIGURED_NAMES,
    PRIVATE,
    build_warehouse,
    publish_fixture,
)
from prometheus_client import CollectorRegistry, generate_latest
from warehouse import TestWarehouse

from opskpi.metrics.exporter.cache import SnapshotCache
from opskpi.metrics.exporter.collector import KpiCollector
from opskpi.metrics.exporter.families import CATALOGUE
from opskpi.metrics.exporter.server import snapshot_builder

Value = Callable[..., float | None]


def registry_over(
    path: Path, as_of: datetime = AS_OF, sources: tuple[str, ...] | None = None
) -> CollectorRegistry:
    configured = (
        sources if sources is not None else ("pagerduty", "opsgenie", "argocd", "postmortems")
    )
    cache = SnapshotCache(path, snapshot_builder(configured, lambda: as_of), ttl_seconds=60)
    assert cache.refresh()
    registry = CollectorRegistry()
    KpiCollector(cache, registry=registry)
    return registry


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = build_warehouse()
    return publish_fixture(wh, tmp_path_factory.mktemp("snap") / "opskpi.serving.duckdb")


@pytest.fixture(scope="module")
def registry(snapshot: Path) -> CollectorRegistry:
    return registry_over(snapshot)


@pytest.fixture(scope="module")
def value(registry: CollectorRegistry) -> Value:
    def get(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    return get


def summed(registry: CollectorRegistry, name: str, **labels: str) -> float:
    """What PromQL's ``sum(name{labels})`` gives: the pooled figure of an additive family."""
    return sum(
        sample.value
        for metric in registry.collect()
        for sample in metric.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


@pytest.fixture(scope="module")
def total(registry: CollectorRegistry) -> Value:
    def get(name: str, **labels: str) -> float | None:
        return summed(registry, name, **labels)

    return get


def test_incident_counts_by_severity_source_window(value: Value, total: Value) -> None:
    n = "opskpi_incidents"
    # 7d (03-13..03-19): pd Q1PAYMNT01 sev1, Q2BILLNG01 sev2, Q3BILLNG02 sev3, Q0PAYMNT05 unknown;
    # og 0a1b-og-01 sev2. Q1PAYMNT03 is merged: not counted.
    assert value(n, severity="sev1", source="pagerduty", window="7d") == 1
    assert value(n, severity="sev2", source="opsgenie", window="7d") == 1
    assert value(n, severity="unknown", source="pagerduty", window="7d") == 1
    assert value(n, severity="sev4", source="opsgenie", window="7d") == 0  # zeros are exposed
    assert total(n, source="pagerduty", window="7d") == 4  # every severity: sum them
    assert total(n, source="opsgenie", window="7d") == 1
    assert value(n, severity="all", source="pagerduty", window="7d") is None  # no pooled series
    # 28d adds Q1PAYMNT02 (pd sev1, 03-10) and 0a1b-og-02 (og sev4, 03-02)
    assert value(n, severity="sev1", source="pagerduty", window="28d") == 2
    assert value(n, severity="sev4", source="opsgenie", window="28d") == 1
    assert total(n, source="pagerduty", window="28d") == 5
    assert total(n, source="opsgenie", window="28d") == 2
    # Q1PAYMNT04 (sev1, open since January) is in neither window
    assert value("opskpi_incidents_merged", severity="sev1", window="7d") == 1
    assert total("opskpi_incidents_merged", window="28d") == 1
    assert value("opskpi_incidents_merged", severity="sev2", window="28d") == 0


def _pooled(value: Value, name: str, window: str) -> list[float | None]:
    """The statistics of every severity pooled (their own family: no ``severity`` label)."""
    return [
        value(name, window=window, statistic=s) for s in ("mean", "median", "p90", "p95", "max")
    ]


def test_time_to_acknowledge(value: Value) -> None:
    n = "opskpi_time_to_acknowledge_seconds"

    def tta(severity: str, window: str) -> list[float | None]:
        if severity == "all":
            return _pooled(value, "opskpi_pooled_time_to_acknowledge_seconds", window)
        return [
            value(n, severity=severity, window=window, statistic=s)
            for s in ("mean", "median", "p90", "p95", "max")
        ]

    # 7d sev2: [600, 1200] → mean 900, median 900, p90 600 + 0.9 * 600, p95 600 + 0.95 * 600
    assert tta("sev2", "7d") == [900, 900, 1140, 1170, 1200]
    # 7d all: [120, 600, 1200] → mean 640; p90 at 1.8 → 600 + 0.8 * 600; p95 at 1.9
    assert tta("all", "7d") == [640, 600, 1080, 1140, 1200]
    # 28d sev1: [120, 600] → mean 360; p90 120 + 0.9 * 480 = 552; p95 120 + 0.95 * 480 = 576
    assert tta("sev1", "28d") == [360, 360, 552, 576, 600]
    # 28d all: [120, 300, 600, 600, 1200] → mean 2820 / 5 = 564; p90 at 3.6 → 600 + 0.6 * 600
    assert tta("all", "28d") == pytest.approx([564, 600, 960, 1080, 1200])
    # no acknowledged sev3 (open, never acked) nor unknown: no sample at all
    assert tta("sev3", "7d") == [None] * 5
    assert tta("unknown", "28d") == [None] * 5
    assert tta("sev4", "7d") == [None] * 5  # no sev4 in 7d


def test_time_to_resolve(value: Value) -> None:
    n = "opskpi_time_to_resolve_seconds"

    def ttr(severity: str, window: str) -> list[float | None]:
        if severity == "all":
            return _pooled(value, "opskpi_pooled_time_to_resolve_seconds", window)
        return [
            value(n, severity=severity, window=window, statistic=s)
            for s in ("mean", "median", "p90", "p95", "max")
        ]

    # 7d all: [1800, 2400, 3600, 14400] → mean 22200 / 4 = 5550; median at 1.5 → 3000;
    # p90 at 2.7 → 3600 + 0.7 * 10800 = 11160; p95 at 2.85 → 3600 + 0.85 * 10800 = 12780
    assert ttr("all", "7d") == pytest.approx([5550, 3000, 11160, 12780, 14400])
    # 28d sev1: [2400, 7200] → mean 4800; p90 2400 + 0.9 * 4800 = 6720; p95 6960
    assert ttr("sev1", "28d") == [4800, 4800, 6720, 6960, 7200]
    # 28d all: [1800, 2400, 3600, 7200, 7200, 14400] → mean 36600 / 6 = 6100; median at 2.5 →
    # 5400; p90 at 4.5 → 7200 + 0.5 * 7200 = 10800; p95 at 4.75 → 7200 + 0.75 * 7200 = 12600
    assert ttr("all", "28d") == pytest.approx([6100, 5400, 10800, 12600, 14400])
    assert ttr("unknown", "7d") == [1800] * 5  # Q0PAYMNT05
    assert ttr("sev3", "28d") == [None] * 5  # the only sev3 is open


def test_sla_compliance(value: Value) -> None:
    ack, res = "opskpi_ack_sla_compliance_ratio", "opskpi_resolve_sla_compliance_ratio"
    # 7d ack: sev1 120 ≤ 300; sev2 600 ≤ 900, 1200 > 900 → 1/2; all pooled 2/3
    assert value(ack, severity="sev1", window="7d") == 1
    assert value(ack, severity="sev2", window="7d") == 0.5
    pooled_ack, pooled_res = (
        "opskpi_pooled_ack_sla_compliance_ratio",
        "opskpi_pooled_resolve_sla_compliance_ratio",
    )
    assert value(pooled_ack, window="7d") == pytest.approx(2 / 3)
    assert value(ack, severity="all", window="7d") is None  # no pooled series in the family
    # 28d ack: sev1 adds 600 > 300 → 1/2; all: 120 ✓ 600 ✗ 600 ✓ 1200 ✗ → 2/4
    assert value(ack, severity="sev1", window="28d") == 0.5
    assert value(pooled_ack, window="28d") == 0.5
    # 28d resolve: sev1 2400 ✓ 7200 ✗; sev2 14400 ≤ 14400 ✓, 3600 ✓; all 3/4
    assert value(res, severity="sev1", window="28d") == 0.5
    assert value(res, severity="sev2", window="28d") == 1
    assert value(pooled_res, window="28d") == 0.75


def test_empty_denominators_and_no_targets_have_no_sample(value: Value) -> None:
    ack, res = "opskpi_ack_sla_compliance_ratio", "opskpi_resolve_sla_compliance_ratio"
    assert value(ack, severity="sev3", window="7d") is None  # no acked sev3
    assert value(res, severity="sev3", window="28d") is None  # no resolved sev3
    assert value(ack, severity="sev4", window="28d") is None  # sev4 has no target
    assert value(res, severity="unknown", window="7d") is None  # neither has unknown
    assert value("opskpi_ack_sla_target_seconds", severity="sev4") is None
    assert value("opskpi_open_breaching_incidents", severity="sev4") is None
    assert value("opskpi_open_unacknowledged_over_target_incidents", severity="unknown") is None


def test_targets_and_open_incidents_now(value: Value, total: Value) -> None:
    assert value("opskpi_ack_sla_target_seconds", severity="sev1") == 300
    assert value("opskpi_resolve_sla_target_seconds", severity="sev3") == 86400
    # open now, any creation date: Q1PAYMNT04 (sev1, acked, since January) and Q3BILLNG02
    # (sev3, never acked, 27 h old); both older than their resolve targets (1 h, 24 h)
    opened = {
        s: value("opskpi_open_incidents", severity=s)
        for s in ("sev1", "sev2", "sev3", "sev4", "unknown")
    }
    assert opened == {"sev1": 1, "sev2": 0, "sev3": 1, "sev4": 0, "unknown": 0}
    assert total("opskpi_open_incidents") == 2  # all severities: sum them
    assert value("opskpi_open_incidents", severity="all") is None
    assert value("opskpi_open_breaching_incidents", severity="sev1") == 1
    assert value("opskpi_open_breaching_incidents", severity="sev2") == 0
    assert total("opskpi_open_breaching_incidents") == 2
    # unacked over the ack target: only Q3BILLNG02 (27 h > 1 h)
    assert value("opskpi_open_unacknowledged_over_target_incidents", severity="sev1") == 0
    assert value("opskpi_open_unacknowledged_over_target_incidents", severity="sev3") == 1
    assert total("opskpi_open_unacknowledged_over_target_incidents") == 1


def test_root_causes_and_releases(value: Value) -> None:
    rc = "opskpi_root_cause_incidents"
    # 7d: change (pm-1 of Q1PAYMNT01), capacity (custom field of Q2BILLNG01),
    # external_dependency (tag of 0a1b-og-01), unclassified Q3BILLNG02 + Q0PAYMNT05
    assert value(rc, root_cause="change", window="7d") == 1
    assert value(rc, root_cause="unclassified", window="7d") == 2
    assert value(rc, root_cause="security", window="7d") == 0
    assert value(rc, root_cause="unclassified", window="28d") == 4  # + Q1PAYMNT02, 0a1b-og-02
    rel = "opskpi_release_caused_incidents"
    # 7d: Q1PAYMNT01, 30 min after deploy h2 (window); 28d adds Q1PAYMNT02 (explicit → h1)
    assert value(rel, link="any", window="7d") == 1
    assert value(rel, link="explicit", window="7d") == 0
    assert value(rel, link="window", window="7d") == 1
    assert value(rel, link="any", window="28d") == 2
    assert value(rel, link="explicit", window="28d") == 1
    assert value("opskpi_release_caused_ratio", window="7d") == pytest.approx(1 / 5)
    assert value("opskpi_release_caused_ratio", window="28d") == pytest.approx(2 / 7)
    # deploys 7d: h2, h3 (h3 = rollback to A); failed: h2 → 1/2. 28d: h1 too, failed h1 → 2/3
    assert value("opskpi_deploys", window="7d") == 2
    assert value("opskpi_deploys", window="28d") == 3
    assert value("opskpi_change_failure_rate_ratio", window="7d") == 0.5
    assert value("opskpi_change_failure_rate_ratio", window="28d") == pytest.approx(2 / 3)
    assert value("opskpi_rollbacks", window="28d") == 1


def test_runbooks_rca_postmortems_paging(value: Value) -> None:
    # runbook: checkout-api (config) Q1PAYMNT01, Q0PAYMNT05; 0a1b-og-01 (description).
    # without: billing Q2BILLNG01, Q3BILLNG02 → 7d 3/5; 28d + Q1PAYMNT02 ✓, 0a1b-og-02 ✗ → 4/7
    assert value("opskpi_runbook_coverage_ratio", window="7d") == pytest.approx(3 / 5)
    assert value("opskpi_incidents_without_runbook", window="7d") == 2
    assert value("opskpi_runbook_coverage_ratio", window="28d") == pytest.approx(4 / 7)
    assert value("opskpi_incidents_without_runbook", window="28d") == 3
    # actions due 7d (due 03-13..03-19): AC-01 done on time, AC-02 overdue → 1/2;
    # 28d adds AC-03 (due 03-10, overdue) → 1/3. AC-04 is not due yet.
    assert value("opskpi_rca_adherence_ratio", window="7d") == 0.5
    assert value("opskpi_rca_adherence_ratio", window="28d") == pytest.approx(1 / 3)
    # overdue now, any due date: AC-02 (must-fix), AC-03, AC-05 (must-fix, due in February)
    assert value("opskpi_overdue_actions", must_fix="true") == 2
    assert value("opskpi_overdue_actions", must_fix="false") == 1
    # postmortems due 7d: Q1PAYMNT01 (sev1, published 03-19 10:00 before 03-20 12:40: on time),
    # Q2BILLNG01 (sev2, 3 business days after Mon 03-16: ended 03-19 24:00, none) → 1/2;
    # 0a1b-og-01's deadline (03-24) has not passed. 28d adds Q1PAYMNT02 (none) → 1/3
    assert value("opskpi_postmortem_on_time_ratio", window="7d") == 0.5
    assert value("opskpi_postmortem_on_time_ratio", window="28d") == pytest.approx(1 / 3)
    # escalated before the first ack: Q2BILLNG01 (7d) and Q1PAYMNT02 → 1/5, 2/7
    assert value("opskpi_escalation_rate_ratio", window="7d") == pytest.approx(1 / 5)
    assert value("opskpi_escalation_rate_ratio", window="28d") == pytest.approx(2 / 7)
    # acked within 300 s: 7d 120 ✓ 600 ✗ 1200 ✗ → 1/3; 28d + 600 ✗ 300 ✓ → 2/5
    assert value("opskpi_acked_within_paging_window_ratio", window="7d") == pytest.approx(1 / 3)
    assert value("opskpi_acked_within_paging_window_ratio", window="28d") == 0.4


def test_sync_and_snapshot(value: Value) -> None:
    def ts(text: str) -> float:
        return datetime.fromisoformat(text).timestamp()

    last = "opskpi_sync_last_success_timestamp_seconds"
    # pagerduty: success 14:00:30, then a failed run 14:30:00-14:30:05 (the last run)
    assert value(last, source="pagerduty") == ts("2026-03-20T14:00:30+00:00")
    assert value("opskpi_sync_last_run_duration_seconds", source="pagerduty") == 5
    assert value("opskpi_sync_last_run_records", source="pagerduty") == 0
    assert value("opskpi_sync_errors_total", source="pagerduty") == 1
    assert value(last, source="opsgenie") == ts("2026-03-20T14:00:12.5+00:00")
    assert value("opskpi_sync_last_run_duration_seconds", source="opsgenie") == 12.5
    assert value("opskpi_sync_errors_total", source="argocd") == 0
    # postmortems: configured, never synced → 0 and 0 (so the staleness alert fires and
    # increase() sees the first failure); no run → no duration, no records
    assert value(last, source="postmortems") == 0
    assert value("opskpi_sync_errors_total", source="postmortems") == 0
    assert value("opskpi_sync_last_run_duration_seconds", source="postmortems") is None
    assert value("opskpi_snapshot_timestamp_seconds") == BUILT_AT.timestamp()
    assert value("opskpi_snapshot_load_errors_total") == 0


def test_labels_are_the_contracts_only(registry: CollectorRegistry) -> None:
    allowed = {
        "severity": {"sev1", "sev2", "sev3", "sev4", "unknown"},  # never a pooled "all"
        "class": {"business_hours", "off_hours", "sleep_hours"},
        "team": set(CONFIGURED_NAMES["team"]),
        "service": set(CONFIGURED_NAMES["service"]),
        "source": {"pagerduty", "opsgenie", "argocd", "postmortems"},
        "window": {"7d", "28d"},
        "statistic": {"mean", "median", "p90", "p95", "max"},
        "root_cause": {
            "change",
            "capacity",
            "external_dependency",
            "data",
            "security",
            "process",
            "unclassified",
        },
        "link": {"any", "explicit", "window"},
        "must_fix": {"true", "false"},
    }
    catalogue = {family.name: set(family.labels) for family in CATALOGUE}
    for metric in registry.collect():
        for sample in metric.samples:
            assert set(sample.labels) == catalogue[sample.name], sample
            for label, label_value in sample.labels.items():
                assert label_value in allowed[label], sample
    incident_sources = {
        s.labels["source"]
        for m in registry.collect()
        for s in m.samples
        if s.name == "opskpi_incidents"
    }
    assert incident_sources == {"pagerduty", "opsgenie"}


def test_no_ids_titles_urls_or_names_in_the_exposition(registry: CollectorRegistry) -> None:
    text = generate_latest(registry).decode()
    leaked = [word for word in PRIVATE if word.lower() in text.lower()]
    assert leaked == []
    assert not re.search(r"https?://", text)
    # the configured names appear, and only as the value of their own label
    for label, names in CONFIGURED_NAMES.items():
        for name in names:
            for line in text.splitlines():
                if name.lower() in line.lower():
                    assert f'{label}="{name}"' in line, line
                    assert line.lower().count(name.lower()) == 1, line


def test_every_family_has_samples(registry: CollectorRegistry) -> None:
    names = {s.name for m in registry.collect() for s in m.samples}
    assert names == {family.name for family in CATALOGUE}


def test_as_of_moves_the_windows_not_the_open_incidents(snapshot: Path) -> None:
    """Judged at 2026-05-01 nothing falls in the windows: counts are 0, every ratio and
    statistic of the windows is absent; the two open incidents are still open now."""
    later = registry_over(snapshot, datetime(2026, 5, 1, 15, 0, tzinfo=UTC))
    get = later.get_sample_value
    assert summed(later, "opskpi_incidents", source="pagerduty", window="28d") == 0
    assert get("opskpi_deploys", {"window": "28d"}) == 0
    for family in CATALOGUE:
        if family.name.endswith("_ratio"):
            assert [s for m in later.collect() for s in m.samples if s.name == family.name] == []
    assert (
        get("opskpi_pooled_time_to_acknowledge_seconds", {"window": "28d", "statistic": "mean"})
        is None
    )
    assert summed(later, "opskpi_open_incidents") == 2
    assert get("opskpi_root_cause_incidents", {"root_cause": "change", "window": "7d"}) == 0


def test_empty_warehouse_exposes_zeros_and_no_ratios(tmp_path: Path) -> None:
    wh = TestWarehouse(CONFIG).build()
    path = publish_fixture(wh, tmp_path / "empty.serving.duckdb")
    registry = registry_over(path)
    get = registry.get_sample_value
    assert get("opskpi_incidents", {"severity": "sev1", "source": "opsgenie", "window": "7d"}) == 0
    assert summed(registry, "opskpi_open_breaching_incidents") == 0
    assert get("opskpi_open_breaching_incidents", {"severity": "sev1"}) == 0  # exposed as 0
    assert get("opskpi_sync_errors_total", {"source": "argocd"}) == 0
    assert get("opskpi_sync_last_success_timestamp_seconds", {"source": "pagerduty"}) == 0
    ratios = [s for m in registry.collect() for s in m.samples if s.name.endswith("_ratio")]
    assert ratios == []


def test_unconfigured_sources_without_data_have_no_series(tmp_path: Path) -> None:
    wh = TestWarehouse({"sources": {"opsgenie": {"api_key_env": "X"}}}).build()
    path = publish_fixture(wh, tmp_path / "og.serving.duckdb")
    registry = registry_over(path, sources=("opsgenie",))
    sources = {
        s.labels["source"] for m in registry.collect() for s in m.samples if "source" in s.labels
    }
    assert sources == {"opsgenie"}
