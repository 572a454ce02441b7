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


@dataclass(frozen=True)
class Family:
    name: str
    kind: Literal["gauge", "counter"]
    help: str
    labels: tuple[str, ...] = ()


INCIDENTS = Family(
    "opskpi_incidents",
    "gauge",
    "Incidents created in the window (merged excluded).",
    ("severity", "source", "window"),
)
INCIDENTS_MERGED = Family(
    "opskpi_incidents_merged",
    "gauge",
    "Merged duplicate incidents created in the window, counted apart.",
    ("severity", "window"),
)
TIME_TO_ACKNOWLEDGE_SECONDS = Family(
    "opskpi_time_to_acknowledge_seconds",
    "gauge",
    "Time to acknowledge statistics of the window's incidents (valid durations only).",
    ("severity", "window", "statistic"),
)
TIME_TO_RESOLVE_SECONDS = Family(
    "opskpi_time_to_resolve_seconds",
    "gauge",
    "Time to resolve statistics of the window's incidents (valid durations only).",
    ("severity", "window", "statistic"),
)
ACK_SLA_COMPLIANCE_RATIO = Family(
    "opskpi_ack_sla_compliance_ratio",
    "gauge",
    "Incidents acknowledged within the SLA target / incidents with a valid ack time.",
    ("severity", "window"),
)
RESOLVE_SLA_COMPLIANCE_RATIO = Family(
    "opskpi_resolve_sla_compliance_ratio",
    "gauge",
    "Incidents resolved within the SLA target / resolved incidents.",
    ("severity", "window"),
)
ACK_SLA_TARGET_SECONDS = Family(
    "opskpi_ack_sla_target_seconds",
    "gauge",
    "Acknowledgement SLA target of the policy.",
    ("severity",),
)
RESOLVE_SLA_TARGET_SECONDS = Family(
    "opskpi_resolve_sla_target_seconds",
    "gauge",
    "Resolution SLA target of the policy.",
    ("severity",),
)
OPEN_INCIDENTS = Family(
    "opskpi_open_incidents", "gauge", "Open incidents now (any creation date).", ("severity",)
)
OPEN_BREACHING_INCIDENTS = Family(
    "opskpi_open_breaching_incidents",
    "gauge",
    "Open incidents older than the resolve target.",
    ("severity",),
)
OPEN_UNACKNOWLEDGED_OVER_TARGET_INCIDENTS = Family(
    "opskpi_open_unacknowledged_over_target_incidents",
    "gauge",
    "Open, never acknowledged incidents older than the ack target.",
    ("severity",),
)
ROOT_CAUSE_INCIDENTS = Family(
    "opskpi_root_cause_incidents",
    "gauge",
    "Incidents per root-cause taxonomy key.",
    ("root_cause", "window"),
)
RELEASE_CAUSED_INCIDENTS = Family(
    "opskpi_release_caused_incidents",
    "gauge",
    "Release-caused incidents by link kind (any, explicit, window).",
    ("link", "window"),
)
RELEASE_CAUSED_RATIO = Family(
    "opskpi_release_caused_ratio", "gauge", "Release-caused incidents / incidents.", ("window",)
)
DEPLOYS = Family(
    "opskpi_deploys", "gauge", "Argo CD deploys (successful syncs) in the window.", ("window",)
)
CHANGE_FAILURE_RATE_RATIO = Family(
    "opskpi_change_failure_rate_ratio",
    "gauge",
    "Deploys with at least one attributed incident / deploys.",
    ("window",),
)
ROLLBACKS = Family("opskpi_rollbacks", "gauge", "Rollbacks in the window.", ("window",))
RUNBOOK_COVERAGE_RATIO = Family(
    "opskpi_runbook_coverage_ratio",
    "gauge",
    "Incidents with a runbook / incidents.",
    ("window",),
)
INCIDENTS_WITHOUT_RUNBOOK = Family(
    "opskpi_incidents_without_runbook", "gauge", "Incidents without a runbook.", ("window",)
)
RCA_ADHERENCE_RATIO = Family(
    "opskpi_rca_adherence_ratio",
    "gauge",
    "Corrective actions completed on time / actions due (by due date in the window).",
    ("window",),
)
OVERDUE_ACTIONS = Family(
    "opskpi_overdue_actions",
    "gauge",
    "Corrective actions not completed and past due, now.",
    ("must_fix",),
)
POSTMORTEM_ON_TIME_RATIO = Family(
    "opskpi_postmortem_on_time_ratio",
    "gauge",
    "Postmortems published by the deadline / postmortems due.",
    ("window",),
)
ESCALATION_RATE_RATIO = Family(
    "opskpi_escalation_rate_ratio",
    "gauge",
    "Incidents escalated before the first ack / incidents.",
    ("window",),
)
ACKED_WITHIN_PAGING_WINDOW_RATIO = Family(
    "opskpi_acked_within_paging_window_ratio",
    "gauge",
    "Acknowledged incidents with tta within the paging timeout / acknowledged.",
    ("window",),
)
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
)
SYNC_ERRORS_TOTAL = Family(
    "opskpi_sync_errors_total",
    "counter",
    "Failed sync runs since the warehouse was created.",
    ("source",),
)
SNAPSHOT_TIMESTAMP_SECONDS = Family(
    "opskpi_snapshot_timestamp_seconds",
    "gauge",
    "When the KPI snapshot being served was built.",
)
SNAPSHOT_LOAD_ERRORS_TOTAL = Family(
    "opskpi_snapshot_load_errors_total", "counter", "Failed attempts to read the KPI snapshot."
)

# The contract's order (docs/metrics-exporter.md): exposition, describe() and the docs follow it.
CATALOGUE: tuple[Family, ...] = (
    INCIDENTS,
    INCIDENTS_MERGED,
    TIME_TO_ACKNOWLEDGE_SECONDS,
    TIME_TO_RESOLVE_SECONDS,
    ACK_SLA_COMPLIANCE_RATIO,
    RESOLVE_SLA_COMPLIANCE_RATIO,
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
