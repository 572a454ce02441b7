"""The exporter's series stay bounded by the config (docs/metrics-exporter.md): incidents and
pages of services and teams the config does not list add no series, and the per-team and
per-service families have exactly the grid the config gives."""

from __future__ import annotations

from pathlib import Path

from exporter_fixture import CONFIGURED_NAMES, build_warehouse, publish_fixture
from payloads import pd_incident, pd_notify
from prometheus_client import CollectorRegistry
from test_collector import registry_over

from opskpi.metrics.exporter.families import INTERRUPTION_CLASSES, WINDOWS


def _series(registry: CollectorRegistry) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    return {
        (s.name, tuple(sorted(s.labels.items()))) for m in registry.collect() for s in m.samples
    }


def test_unlisted_services_and_teams_add_no_series(tmp_path: Path) -> None:
    base = registry_over(publish_fixture(build_warehouse(), tmp_path / "base.duckdb"))
    wh = build_warehouse()
    # 30 incidents of 30 services and teams the config never names, each paging someone new
    wh.land(
        "pagerduty",
        "incident",
        [
            pd_incident(
                f"QX{i:03d}",
                "2026-03-19T12:00:00Z",
                resolved_at="2026-03-19T12:02:00Z",
                service=f"unlisted-{i}",
                team=f"Team {i}",
            )
            for i in range(30)
        ],
    )
    wh.land(
        "pagerduty",
        "log_entry",
        [
            pd_notify(f"NX{i:03d}", f"QX{i:03d}", "2026-03-19T12:00:02Z", f"Person {i}")
            for i in range(30)
        ],
    )
    wh.build()
    grown = registry_over(publish_fixture(wh, tmp_path / "grown.duckdb"))
    assert _series(grown) == _series(base)


def test_the_team_and_service_grid_is_the_configs(tmp_path: Path) -> None:
    registry = registry_over(publish_fixture(build_warehouse(), tmp_path / "s.duckdb"))
    series = _series(registry)
    teams, services = CONFIGURED_NAMES["team"], CONFIGURED_NAMES["service"]
    team_counts = [s for s in series if s[0] == "opskpi_team_interruptions"]
    assert len(team_counts) == len(WINDOWS) * len(teams) * len(INTERRUPTION_CLASSES)  # 12
    service_counts = [s for s in series if s[0] == "opskpi_service_incidents"]
    assert len(service_counts) == len(WINDOWS) * len(services)  # 4
    assert not [s for s in series if any(k == "person" for k, _ in s[1])]
