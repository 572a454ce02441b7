"""The "Incident KPIs" dashboard: one row per KPI group of docs/kpis.md."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard
from grafana_foundation_sdk.models import dashboard as dashboard_models

from opskpi.config.vocabulary import POOLED
from opskpi.grafana.panels import followup, incidents, oncall
from opskpi.grafana.panels.common import (
    DATASOURCE,
    datasource_variable,
    opskpi_dashboards_link,
    row,
    series,
    streamlit_link,
    with_panel_ids,
)
from opskpi.grafana.panels.words import t
from opskpi.metrics.exporter import families

UID = "opskpi-incident-kpis"
FILENAME = "incident-kpis.json"
TITLE = "Incident KPIs"

# Pooled figures have families of their own; a `severity="all"` series kept by Prometheus from
# an older exporter must not join the variable's values (sums would count it twice).
NOT_POOLED = f"/^(?!{POOLED}$).+$/"


def severity_variable() -> dashboard.QueryVariable:
    return (
        dashboard.QueryVariable("severity")
        .label(t("Severity"))
        .datasource(DATASOURCE)
        .query(f"label_values({series(families.INCIDENTS)}, severity)")
        .regex(NOT_POOLED)
        .refresh(dashboard_models.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dashboard_models.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .current(dashboard_models.VariableOption(selected=True, text=["All"], value=["$__all"]))
    )


def source_variable() -> dashboard.QueryVariable:
    return (
        dashboard.QueryVariable("source")
        .label(t("Source"))
        .datasource(DATASOURCE)
        .query(f"label_values({series(families.INCIDENTS)}, source)")
        .refresh(dashboard_models.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dashboard_models.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .current(dashboard_models.VariableOption(selected=True, text=["All"], value=["$__all"]))
    )


def _names_variable(name: str, label: str, family: families.Family) -> dashboard.QueryVariable:
    """Team or service: the names the config lists, as the exporter serves them."""
    return (
        dashboard.QueryVariable(name)
        .label(t(label))
        .description(t("Only the names listed in the opskpi config."))
        .datasource(DATASOURCE)
        .query(f"label_values({series(family)}, {name})")
        .refresh(dashboard_models.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dashboard_models.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .current(dashboard_models.VariableOption(selected=True, text=["All"], value=["$__all"]))
    )


def team_variable() -> dashboard.QueryVariable:
    return _names_variable("team", "Team", families.TEAM_INTERRUPTIONS)


def service_variable() -> dashboard.QueryVariable:
    return _names_variable("service", "Service", families.SERVICE_INCIDENTS)


def window_variable() -> dashboard.CustomVariable:
    return (
        dashboard.CustomVariable("window")
        .label(t("Window"))
        .description(
            t("The 7 or 28 full days before today, in the reporting time zone (today left out).")
        )
        .values("7d,28d")
        .current(dashboard_models.VariableOption(selected=True, text="28d", value="28d"))
        .options(
            [
                dashboard_models.VariableOption(selected=False, text="7d", value="7d"),
                dashboard_models.VariableOption(selected=True, text="28d", value="28d"),
            ]
        )
    )


def with_rows(board: dashboard.Dashboard) -> dashboard.Dashboard:
    return (
        board.with_row(row("Response times"))
        .with_panel(incidents.mtta())
        .with_panel(incidents.mttr())
        .with_row(row("SLA compliance"))
        .with_panel(incidents.compliance_pooled(*incidents.ACK))
        .with_panel(incidents.compliance_by_severity(*incidents.ACK))
        .with_panel(incidents.compliance_pooled(*incidents.RESOLVE))
        .with_panel(incidents.compliance_by_severity(*incidents.RESOLVE))
        .with_panel(incidents.compliance_trend(*incidents.ACK))
        .with_panel(incidents.compliance_trend(*incidents.RESOLVE))
        .with_panel(incidents.pooled_mtta())
        .with_panel(incidents.pooled_mttr())
        .with_row(row("Volume"))
        .with_panel(incidents.incidents_total())
        .with_panel(incidents.merged_total())
        .with_panel(incidents.volume_breakdown())
        .with_panel(incidents.volume_by_severity())
        .with_panel(incidents.volume_by_source())
        .with_row(row("Open and breaching"))
        .with_panel(incidents.open_incidents())
        .with_panel(incidents.open_breaching())
        .with_panel(incidents.open_unacknowledged())
        .with_panel(incidents.open_trend())
        .with_row(row("Root causes"))
        .with_panel(followup.root_cause_share())
        .with_panel(followup.root_cause_trend())
        .with_row(row("Releases"))
        .with_panel(followup.release_caused_ratio())
        .with_panel(followup.change_failure_rate())
        .with_panel(followup.deploys())
        .with_panel(followup.rollbacks())
        .with_panel(followup.release_links())
        .with_panel(followup.release_trend())
        .with_panel(followup.deploy_trend())
        .with_row(row("Runbooks"))
        .with_panel(followup.runbook_coverage())
        .with_panel(followup.incidents_without_runbook())
        .with_panel(followup.runbook_trend())
        .with_row(row("Postmortems and corrective actions"))
        .with_panel(followup.rca_adherence())
        .with_panel(followup.postmortem_on_time())
        .with_panel(followup.overdue_must_fix())
        .with_panel(followup.overdue_other())
        .with_panel(followup.followup_trend())
        .with_panel(followup.overdue_trend())
        .with_row(row("Paging"))
        .with_panel(followup.escalation_rate())
        .with_panel(followup.acked_within_paging_window())
        .with_panel(followup.paging_trend())
        .with_row(row("On-call load"))
        .with_panel(oncall.interruptions_total())
        .with_panel(oncall.sleep_hours_share())
        .with_panel(oncall.people_interrupted())
        .with_panel(oncall.interruptions_by_class())
        .with_panel(oncall.sleep_share_trend())
        .with_panel(oncall.team_interruptions())
        .with_panel(oncall.team_sleep_share())
        .with_row(row("Alert noise"))
        .with_panel(oncall.resolved_unacknowledged())
        .with_panel(oncall.flapping())
        .with_panel(oncall.alerts_per_incident())
        .with_panel(oncall.noise_counts())
        .with_panel(oncall.noise_trend())
        .with_panel(oncall.service_flapping())
        .with_panel(oncall.service_unacknowledged())
        .with_panel(oncall.service_incidents())
    )


def build(app_url: str) -> dashboard_models.Dashboard:
    board = (
        dashboard.Dashboard(TITLE)
        .uid(UID)
        .description(
            t("Incident KPIs from opskpi (docs/kpis.md); generated by grafana/generate.py.")
        )
        .tags(["generated", "opskpi"])
        .editable()
        .time("now-30d", "now")
        .refresh("5m")
        .timezone("browser")
        .tooltip(dashboard_models.DashboardCursorSync.CROSSHAIR)
        .with_variable(datasource_variable())
        .with_variable(severity_variable())
        .with_variable(source_variable())
        .with_variable(window_variable())
        .with_variable(team_variable())
        .with_variable(service_variable())
        .link(streamlit_link(app_url))
        .link(opskpi_dashboards_link())
    )
    return with_panel_ids(with_rows(board).build())
