"""Panels about incidents themselves: response times, SLA compliance, volume, open incidents.

Metric families and labels: docs/metrics-exporter.md. Definitions: docs/kpis.md.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, stat, timeseries
from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.models import common as common_models
from grafana_foundation_sdk.models import dashboard as dashboard_models

from opskpi.grafana.panels.common import (
    COUNT,
    GRAPH_HEIGHT,
    SECONDS,
    SEVERITY,
    SLA_COMPLIANCE_TARGET,
    SOURCE,
    WINDOW,
    count_stat,
    default_bargauge,
    default_stat,
    default_timeseries,
    instant_query,
    nonzero_is_red,
    prom_query,
    ratio_stat,
    series,
    sla_thresholds,
    sla_timeseries,
)
from opskpi.grafana.panels.words import t
from opskpi.metrics.exporter import families
from opskpi.metrics.exporter.families import Family

TARGET_SERIES = "SLA target"
STATISTICS = 'statistic=~"mean|median|p90"'


def _target_line() -> list[dashboard_models.DynamicConfigValue]:
    """How the SLA target series is drawn: a red dashed line, no fill."""
    return [
        dashboard_models.DynamicConfigValue(
            id_val="color", value={"mode": "fixed", "fixedColor": "red"}
        ),
        dashboard_models.DynamicConfigValue(
            id_val="custom.lineStyle", value={"fill": "dash", "dash": [10, 10]}
        ),
        dashboard_models.DynamicConfigValue(id_val="custom.fillOpacity", value=0),
    ]


def response_time(kind: str, duration_family: Family, target_family: Family) -> timeseries.Panel:
    """Mean, median and p90 of one duration for one severity, against its SLA target.

    The panel repeats once per selected severity (inside a repeat `$severity` is a single
    value); sev4 and `unknown` have no target series, so no target line.
    """
    return (
        default_timeseries(
            f"{kind} — $severity",
            SECONDS,
            f"{kind} statistics over the rolling $window window (mean, median, p90), "
            "with the policy target as a red dashed line.",
        )
        .repeat("severity")
        .repeat_direction("v")
        .with_target(
            prom_query(series(duration_family, SEVERITY, WINDOW, STATISTICS), "{{statistic}}", "A")
        )
        .with_target(prom_query(series(target_family, SEVERITY), TARGET_SERIES, "B"))
        .override_by_name(t(TARGET_SERIES), _target_line())
    )


def mtta() -> timeseries.Panel:
    return response_time(
        "MTTA", families.TIME_TO_ACKNOWLEDGE_SECONDS, families.ACK_SLA_TARGET_SECONDS
    )


def mttr() -> timeseries.Panel:
    return response_time(
        "MTTR", families.TIME_TO_RESOLVE_SECONDS, families.RESOLVE_SLA_TARGET_SECONDS
    )


def _compliance_stat(title: str, expr: str, legend: str, width: int) -> stat.Panel:
    return (
        ratio_stat(
            title,
            f"Share of incidents within the SLA target over $window. Red below "
            f'{SLA_COMPLIANCE_TARGET:.0%}. "no data" means no incident to measure, not 0 %.',
        )
        .span(width)
        .thresholds(sla_thresholds())
        .color_mode(common_models.BigValueColorMode.BACKGROUND)
        .with_target(instant_query(expr, legend))
    )


def compliance_pooled(kind: str, family: Family) -> stat.Panel:
    """Every severity with a target pooled: its own family (never a sum of the per-severity
    ratios, and no severity label to select)."""
    pooled = POOLED_COMPLIANCE[family.name]
    return _compliance_stat(
        f"{kind} SLA compliance (all severities)", series(pooled, WINDOW), "all", 4
    )


def compliance_by_severity(kind: str, family: Family) -> stat.Panel:
    return _compliance_stat(
        f"{kind} SLA compliance by severity",
        series(family, SEVERITY, WINDOW),
        "{{severity}}",
        8,
    )


def compliance_trend(kind: str, family: Family) -> timeseries.Panel:
    return sla_timeseries(
        f"{kind} SLA compliance",
        f"Rolling $window compliance per severity; the dashed line is the "
        f"{SLA_COMPLIANCE_TARGET:.0%} target.",
    ).with_target(prom_query(series(family, SEVERITY, WINDOW), "{{severity}}"))


ACK = ("Ack", families.ACK_SLA_COMPLIANCE_RATIO)
RESOLVE = ("Resolve", families.RESOLVE_SLA_COMPLIANCE_RATIO)
POOLED_COMPLIANCE = {
    families.ACK_SLA_COMPLIANCE_RATIO.name: families.POOLED_ACK_SLA_COMPLIANCE_RATIO,
    families.RESOLVE_SLA_COMPLIANCE_RATIO.name: families.POOLED_RESOLVE_SLA_COMPLIANCE_RATIO,
}


def _pooled_times(kind: str, family: Family) -> stat.Panel:
    return (
        default_stat(
            f"{kind}, all severities",
            SECONDS,
            "Mean, median and p90 over every incident of the rolling $window window, "
            "severities pooled (not filtered by severity or source).",
        )
        .span(12)
        .with_target(instant_query(series(family, WINDOW, STATISTICS), "{{statistic}}"))
    )


def pooled_mtta() -> stat.Panel:
    return _pooled_times("MTTA", families.POOLED_TIME_TO_ACKNOWLEDGE_SECONDS)


def pooled_mttr() -> stat.Panel:
    return _pooled_times("MTTR", families.POOLED_TIME_TO_RESOLVE_SECONDS)


def incidents_total() -> stat.Panel:
    return (
        count_stat("Incidents", "Incidents created in the window (merged duplicates excluded).")
        .span(4)
        .height(GRAPH_HEIGHT)
        .with_target(instant_query(f"sum({series(families.INCIDENTS, SEVERITY, SOURCE, WINDOW)})"))
    )


def merged_total() -> stat.Panel:
    return (
        count_stat(
            "Merged duplicates", "Incidents resolved by merging into another: counted apart."
        )
        .span(4)
        .height(GRAPH_HEIGHT)
        .with_target(instant_query(f"sum({series(families.INCIDENTS_MERGED, SEVERITY, WINDOW)})"))
    )


def volume_breakdown() -> bargauge.Panel:
    return (
        default_bargauge("Incidents by severity and source", COUNT)
        .span(16)
        .decimals(0)
        .with_target(
            instant_query(
                "sum by (severity, source) "
                f"({series(families.INCIDENTS, SEVERITY, SOURCE, WINDOW)})",
                "{{severity}} · {{source}}",
            )
        )
    )


def _volume_trend(by: str) -> timeseries.Panel:
    return (
        default_timeseries(
            f"Incidents by {by}", COUNT, f"Incidents in the rolling $window window, by {by}."
        )
        .decimals(0)
        .stacking(common_builders.StackingConfig().mode(common_models.StackingMode.NORMAL))
        .with_target(
            prom_query(
                f"sum by ({by}) ({series(families.INCIDENTS, SEVERITY, SOURCE, WINDOW)})",
                f"{{{{{by}}}}}",
            )
        )
    )


def volume_by_severity() -> timeseries.Panel:
    return _volume_trend("severity")


def volume_by_source() -> timeseries.Panel:
    return _volume_trend("source")


def _open_stat(title: str, family: Family, description: str, alarming: bool) -> stat.Panel:
    panel = (
        count_stat(title, description)
        .span(8)
        .with_target(instant_query(series(family, SEVERITY), "{{severity}}"))
    )
    return panel.thresholds(nonzero_is_red()) if alarming else panel


def open_incidents() -> stat.Panel:
    return _open_stat(
        "Open incidents", families.OPEN_INCIDENTS, "Open now, whatever their creation date.", False
    )


def open_breaching() -> stat.Panel:
    return _open_stat(
        "Open past resolve target",
        families.OPEN_BREACHING_INCIDENTS,
        "Open incidents older than their severity's resolve target (now: all open incidents).",
        True,
    )


def open_unacknowledged() -> stat.Panel:
    return _open_stat(
        "Open, unacknowledged past ack target",
        families.OPEN_UNACKNOWLEDGED_OVER_TARGET_INCIDENTS,
        "Open incidents never acknowledged and older than the ack target "
        "(now: all open incidents).",
        True,
    )


def open_trend() -> timeseries.Panel:
    return (
        default_timeseries("Open and breaching incidents", COUNT)
        .span(24)
        .decimals(0)
        .with_target(prom_query(f"sum({series(families.OPEN_INCIDENTS, SEVERITY)})", "open", "A"))
        .with_target(
            prom_query(
                f"sum({series(families.OPEN_BREACHING_INCIDENTS, SEVERITY)})",
                "past resolve target",
                "B",
            )
        )
        .with_target(
            prom_query(
                f"sum({series(families.OPEN_UNACKNOWLEDGED_OVER_TARGET_INCIDENTS, SEVERITY)})",
                "unacknowledged past ack target",
                "C",
            )
        )
    )
