"""The exporter's on-call and noise families on the fixture snapshot (tests/exporter_fixture.py:
the notifications are listed in its docstring). Team and service labels only for the config's
names; people never reach a label."""

from __future__ import annotations

from pathlib import Path

import pytest
from exporter_fixture import build_warehouse, publish_fixture
from prometheus_client import CollectorRegistry
from test_collector import registry_over


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> CollectorRegistry:
    path = publish_fixture(build_warehouse(), tmp_path_factory.mktemp("oncall") / "s.duckdb")
    return registry_over(path)


def get(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_interruptions_by_class(registry: CollectorRegistry) -> None:
    """7d: business Q1PAYMNT01, Q1PAYMNT03 (merged: counts), Q3BILLNG02 ×2 (Bruno, Caio) = 4;
    off Q0PAYMNT05 (Sunday 09:00) = 1; sleep Q2BILLNG01 (Monday 06:00), 0a1b-og-01 (Thursday
    07:00) = 2 → 2/7; 4 people. 28d adds Q1PAYMNT02's two business-hour pages → 6, 1, 2; 2/9."""

    def classes(window: str) -> list[float | None]:
        return [
            get(registry, "opskpi_interruptions", window=window, **{"class": c})
            for c in ("business_hours", "off_hours", "sleep_hours")
        ]

    assert classes("7d") == [4, 1, 2]
    assert classes("28d") == [6, 1, 2]
    assert get(registry, "opskpi_sleep_interruptions_ratio", window="7d") == pytest.approx(2 / 7)
    assert get(registry, "opskpi_sleep_interruptions_ratio", window="28d") == pytest.approx(2 / 9)
    assert get(registry, "opskpi_people_interrupted", window="7d") == 4
    assert get(registry, "opskpi_people_interrupted", window="28d") == 4


def test_interruptions_of_the_configured_teams(registry: CollectorRegistry) -> None:
    """Payments (checkout-api): 7d business 2, off 1, sleep 0 → 0; Finance (billing and its
    Opsgenie alert): business 2, sleep 2 → 0.5. 28d: Payments business 4."""
    team = "opskpi_team_interruptions"
    assert get(registry, team, team="Payments", window="7d", **{"class": "business_hours"}) == 2
    assert get(registry, team, team="Payments", window="7d", **{"class": "off_hours"}) == 1
    assert get(registry, team, team="Payments", window="7d", **{"class": "sleep_hours"}) == 0
    assert get(registry, team, team="Finance", window="7d", **{"class": "sleep_hours"}) == 2
    assert get(registry, team, team="Payments", window="28d", **{"class": "business_hours"}) == 4
    ratio = "opskpi_team_sleep_interruptions_ratio"
    assert get(registry, ratio, team="Payments", window="7d") == 0
    assert get(registry, ratio, team="Finance", window="28d") == 0.5
    assert get(registry, "opskpi_sleep_interruptions_threshold") == 0.25


def test_noise_of_the_window_and_the_configured_services(registry: CollectorRegistry) -> None:
    """7d: 5 incidents, 4 resolved, Q0PAYMNT05 never acknowledged → 1/4; none flaps (1800 s);
    only the Opsgenie alert counts its alerts (1). Per service: checkout-api 2 incidents, 1 of
    2 resolved unacknowledged; billing 3, 0 of 2. legacy-batch is not configured: no series."""
    assert get(registry, "opskpi_resolved_unacknowledged_incidents", window="7d") == 1
    assert get(registry, "opskpi_resolved_unacknowledged_ratio", window="7d") == 0.25
    assert get(registry, "opskpi_resolved_unacknowledged_ratio", window="28d") == pytest.approx(
        1 / 6
    )
    assert get(registry, "opskpi_flapping_incidents", window="28d") == 0
    assert get(registry, "opskpi_flapping_ratio", window="7d") == 0
    assert get(registry, "opskpi_alerts_per_incident", window="28d") == 1
    assert get(registry, "opskpi_service_incidents", service="checkout-api", window="7d") == 2
    assert get(registry, "opskpi_service_incidents", service="billing", window="7d") == 3
    unacked = "opskpi_service_resolved_unacknowledged_ratio"
    assert get(registry, unacked, service="checkout-api", window="7d") == 0.5
    assert get(registry, unacked, service="checkout-api", window="28d") == pytest.approx(1 / 3)
    assert get(registry, unacked, service="billing", window="7d") == 0
    assert get(registry, "opskpi_service_flapping_ratio", service="billing", window="7d") == 0
    services = {
        s.labels["service"] for m in registry.collect() for s in m.samples if "service" in s.labels
    }
    assert services == {"billing", "checkout-api"}


def test_no_team_series_without_teams_in_config(tmp_path: Path) -> None:
    """Without [services.*] team the team families have HELP and TYPE and no series."""
    from warehouse import TestWarehouse

    from opskpi.etl.warehouse.build import publish

    wh = TestWarehouse({"services": {"checkout-api": {"argocd_apps": ["x"]}}}).build()
    registry = registry_over(publish(wh.con, tmp_path / "s.duckdb"))
    labelled = {s.name for m in registry.collect() for s in m.samples if "team" in s.labels}
    assert labelled == set()
    assert get(registry, "opskpi_service_incidents", service="checkout-api", window="7d") == 0
