"""Panels about what follows incidents: causes, releases, runbooks, postmortems, paging.

These families carry no severity label (docs/metrics-exporter.md): only `$window` applies.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, piechart, stat, timeseries
from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.models import common as common_models
from grafana_foundation_sdk.models import piechart as piechart_models

from opskpi.grafana.panels.common import (
    COUNT,
    DATASOURCE,
    GRAPH_HEIGHT,
    WINDOW,
    count_stat,
    default_bargauge,
    default_timeseries,
    instant_query,
    neutral_thresholds,
    nonzero_is_red,
    prom_query,
    ratio_stat,
    ratio_timeseries,
    series,
)
from opskpi.grafana.panels.words import t
from opskpi.metrics.exporter import families
from opskpi.metrics.exporter.families import Family


def _ratio(title: str, family: Family, description: str) -> stat.Panel:
    return ratio_stat(title, description).with_target(instant_query(series(family, WINDOW)))


def _beside_graph(panel: stat.Panel) -> stat.Panel:
    """Two stats next to one graph: as high as the graph."""
    return panel.height(GRAPH_HEIGHT)


def _count(title: str, family: Family, description: str, *matchers: str) -> stat.Panel:
    return count_stat(title, description).with_target(
        instant_query(series(family, *matchers, WINDOW))
    )


def _ratio_trend(title: str, lines: list[tuple[Family, str]]) -> timeseries.Panel:
    panel = ratio_timeseries(title, 'Rolling $window ratios; gaps are "no data", not 0 %.')
    for ref_id, (family, legend) in zip("ABCDEFGH", lines, strict=False):
        panel = panel.with_target(prom_query(series(family, WINDOW), legend, ref_id))
    return panel


# Root causes


def root_cause_share() -> piechart.Panel:
    return (
        piechart.Panel()
        .title(t("Root causes ($window)"))
        .description(t("Incidents per root-cause taxonomy key (postmortem category first)."))
        .datasource(DATASOURCE)
        .unit(COUNT)
        .height(GRAPH_HEIGHT)
        .span(8)
        .thresholds(neutral_thresholds())
        .no_value("no data")
        .pie_type(piechart_models.PieChartType.DONUT)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]))
        .legend(
            piechart.PieChartLegendOptions()
            .show_legend(True)
            .display_mode(common_models.LegendDisplayMode.TABLE)
            .placement(common_models.LegendPlacement.RIGHT)
            .values(
                [
                    piechart_models.PieChartLegendValues.VALUE,
                    piechart_models.PieChartLegendValues.PERCENT,
                ]
            )
        )
        .with_target(instant_query(series(families.ROOT_CAUSE_INCIDENTS, WINDOW), "{{root_cause}}"))
    )


def root_cause_trend() -> timeseries.Panel:
    return (
        default_timeseries("Root causes over time", COUNT)
        .span(16)
        .decimals(0)
        .stacking(common_builders.StackingConfig().mode(common_models.StackingMode.NORMAL))
        .with_target(prom_query(series(families.ROOT_CAUSE_INCIDENTS, WINDOW), "{{root_cause}}"))
    )


# Releases


def release_caused_ratio() -> stat.Panel:
    return _ratio(
        "Release-caused incidents",
        families.RELEASE_CAUSED_RATIO,
        "Release-caused incidents (explicit link or deploy window) / incidents.",
    )


def change_failure_rate() -> stat.Panel:
    return _ratio(
        "Change failure rate",
        families.CHANGE_FAILURE_RATE_RATIO,
        "Deploys with at least one attributed incident / deploys.",
    )


def deploys() -> stat.Panel:
    return _count("Deploys", families.DEPLOYS, "Successful Argo CD syncs in the window.")


def rollbacks() -> stat.Panel:
    return _count("Rollbacks", families.ROLLBACKS, "Deploys back to an earlier revision.")


def release_links() -> bargauge.Panel:
    return (
        default_bargauge(
            "Release-caused incidents by link",
            COUNT,
            "any = explicit or window; explicit = named deploy; window = deploy shortly before.",
        )
        .decimals(0)
        .with_target(instant_query(series(families.RELEASE_CAUSED_INCIDENTS, WINDOW), "{{link}}"))
    )


def release_trend() -> timeseries.Panel:
    return _ratio_trend(
        "Release-caused share and change failure rate",
        [
            (families.RELEASE_CAUSED_RATIO, "release-caused share"),
            (families.CHANGE_FAILURE_RATE_RATIO, "change failure rate"),
        ],
    )


def deploy_trend() -> timeseries.Panel:
    return (
        default_timeseries("Deploys and rollbacks", COUNT)
        .span(24)
        .decimals(0)
        .with_target(prom_query(series(families.DEPLOYS, WINDOW), "deploys", "A"))
        .with_target(prom_query(series(families.ROLLBACKS, WINDOW), "rollbacks", "B"))
    )


# Runbooks


def runbook_coverage() -> stat.Panel:
    return _beside_graph(
        _ratio(
            "Runbook coverage",
            families.RUNBOOK_COVERAGE_RATIO,
            "Incidents with a runbook / incidents.",
        )
    )


def incidents_without_runbook() -> stat.Panel:
    return _beside_graph(
        _count(
            "Incidents without runbook",
            families.INCIDENTS_WITHOUT_RUNBOOK,
            "Incidents with no runbook on the incident, its alerts or the service config.",
        )
    )


def runbook_trend() -> timeseries.Panel:
    return _ratio_trend("Runbook coverage", [(families.RUNBOOK_COVERAGE_RATIO, "coverage")])


# Postmortems and corrective actions


def rca_adherence() -> stat.Panel:
    return _ratio(
        "RCA adherence",
        families.RCA_ADHERENCE_RATIO,
        "Corrective actions completed by their due date / actions due in the window.",
    )


def postmortem_on_time() -> stat.Panel:
    return _ratio(
        "Postmortems on time",
        families.POSTMORTEM_ON_TIME_RATIO,
        "Postmortems published by the deadline (sev1 48 h, sev2 3, sev3 5 business days) / due.",
    )


def _overdue(title: str, must_fix: str, description: str) -> stat.Panel:
    panel = count_stat(title, description).with_target(
        instant_query(series(families.OVERDUE_ACTIONS, f'must_fix="{must_fix}"'))
    )
    return panel.thresholds(nonzero_is_red()) if must_fix == "true" else panel


def overdue_must_fix() -> stat.Panel:
    return _overdue(
        "Overdue must-fix actions",
        "true",
        "Not completed, past due, and blocking releases (now: all open actions).",
    )


def overdue_other() -> stat.Panel:
    return _overdue(
        "Overdue other actions", "false", "Not completed and past due (now: all open actions)."
    )


def followup_trend() -> timeseries.Panel:
    return _ratio_trend(
        "RCA adherence and postmortem timeliness",
        [
            (families.RCA_ADHERENCE_RATIO, "RCA adherence"),
            (families.POSTMORTEM_ON_TIME_RATIO, "postmortems on time"),
        ],
    )


def overdue_trend() -> timeseries.Panel:
    return (
        default_timeseries("Overdue corrective actions", COUNT)
        .decimals(0)
        .with_target(prom_query(series(families.OVERDUE_ACTIONS), "must_fix={{must_fix}}"))
    )


# Paging


def escalation_rate() -> stat.Panel:
    return _beside_graph(
        _ratio(
            "Escalation rate",
            families.ESCALATION_RATE_RATIO,
            "Incidents escalated to a next level before the first ack / incidents.",
        )
    )


def acked_within_paging_window() -> stat.Panel:
    return _beside_graph(
        _ratio(
            "Acked within paging window",
            families.ACKED_WITHIN_PAGING_WINDOW_RATIO,
            "Acknowledged incidents with tta ≤ the paging escalation timeout / acknowledged.",
        )
    )


def paging_trend() -> timeseries.Panel:
    return _ratio_trend(
        "Paging",
        [
            (families.ESCALATION_RATE_RATIO, "escalation rate"),
            (families.ACKED_WITHIN_PAGING_WINDOW_RATIO, "acked within paging window"),
        ],
    )
