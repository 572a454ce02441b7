"""The exporter's metric families, as docs/metrics-exporter.md (the contract) lists them.

``CATALOGUE`` is the contract in code: name, type, help and label names of every family, in the
contract's order. ``Samples`` collects values by family and turns them into fresh
``*MetricFamily`` objects; a family without samples is still emitted (HELP/TYPE only).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

# Label values of severity, source and root_cause are the vocabulary's (opskpi.config.vocabulary);
# these are the exporter's own.
WINDOWS = {"7d": 7, "28d": 28}
STATISTICS = ("mean", "median", "p90", "p95", "max")
LINKS = ("any", "explicit", "window")
INTERRUPTION_CLASSES = ("business_hours", "off_hours", "sleep_hours")


@dataclass(frozen=True)
class Family:
    """One metric family of the contract.

    ``additive``: its series split a count into parts that never overlap, so PromQL may
    ``sum()`` them over any label but ``window`` (7d lies inside 28d). Ratios, statistics and
    pooled figures are not additive: a dashboard or rule must never sum them
    (tests/test_pooled_series.py checks every generated expression and rule).
    """

    name: str
    kind: Literal["gauge", "counter"]
    help: str
    labels: tuple[str, ...] = ()
    additive: bool = False


# -- incidents of the window (by creation in the reporting time zone) ------------------------------

INCIDENTS = Family(
    "opskpi_incidents",
    "gauge",
    "Incidents created in the rolling window (merged excluded), per severity and source; "
    "sum them for all severities.",
    ("severity", "source", "window"),
    additive=True,
)
INCIDENTS_MERGED = Family(
    "opskpi_incidents_merged",
    "gauge",
    "Merged duplicate incidents created in the rolling window, counted apart, per severity.",
    ("severity", "window"),
    additive=True,
)
TIME_TO_ACKNOWLEDGE_SECONDS = Family(
    "opskpi_time_to_acknowledge_seconds",
    "gauge",
    "Time to acknowledge statistics of the window's incidents of one severity (valid "
    "durations only).",
    ("severity", "window", "statistic"),
)
TIME_TO_RESOLVE_SECONDS = Family(
    "opskpi_time_to_resolve_seconds",
    "gauge",
    "Time to resolve statistics of the window's incidents of one severity (valid durations only).",
    ("severity", "window", "statistic"),
)
POOLED_TIME_TO_ACKNOWLEDGE_SECONDS = Family(
    "opskpi_pooled_time_to_acknowledge_seconds",
    "gauge",
    "Time to acknowledge statistics of all the window's incidents, every severity pooled.",
    ("window", "statistic"),
)
POOLED_TIME_TO_RESOLVE_SECONDS = Family(
    "opskpi_pooled_time_to_resolve_seconds",
    "gauge",
    "Time to resolve statistics of all the window's incidents, every severity pooled.",
    ("window", "statistic"),
)
ACK_SLA_COMPLIANCE_RATIO = Family(
    "opskpi_ack_sla_compliance_ratio",
    "gauge",
    "The window's incidents of one severity acknowledged within its SLA target / those with a "
    "valid ack time.",
    ("severity", "window"),
)
RESOLVE_SLA_COMPLIANCE_RATIO = Family(
    "opskpi_resolve_sla_compliance_ratio",
    "gauge",
    "The window's resolved incidents of one severity resolved within its SLA target / those "
    "resolved.",
    ("severity", "window"),
)
POOLED_ACK_SLA_COMPLIANCE_RATIO = Family(
    "opskpi_pooled_ack_sla_compliance_ratio",
    "gauge",
    "The window's incidents acknowledged within their severity's SLA target / those with a "
    "valid ack time, every severity with a target pooled.",
    ("window",),
)
POOLED_RESOLVE_SLA_COMPLIANCE_RATIO = Family(
    "opskpi_pooled_resolve_sla_compliance_ratio",
    "gauge",
    "The window's resolved incidents resolved within their severity's SLA target / those "
    "resolved, every severity with a target pooled.",
    ("window",),
)
ACK_SLA_TARGET_SECONDS = Family(
    "opskpi_ack_sla_target_seconds",
    "gauge",
    "Acknowledgement SLA target of the policy (config; no window).",
    ("severity",),
)
RESOLVE_SLA_TARGET_SECONDS = Family(
    "opskpi_resolve_sla_target_seconds",
    "gauge",
    "Resolution SLA target of the policy (config; no window).",
    ("severity",),
)

# -- everything open now (any creation date) -------------------------------------------------------

OPEN_INCIDENTS = Family(
    "opskpi_open_incidents",
    "gauge",
    "Open incidents now (all open incidents, whatever their creation date), per severity.",
    ("severity",),
    additive=True,
)
OPEN_BREACHING_INCIDENTS = Family(
    "opskpi_open_breaching_incidents",
    "gauge",
    "Open incidents older than their severity's resolve target now (all open incidents, "
    "whatever their creation date).",
    ("severity",),
    additive=True,
)
OPEN_UNACKNOWLEDGED_OVER_TARGET_INCIDENTS = Family(
    "opskpi_open_unacknowledged_over_target_incidents",
    "gauge",
    "Open, never acknowledged incidents older than their severity's ack target now (all open "
    "incidents, whatever their creation date).",
    ("severity",),
    additive=True,
)

# -- what follows incidents, per window ------------------------------------------------------------

ROOT_CAUSE_INCIDENTS = Family(
    "opskpi_root_cause_incidents",
    "gauge",
    "Incidents created in the rolling window per root-cause taxonomy key.",
    ("root_cause", "window"),
    additive=True,
)
RELEASE_CAUSED_INCIDENTS = Family(
    "opskpi_release_caused_incidents",
    "gauge",
    "Release-caused incidents created in the rolling window by link kind (any = explicit or "
    "window; an incident may be both: never sum over link).",
    ("link", "window"),
)
RELEASE_CAUSED_RATIO = Family(
    "opskpi_release_caused_ratio",
    "gauge",
    "Release-caused incidents / incidents created in the rolling window.",
    ("window",),
)
DEPLOYS = Family(
    "opskpi_deploys",
    "gauge",
    "Argo CD deploys (successful syncs) finished in the rolling window.",
    ("window",),
    additive=True,
)
CHANGE_FAILURE_RATE_RATIO = Family(
    "opskpi_change_failure_rate_ratio",
    "gauge",
    "Deploys of the rolling window with at least one attributed incident / deploys.",
    ("window",),
)
ROLLBACKS = Family(
    "opskpi_rollbacks",
    "gauge",
    "Rollbacks (deploys back to an earlier revision) in the rolling window.",
    ("window",),
    additive=True,
)
RUNBOOK_COVERAGE_RATIO = Family(
    "opskpi_runbook_coverage_ratio",
    "gauge",
    "Incidents created in the rolling window with a runbook / incidents.",
    ("window",),
)
INCIDENTS_WITHOUT_RUNBOOK = Family(
    "opskpi_incidents_without_runbook",
    "gauge",
    "Incidents created in the rolling window without a runbook.",
    ("window",),
    additive=True,
)
RCA_ADHERENCE_RATIO = Family(
    "opskpi_rca_adherence_ratio",
    "gauge",
    "Corrective actions completed on time / actions due (by due date in the rolling window).",
    ("window",),
)
OVERDUE_ACTIONS = Family(
    "opskpi_overdue_actions",
    "gauge",
    "Corrective actions not completed and past due now (all open actions, whatever their due "
    "date).",
    ("must_fix",),
    additive=True,
)
POSTMORTEM_ON_TIME_RATIO = Family(
    "opskpi_postmortem_on_time_ratio",
    "gauge",
    "Postmortems published by the deadline / postmortems due, for incidents created in the "
    "rolling window.",
    ("window",),
)
ESCALATION_RATE_RATIO = Family(
    "opskpi_escalation_rate_ratio",
    "gauge",
    "Incidents created in the rolling window escalated before the first ack / incidents.",
    ("window",),
)
ACKED_WITHIN_PAGING_WINDOW_RATIO = Family(
    "opskpi_acked_within_paging_window_ratio",
    "gauge",
    "The rolling window's acknowledged incidents with tta within the paging timeout / "
    "acknowledged.",
    ("window",),
)

# -- on-call load (docs/kpis.md §10): never a person label -----------------------------------------

INTERRUPTIONS = Family(
    "opskpi_interruptions",
    "gauge",
    "Interruptions (a person's first notification for an incident) in the rolling window, by "
    "the notification's local time class.",
    ("class", "window"),
    additive=True,
)
SLEEP_INTERRUPTIONS_RATIO = Family(
    "opskpi_sleep_interruptions_ratio",
    "gauge",
    "Sleep-hour interruptions / interruptions in the rolling window.",
    ("window",),
)
PEOPLE_INTERRUPTED = Family(
    "opskpi_people_interrupted",
    "gauge",
    "Distinct people interrupted in the rolling window (never summed: one may page for several "
    "teams).",
    ("window",),
)
TEAM_INTERRUPTIONS = Family(
    "opskpi_team_interruptions",
    "gauge",
    "Interruptions in the rolling window for incidents of a team named in the config, by the "
    "notification's local time class.",
    ("team", "class", "window"),
    additive=True,
)
TEAM_SLEEP_INTERRUPTIONS_RATIO = Family(
    "opskpi_team_sleep_interruptions_ratio",
    "gauge",
    "Sleep-hour interruptions / interruptions in the rolling window, for incidents of a team "
    "named in the config.",
    ("team", "window"),
)
SLEEP_INTERRUPTIONS_THRESHOLD = Family(
    "opskpi_sleep_interruptions_threshold",
    "gauge",
    "Sleep-hour share of interruptions (a fraction) above which the alert fires (config "
    "[oncall] sleep_hours_share_threshold; no window).",
)

# -- alert noise (docs/kpis.md §11) ----------------------------------------------------------------

RESOLVED_UNACKNOWLEDGED_INCIDENTS = Family(
    "opskpi_resolved_unacknowledged_incidents",
    "gauge",
    "Incidents created in the rolling window, resolved and never acknowledged.",
    ("window",),
    additive=True,
)
RESOLVED_UNACKNOWLEDGED_RATIO = Family(
    "opskpi_resolved_unacknowledged_ratio",
    "gauge",
    "Resolved, never acknowledged incidents / resolved incidents, created in the rolling window.",
    ("window",),
)
FLAPPING_INCIDENTS = Family(
    "opskpi_flapping_incidents",
    "gauge",
    "Incidents created in the rolling window, resolved within the flap window and never "
    "acknowledged.",
    ("window",),
    additive=True,
)
FLAPPING_RATIO = Family(
    "opskpi_flapping_ratio",
    "gauge",
    "Flapping incidents / incidents created in the rolling window.",
    ("window",),
)
ALERTS_PER_INCIDENT = Family(
    "opskpi_alerts_per_incident",
    "gauge",
    "Mean alerts grouped into an incident created in the rolling window (incidents whose "
    "source counts them).",
    ("window",),
)
SERVICE_INCIDENTS = Family(
    "opskpi_service_incidents",
    "gauge",
    "Incidents created in the rolling window (merged excluded) of a service named in the config.",
    ("service", "window"),
    additive=True,
)
SERVICE_FLAPPING_RATIO = Family(
    "opskpi_service_flapping_ratio",
    "gauge",
    "Flapping incidents / incidents created in the rolling window, of a service named in the "
    "config.",
    ("service", "window"),
)
SERVICE_RESOLVED_UNACKNOWLEDGED_RATIO = Family(
    "opskpi_service_resolved_unacknowledged_ratio",
    "gauge",
    "Resolved, never acknowledged incidents / resolved incidents created in the rolling "
    "window, of a service named in the config.",
    ("service", "window"),
)

# -- the sync and the snapshot --------------------------------------------------------------------

SYNC_LAST_SUCCESS_TIMESTAMP_SECONDS = Family(
    "opskpi_sync_last_success_timestamp_seconds",
    "gauge",
    "End of the last successful sync of the source (0: never).",
    ("source",),
)
SYNC_LAST_RUN_DURATION_SECONDS = Family(
    "opskpi_sync_last_run_duration_seconds",
    "gauge",
    "Duration of the last sync run of the source.",
    ("source",),
)
SYNC_LAST_RUN_RECORDS = Family(
    "opskpi_sync_last_run_records",
    "gauge",
    "Records landed by the last sync run of the source.",
    ("source",),
    additive=True,
)
SYNC_ERRORS_TOTAL = Family(
    "opskpi_sync_errors_total",
    "counter",
    "Failed sync runs of the source since the warehouse was created.",
    ("source",),
    additive=True,
)
SNAPSHOT_TIMESTAMP_SECONDS = Family(
    "opskpi_snapshot_timestamp_seconds",
    "gauge",
    "When the KPI snapshot being served was built.",
)
SNAPSHOT_LOAD_ERRORS_TOTAL = Family(
    "opskpi_snapshot_load_errors_total",
    "counter",
    "Failed attempts to read the KPI snapshot since the exporter started.",
)

# The contract's order (docs/metrics-exporter.md): exposition, describe() and the docs follow it.
CATALOGUE: tuple[Family, ...] = (
    INCIDENTS,
    INCIDENTS_MERGED,
    TIME_TO_ACKNOWLEDGE_SECONDS,
    TIME_TO_RESOLVE_SECONDS,
    POOLED_TIME_TO_ACKNOWLEDGE_SECONDS,
    POOLED_TIME_TO_RESOLVE_SECONDS,
    ACK_SLA_COMPLIANCE_RATIO,
    RESOLVE_SLA_COMPLIANCE_RATIO,
    POOLED_ACK_SLA_COMPLIANCE_RATIO,
    POOLED_RESOLVE_SLA_COMPLIANCE_RATIO,
    ACK_SLA_TARGET_SECONDS,
    RESOLVE_SLA_TARGET_SECONDS,
    OPEN_INCIDENTS,
    OPEN_BREACHING_INCIDENTS,
    OPEN_UNACKNOWLEDGED_OVER_TARGET_INCIDENTS,
    ROOT_CAUSE_INCIDENTS,
    RELEASE_CAUSED_INCIDENTS,
    RELEASE_CAUSED_RATIO,
    DEPLOYS,
    CHANGE_FAILURE_RATE_RATIO,
    ROLLBACKS,
    RUNBOOK_COVERAGE_RATIO,
    INCIDENTS_WITHOUT_RUNBOOK,
    RCA_ADHERENCE_RATIO,
    OVERDUE_ACTIONS,
    POSTMORTEM_ON_TIME_RATIO,
    ESCALATION_RATE_RATIO,
    ACKED_WITHIN_PAGING_WINDOW_RATIO,
    INTERRUPTIONS,
    SLEEP_INTERRUPTIONS_RATIO,
    PEOPLE_INTERRUPTED,
    TEAM_INTERRUPTIONS,
    TEAM_SLEEP_INTERRUPTIONS_RATIO,
    SLEEP_INTERRUPTIONS_THRESHOLD,
    RESOLVED_UNACKNOWLEDGED_INCIDENTS,
    RESOLVED_UNACKNOWLEDGED_RATIO,
    FLAPPING_INCIDENTS,
    FLAPPING_RATIO,
    ALERTS_PER_INCIDENT,
    SERVICE_INCIDENTS,
    SERVICE_FLAPPING_RATIO,
    SERVICE_RESOLVED_UNACKNOWLEDGED_RATIO,
    SYNC_LAST_SUCCESS_TIMESTAMP_SECONDS,
    SYNC_LAST_RUN_DURATION_SECONDS,
    SYNC_LAST_RUN_RECORDS,
    SYNC_ERRORS_TOTAL,
    SNAPSHOT_TIMESTAMP_SECONDS,
    SNAPSHOT_LOAD_ERRORS_TOTAL,
)

BY_NAME = {family.name: family for family in CATALOGUE}
# Served by the collector itself (a process counter), not read from the snapshot.
LOAD_ERRORS = SNAPSHOT_LOAD_ERRORS_TOTAL


def empty_family(family: Family) -> CounterMetricFamily | GaugeMetricFamily:
    """A family without samples (what ``describe()`` returns)."""
    if family.kind == "counter":
        return CounterMetricFamily(family.name, family.help, labels=family.labels)
    return GaugeMetricFamily(family.name, family.help, labels=family.labels)


class Samples:
    """Values by family; ``None`` values are dropped (no sample: "no data", never 0 or NaN)."""

    def __init__(self) -> None:
        self._values: dict[str, list[tuple[tuple[str, ...], float]]] = {
            family.name: [] for family in CATALOGUE
        }

    def add(self, name: str, value: float | None, **labels: str) -> None:
        family = BY_NAME[name]
        if set(labels) != set(family.labels):
            raise ValueError(f"{name} takes labels {family.labels}, got {sorted(labels)}")
        if value is None:
            return
        self._values[name].append((tuple(labels[n] for n in family.labels), float(value)))

    def families(self) -> Iterator[Metric]:
        """Fresh ``*MetricFamily`` objects in catalogue order, all but ``LOAD_ERRORS`` (the
        collector's own counter)."""
        for family in CATALOGUE:
            if family is LOAD_ERRORS:
                continue
            metric = empty_family(family)
            for label_values, value in self._values[family.name]:
                metric.add_metric(list(label_values), value)
            yield metric


def load_errors_family(count: int) -> Metric:
    metric = empty_family(LOAD_ERRORS)
    metric.add_metric([], float(count))
    return metric
