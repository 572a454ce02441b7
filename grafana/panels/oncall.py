"""Panels about on-call load (docs/kpis.md §10) and alert noise (§11).

The organisation's figures carry only `$window`; the per-team panels follow the `$team`
variable and the per-service ones `$service` (names the config lists; never a person).
Only additive counts are summed (docs/metrics-exporter.md).
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, stat, timeseries
from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.models import common as common_models
from grafana_foundation_sdk.models import dashboard as dashboard_models

from opskpi.grafana.panels.common import (
    COUNT,
    GRAPH_HEIGHT,
    RATIO,
    SERVICE,
    TEAM,
    WINDOW,
    count_stat,
    default_bargauge,
    default_stat,
    default_timeseries,
    instant_query,
    prom_query,
    ratio_stat,
    ratio_timeseries,
    series,
)
from opskpi.grafana.panels.words import t
from opskpi.metrics.exporter import families

THRESHOLD_SERIES = "alert threshold"


def _threshold_line() -> list[dashboard_models.DynamicConfigValue]:
    """The configured sleep-hour share threshold: a red dashed line, no fill."""
    return [
        dashboard_models.DynamicConfigValue(
            id_val="color", value={"mode": "fixed", "fixedColor": "red"}
        ),
        dashboard_models.DynamicConfigValue(
            id_val="custom.lineStyle", value={"fill": "dash", "dash": [10, 10]}
        ),
        dashboard_models.DynamicConfigValue(id_val="custom.fillOpacity", value=0),
    ]


# On-call load


def interruptions_total() -> stat.Panel:
    return (
        count_stat(
            "Interruptions",
            "A person's first notification for an incident, in the rolling $window window "
            "(all classes).",
        )
        .span(4)
        .height(GRAPH_HEIGHT)
        .with_target(instant_query(f"sum({series(families.INTERRUPTIONS, WINDOW)})"))
    )


def sleep_hours_share() -> stat.Panel:
    return (
        ratio_stat(
            "Sleep-hour interruptions",
            "Sleep-hour interruptions / interruptions over $window (22:00-08:00 local by "
            'default). "no data": nobody was interrupted.',
        )
        .span(4)
        .height(GRAPH_HEIGHT)
        .with_target(
            instant_query(series(families.SLEEP_INTERRUPTIONS_RATIO, WINDOW), "sleep hours")
        )
    )


def people_interrupted() -> stat.Panel:
    return (
        count_stat(
            "People interrupted",
            "Distinct people notified in the rolling $window window. Per person: the opskpi "
            "app (Carga de plantão).",
        )
        .span(4)
        .height(GRAPH_HEIGHT)
        .with_target(instant_query(series(families.PEOPLE_INTERRUPTED, WINDOW)))
    )


def interruptions_by_class() -> timeseries.Panel:
    return (
        default_timeseries(
            "Interruptions by local time",
            COUNT,
            "Rolling $window interruptions: business hours (business days), off hours, sleep "
            "hours, in the reporting time zone.",
        )
        .span(12)
        .decimals(0)
        .stacking(common_builders.StackingConfig().mode(common_models.StackingMode.NORMAL))
        .with_target(prom_query(series(families.INTERRUPTIONS, WINDOW), "{{class}}"))
    )


def sleep_share_trend() -> timeseries.Panel:
    """The share against the configured threshold (what the OpskpiSleepHoursShareHigh alert
    compares), drawn as a red dashed line."""
    return (
        ratio_timeseries(
            "Sleep-hour share and the alert threshold",
            "Rolling $window sleep-hour share, whole organisation and per team; the dashed "
            "line is [oncall] sleep_hours_share_threshold.",
        )
        .span(12)
        .with_target(
            prom_query(series(families.SLEEP_INTERRUPTIONS_RATIO, WINDOW), "organisation", "A")
        )
        .with_target(
            prom_query(
                series(families.TEAM_SLEEP_INTERRUPTIONS_RATIO, TEAM, WINDOW),
                "{{team}}",
                "B",
            )
        )
        .with_target(
            prom_query(series(families.SLEEP_INTERRUPTIONS_THRESHOLD), THRESHOLD_SERIES, "C")
        )
        .override_by_name(t(THRESHOLD_SERIES), _threshold_line())
    )


def team_interruptions() -> bargauge.Panel:
    return (
        default_bargauge(
            "Interruptions by team and class",
            COUNT,
            "Teams named in the config ($team), rolling $window.",
        )
        .decimals(0)
        .with_target(
            instant_query(series(families.TEAM_INTERRUPTIONS, TEAM, WINDOW), "{{team}} · {{class}}")
        )
    )


def team_sleep_share() -> bargauge.Panel:
    return (
        default_bargauge(
            "Sleep-hour share by team",
            RATIO,
            'Teams named in the config ($team), rolling $window. "no data": no interruption.',
        )
        .min(0)
        .max(1)
        .decimals(1)
        .with_target(
            instant_query(series(families.TEAM_SLEEP_INTERRUPTIONS_RATIO, TEAM, WINDOW), "{{team}}")
        )
    )


# Alert noise


def resolved_unacknowledged() -> stat.Panel:
    return (
        ratio_stat(
            "Resolved, never acknowledged",
            "Resolved incidents of the rolling $window window without any ack / resolved.",
        )
        .span(6)
        .with_target(instant_query(series(families.RESOLVED_UNACKNOWLEDGED_RATIO, WINDOW)))
    )


def flapping() -> stat.Panel:
    return (
        ratio_stat(
            "Flapping",
            "Incidents resolved within the flap window of their creation, never acknowledged "
            "/ incidents ($window).",
        )
        .span(6)
        .with_target(instant_query(series(families.FLAPPING_RATIO, WINDOW)))
    )


def alerts_per_incident() -> stat.Panel:
    return (
        default_stat(
            "Alerts per incident",
            COUNT,
            "Mean alerts grouped into an incident ($window), over incidents whose source "
            "counts them.",
        )
        .span(6)
        .decimals(1)
        .with_target(instant_query(series(families.ALERTS_PER_INCIDENT, WINDOW)))
    )


def noise_counts() -> stat.Panel:
    return (
        count_stat("Noisy incidents", "Counts behind the two shares ($window).")
        .span(6)
        .with_target(
            instant_query(
                series(families.RESOLVED_UNACKNOWLEDGED_INCIDENTS, WINDOW),
                "resolved, never acknowledged",
                "A",
            )
        )
        .with_target(instant_query(series(families.FLAPPING_INCIDENTS, WINDOW), "flapping", "B"))
    )


def noise_trend() -> timeseries.Panel:
    return (
        ratio_timeseries("Alert noise", 'Rolling $window shares; gaps are "no data", not 0 %.')
        .span(24)
        .with_target(
            prom_query(
                series(families.RESOLVED_UNACKNOWLEDGED_RATIO, WINDOW),
                "resolved, never acknowledged",
                "A",
            )
        )
        .with_target(prom_query(series(families.FLAPPING_RATIO, WINDOW), "flapping", "B"))
    )


def service_flapping() -> bargauge.Panel:
    return (
        default_bargauge(
            "Flapping by service",
            RATIO,
            "Services listed in the config ($service), rolling $window: the noisiest first.",
        )
        .span(8)
        .min(0)
        .max(1)
        .decimals(1)
        .with_target(
            instant_query(
                f"sort_desc({series(families.SERVICE_FLAPPING_RATIO, SERVICE, WINDOW)})",
                "{{service}}",
            )
        )
    )


def service_unacknowledged() -> bargauge.Panel:
    return (
        default_bargauge(
            "Resolved, never acknowledged by service",
            RATIO,
            "Services listed in the config ($service), rolling $window.",
        )
        .span(8)
        .min(0)
        .max(1)
        .decimals(1)
        .with_target(
            instant_query(
                "sort_desc("
                f"{series(families.SERVICE_RESOLVED_UNACKNOWLEDGED_RATIO, SERVICE, WINDOW)})",
                "{{service}}",
            )
        )
    )


def service_incidents() -> bargauge.Panel:
    return (
        default_bargauge(
            "Incidents by service",
            COUNT,
            "Services listed in the config ($service), rolling $window, merged excluded.",
        )
        .span(8)
        .decimals(0)
        .with_target(
            instant_query(
                f"sort_desc({series(families.SERVICE_INCIDENTS, SERVICE, WINDOW)})",
                "{{service}}",
            )
        )
    )
