"""The "opskpi sync health" dashboard: is the data behind the KPIs fresh and complete?"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard
from grafana_foundation_sdk.models import dashboard as dashboard_models

from opskpi.grafana.panels import sync
from opskpi.grafana.panels.common import (
    datasource_variable,
    opskpi_dashboards_link,
    row,
    streamlit_link,
    with_panel_ids,
)
from opskpi.grafana.panels.words import t

UID = "opskpi-sync-health"
FILENAME = "opskpi-sync-health.json"
TITLE = "opskpi sync health"


def build(app_url: str) -> dashboard_models.Dashboard:
    board = (
        dashboard.Dashboard(TITLE)
        .uid(UID)
        .description(t("Sync runs per source, the KPI snapshot and the exporter; generated."))
        .tags(["generated", "opskpi"])
        .editable()
        .time("now-7d", "now")
        .refresh("1m")
        .timezone("browser")
        .tooltip(dashboard_models.DashboardCursorSync.CROSSHAIR)
        .with_variable(datasource_variable())
        .link(streamlit_link(app_url))
        .link(opskpi_dashboards_link())
        .with_row(row("Sync runs"))
        .with_panel(sync.last_success_age())
        .with_panel(sync.sync_errors())
        .with_panel(sync.snapshot_age())
        .with_panel(sync.last_success_age_trend())
        .with_panel(sync.sync_errors_trend())
        .with_panel(sync.last_run_duration())
        .with_panel(sync.last_run_records())
        .with_row(row("Exporter and snapshot"))
        .with_panel(sync.exporter_up())
        .with_panel(sync.snapshot_load_errors())
        .with_panel(sync.snapshot_age_trend())
    )
    return with_panel_ids(board.build())
