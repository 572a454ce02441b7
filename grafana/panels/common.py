"""Shared defaults for every opskpi panel: the selector, the datasource, queries, thresholds.

Every PromQL expression in the generated dashboards goes through `series()` so that all of
them carry the one `SELECTOR`; change it here (and in `grafana/prometheus/rules.yml`) if
your Prometheus scrapes opskpi under another job name, then run `python -m opskpi.grafana.generate`.
"""

from __future__ import annotations

import re

from grafana_foundation_sdk.builders import bargauge, dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.models import common as common_models
from grafana_foundation_sdk.models import dashboard as dashboard_models
from grafana_foundation_sdk.models import units

from opskpi.grafana.panels.words import t
from opskpi.metrics.exporter.families import Family

# The one label selector every query starts with (the scrape job of prometheus.example.yml).
SELECTOR = 'job="opskpi"'

# Fixed uid of the datasource in grafana/provisioning/datasources/opskpi.yml.
DATASOURCE_UID = "opskpi-prometheus"
DATASOURCE_NAME = "opskpi Prometheus"
# Panels query whatever the `datasource` template variable points at (default: the above).
DATASOURCE = dashboard_models.DataSourceRef(type_val="prometheus", uid="${datasource}")

# SLA compliance below this ratio is red (same threshold as the alerts in rules.yml).
SLA_COMPLIANCE_TARGET = 0.95
# A source whose last successful sync is older than this is stale (same as rules.yml).
STALE_SYNC_HOURS = 6

# Matchers for the template variables.
SEVERITY = 'severity=~"$severity"'
SOURCE = 'source=~"$source"'
WINDOW = 'window="$window"'
TEAM = 'team=~"$team"'
SERVICE = 'service=~"$service"'

# Units, from the SDK's constants.
SECONDS = units.Seconds
RATIO = units.PercentUnit
COUNT = units.Short

STAT_HEIGHT = 5
GRAPH_HEIGHT = 8


def series(family: Family, *matchers: str) -> str:
    """`name{job="opskpi",<matchers>}`: a vector selector that always carries SELECTOR.

    The family comes from the exporter's own catalogue, so a renamed family or a matcher on a
    label it does not carry fails the generation instead of leaving a panel that queries nothing.
    """
    for matcher in matchers:
        label = re.split(r"[=!~]", matcher, maxsplit=1)[0].strip()
        if label not in family.labels:
            raise ValueError(
                f"{family.name} has no label {label!r} (its labels: {', '.join(family.labels)})"
            )
    return f"{family.name}{{{','.join((SELECTOR, *matchers))}}}"


def prom_query(expr: str, legend: str = "", ref_id: str = "A") -> prometheus.Dataquery:
    """A range query (for time series panels)."""
    query = prometheus.Dataquery().expr(expr).ref_id(ref_id).range()
    return query.legend_format(t(legend)) if legend else query


def instant_query(expr: str, legend: str = "", ref_id: str = "A") -> prometheus.Dataquery:
    """An instant query: the value now, or "no data" when the exporter exposes no sample.

    Stats use instant queries on purpose: a range query reduced with "last not null" would
    keep showing a ratio that has since disappeared (empty denominator) as if it were current.
    """
    query = prometheus.Dataquery().expr(expr).ref_id(ref_id).instant()
    return query.legend_format(t(legend)) if legend else query


def steps(*pairs: tuple[float | None, str]) -> dashboard.ThresholdsConfig:
    """Absolute thresholds from (value, colour) pairs; the first value must be None (base)."""
    return (
        dashboard.ThresholdsConfig()
        .mode(dashboard_models.ThresholdsMode.ABSOLUTE)
        .steps([dashboard_models.Threshold(value=value, color=color) for value, color in pairs])
    )


def neutral_thresholds() -> dashboard.ThresholdsConfig:
    """No judgement: the policy sets no target for this figure."""
    return steps((None, "blue"))


def sla_thresholds() -> dashboard.ThresholdsConfig:
    """Red below SLA_COMPLIANCE_TARGET, green at or above it."""
    return steps((None, "red"), (SLA_COMPLIANCE_TARGET, "green"))


def nonzero_is_red() -> dashboard.ThresholdsConfig:
    """Green at 0, red from 1 (breaching incidents, overdue must-fix actions, errors)."""
    return steps((None, "green"), (1, "red"))


def age_thresholds() -> dashboard.ThresholdsConfig:
    """Green while younger than STALE_SYNC_HOURS, red after."""
    return steps((None, "green"), (STALE_SYNC_HOURS * 3600, "red"))


def legend() -> common_builders.VizLegendOptions:
    return (
        common_builders.VizLegendOptions()
        .show_legend(True)
        .display_mode(common_models.LegendDisplayMode.LIST)
        .placement(common_models.LegendPlacement.BOTTOM)
    )


def default_timeseries(title: str, unit: str, description: str = "") -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .title(t(title))
        .datasource(DATASOURCE)
        .unit(unit)
        .height(GRAPH_HEIGHT)
        .span(12)
        .thresholds(neutral_thresholds())
        .legend(legend())
        .line_width(1)
        .fill_opacity(10)
        .span_nulls(False)
    )
    return panel.description(t(description)) if description else panel


def ratio_timeseries(title: str, description: str = "") -> timeseries.Panel:
    return default_timeseries(title, RATIO, description).min(0).max(1).decimals(1)


def sla_timeseries(title: str, description: str = "") -> timeseries.Panel:
    """A compliance ratio over time, with the target drawn as a dashed line and a red area."""
    return (
        ratio_timeseries(title, description)
        .thresholds(sla_thresholds())
        .thresholds_style(
            common_builders.GraphThresholdsStyleConfig().mode(
                common_models.GraphTresholdsStyleMode.DASHED_AND_AREA
            )
        )
    )


def default_stat(title: str, unit: str, description: str = "") -> stat.Panel:
    panel = (
        stat.Panel()
        .title(t(title))
        .datasource(DATASOURCE)
        .unit(unit)
        .height(STAT_HEIGHT)
        .span(6)
        .thresholds(neutral_thresholds())
        .no_value("no data")
        .graph_mode(common_models.BigValueGraphMode.NONE)
        .color_mode(common_models.BigValueColorMode.VALUE)
        .text_mode(common_models.BigValueTextMode.AUTO)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]))
    )
    return panel.description(t(description)) if description else panel


def ratio_stat(title: str, description: str = "") -> stat.Panel:
    return default_stat(title, RATIO, description).min(0).max(1).decimals(1)


def count_stat(title: str, description: str = "") -> stat.Panel:
    return default_stat(title, COUNT, description).decimals(0)


def default_bargauge(title: str, unit: str, description: str = "") -> bargauge.Panel:
    panel = (
        bargauge.Panel()
        .title(t(title))
        .datasource(DATASOURCE)
        .unit(unit)
        .height(GRAPH_HEIGHT)
        .span(12)
        .thresholds(neutral_thresholds())
        .no_value("no data")
        .display_mode(common_models.BarGaugeDisplayMode.BASIC)
        .orientation(common_models.VizOrientation.HORIZONTAL)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]))
    )
    return panel.description(t(description)) if description else panel


def row(title: str) -> dashboard.Row:
    return dashboard.Row(t(title))


def streamlit_link(app_url: str) -> dashboard.DashboardLink:
    """The opskpi app, where the config says it is (``app_url`` of ``grafana/generate.py``)."""
    return (
        dashboard.DashboardLink(t("opskpi app (Streamlit)"))
        .type(dashboard_models.DashboardLinkType.LINK)
        .url(app_url)
        .icon("external link")
        .tooltip(t("Incident lists, on-call load, data health and the weekly review"))
        .target_blank(True)
    )


def opskpi_dashboards_link() -> dashboard.DashboardLink:
    return (
        dashboard.DashboardLink(t("opskpi dashboards"))
        .type(dashboard_models.DashboardLinkType.DASHBOARDS)
        .tags(["opskpi"])
        .as_dropdown(True)
        .keep_time(True)
    )


def datasource_variable() -> dashboard.DatasourceVariable:
    return (
        dashboard.DatasourceVariable("datasource")
        .label(t("Data source"))
        .type("prometheus")
        .current(
            dashboard_models.VariableOption(
                selected=True, text=DATASOURCE_NAME, value=DATASOURCE_UID
            )
        )
    )


def with_panel_ids(built: dashboard_models.Dashboard) -> dashboard_models.Dashboard:
    """Number panels (rows included) 1, 2, 3... in order: stable ids for links and repeats."""
    next_id = 1
    for panel in built.panels or []:
        panel.id_val = next_id
        next_id += 1
        for nested in getattr(panel, "panels", None) or []:
            nested.id_val = next_id
            next_id += 1
    return built
