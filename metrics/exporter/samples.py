"""Map the KPI rows of a snapshot (``SnapshotKpis``) onto the contract's families and labels.

Conventions of docs/metrics-exporter.md applied here:
- counts are always exposed, zeros included, on a fixed grid of label values (series do not
  come and go with the data);
- a ratio with an empty denominator, and a statistic with no duration, has no sample;
- no family holds a pooled value next to its parts: per-severity counts have no ``all`` series
  (PromQL sums them), pooled statistics and compliances have families of their own;
- label values are only the contract's: incident ids, titles, URLs and people never reach a
  label; ``team`` and ``service`` take only the names the config lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opskpi.config.vocabulary import INCIDENT_SOURCES, SEVERITIES, SYNC_SOURCES
from opskpi.metrics.exporter.breakdowns import ConfiguredNames
from opskpi.metrics.exporter.families import INTERRUPTION_CLASSES, LINKS, STATISTICS, Samples
from opskpi.metrics.exporter.snapshot_kpis import Row, SnapshotKpis, WindowKpis
from opskpi.metrics.report import Noise, Oncall, ResponseTimesRow


def _by_severity(rows: Iterable[ResponseTimesRow]) -> dict[str, ResponseTimesRow]:
    return {row.severity: row for row in rows}


def _known(names: Iterable[str | None], allowed: tuple[str, ...]) -> list[str]:
    """The names that are label values of the contract, in the contract's order."""
    present = set(names)
    return [name for name in allowed if name in present]


def _targets(kpis: SnapshotKpis, column: str) -> dict[str, float]:
    return {row["severity"]: row[column] for row in kpis.policy if row[column] is not None}


def add_response_times(samples: Samples, win: WindowKpis, sources: list[str]) -> None:
    w = win.window
    for severity in SEVERITIES:
        for source in sources:
            samples.add(
                "opskpi_incidents",
                win.incidents_by_source.get((source, severity), 0),
                severity=severity,
                source=source,
                window=w,
            )
    rows = _by_severity(win.report.response_times)
    for severity in SEVERITIES:
        row = rows.get(severity)
        samples.add(
            "opskpi_incidents_merged", row.merged if row else 0, severity=severity, window=w
        )
        if row is None:
            continue
        tta, ttr = row.tta_seconds.statistics(), row.ttr_seconds.statistics()
        for statistic in STATISTICS:
            samples.add(
                "opskpi_time_to_acknowledge_seconds",
                tta[statistic],
                severity=severity,
                window=w,
                statistic=statistic,
            )
            samples.add(
                "opskpi_time_to_resolve_seconds",
                ttr[statistic],
                severity=severity,
                window=w,
                statistic=statistic,
            )
        samples.add(
            "opskpi_ack_sla_compliance_ratio", row.ack_sla_compliance, severity=severity, window=w
        )
        samples.add(
            "opskpi_resolve_sla_compliance_ratio",
            row.resolve_sla_compliance,
            severity=severity,
            window=w,
        )
    add_pooled(samples, win)


def add_pooled(samples: Samples, win: WindowKpis) -> None:
    """Every severity pooled: statistics and compliances that no sum of the parts gives."""
    w, pooled = win.window, win.report.pooled
    tta, ttr = pooled.tta_seconds.statistics(), pooled.ttr_seconds.statistics()
    for statistic in STATISTICS:
        samples.add(
            "opskpi_pooled_time_to_acknowledge_seconds",
            tta[statistic],
            window=w,
            statistic=statistic,
        )
        samples.add(
            "opskpi_pooled_time_to_resolve_seconds", ttr[statistic], window=w, statistic=statistic
        )
    samples.add("opskpi_pooled_ack_sla_compliance_ratio", pooled.ack_sla_compliance, window=w)
    samples.add(
        "opskpi_pooled_resolve_sla_compliance_ratio", pooled.resolve_sla_compliance, window=w
    )


def add_open_now(samples: Samples, kpis: SnapshotKpis) -> None:
    """Open incidents of any creation date; breaching/unacked only where a target exists."""
    rows = _by_severity(kpis.open_now)
    ack, resolve = _targets(kpis, "ack_target_seconds"), _targets(kpis, "resolve_target_seconds")
    for severity in SEVERITIES:
        row = rows.get(severity)
        samples.add("opskpi_open_incidents", row.open if row else 0, severity=severity)
        if severity in resolve:
            samples.add(
                "opskpi_open_breaching_incidents",
                (row.breaching_open if row else None) or 0,
                severity=severity,
            )
        if severity in ack:
            samples.add(
                "opskpi_open_unacknowledged_over_target_incidents",
                (row.unacked_over_target if row else None) or 0,
                severity=severity,
            )
    for targeted, seconds in ack.items():
        samples.add("opskpi_ack_sla_target_seconds", seconds, severity=targeted)
    for targeted, seconds in resolve.items():
        samples.add("opskpi_resolve_sla_target_seconds", seconds, severity=targeted)


def add_window_groups(samples: Samples, win: WindowKpis) -> None:
    """Root causes, releases, runbooks, RCA and paging of one window."""
    w, report = win.window, win.report
    for cause in report.root_causes:
        samples.add(
            "opskpi_root_cause_incidents", cause.incidents, root_cause=cause.root_cause, window=w
        )
    releases = report.releases
    by_link = {
        "any": releases.release_caused,
        "explicit": releases.explicit,
        "window": releases.window,
    }
    for link in LINKS:
        samples.add("opskpi_release_caused_incidents", by_link[link], link=link, window=w)
    samples.add("opskpi_release_caused_ratio", releases.release_caused_share, window=w)
    samples.add("opskpi_deploys", releases.deploys, window=w)
    samples.add("opskpi_change_failure_rate_ratio", releases.change_failure_rate, window=w)
    samples.add("opskpi_rollbacks", releases.rollbacks, window=w)
    samples.add("opskpi_runbook_coverage_ratio", report.runbooks.coverage, window=w)
    samples.add("opskpi_incidents_without_runbook", report.runbooks.without_runbook, window=w)
    samples.add("opskpi_rca_adherence_ratio", report.rca.rca_adherence, window=w)
    samples.add("opskpi_postmortem_on_time_ratio", report.rca.postmortem_on_time_share, window=w)
    samples.add("opskpi_escalation_rate_ratio", report.paging.escalation_rate, window=w)
    samples.add(
        "opskpi_acked_within_paging_window_ratio",
        report.paging.acked_within_paging_window,
        window=w,
    )


def _by_class(oncall: Oncall | None) -> dict[str, int]:
    if oncall is None:
        return dict.fromkeys(INTERRUPTION_CLASSES, 0)
    return {name: getattr(oncall, name) for name in INTERRUPTION_CLASSES}


def add_oncall_and_noise(samples: Samples, win: WindowKpis, names: ConfiguredNames) -> None:
    """On-call load (docs/kpis.md §10) and alert noise (§11) of one window: the whole
    organisation, each configured team's interruptions and each configured service's noise."""
    w, oncall, noise = win.window, win.report.oncall, win.report.noise
    for name, count in _by_class(oncall).items():
        samples.add("opskpi_interruptions", count, window=w, **{"class": name})
    samples.add("opskpi_sleep_interruptions_ratio", oncall.sleep_hours_share, window=w)
    samples.add("opskpi_people_interrupted", oncall.people, window=w)
    for team in names.teams:
        team_oncall = win.breakdowns.oncall_by_team.get(team)
        for name, count in _by_class(team_oncall).items():
            samples.add("opskpi_team_interruptions", count, team=team, window=w, **{"class": name})
        samples.add(
            "opskpi_team_sleep_interruptions_ratio",
            team_oncall.sleep_hours_share if team_oncall else None,
            team=team,
            window=w,
        )
    samples.add("opskpi_resolved_unacknowledged_incidents", noise.resolved_unacknowledged, window=w)
    samples.add(
        "opskpi_resolved_unacknowledged_ratio", noise.resolved_unacknowledged_share, window=w
    )
    samples.add("opskpi_flapping_incidents", noise.flapping, window=w)
    samples.add("opskpi_flapping_ratio", noise.flapping_share, window=w)
    samples.add("opskpi_alerts_per_incident", noise.alerts_per_incident, window=w)
    for service in names.services:
        service_noise: Noise | None = win.breakdowns.noise_by_service.get(service)
        samples.add(
            "opskpi_service_incidents",
            service_noise.incidents if service_noise else 0,
            service=service,
            window=w,
        )
        if service_noise is None:
            continue
        samples.add(
            "opskpi_service_flapping_ratio",
            service_noise.flapping_share,
            service=service,
            window=w,
        )
        samples.add(
            "opskpi_service_resolved_unacknowledged_ratio",
            service_noise.resolved_unacknowledged_share,
            service=service,
            window=w,
        )


def add_sync(samples: Samples, kpis: SnapshotKpis, sources: list[str]) -> None:
    """Every listed source has a last success (0: never) and an error counter (from 0)."""
    rows: dict[str, Row] = {row["source"]: row for row in kpis.sync}
    for source in sources:
        row: dict[str, Any] = rows.get(source, {})
        success = row.get("last_success_at")
        samples.add(
            "opskpi_sync_last_success_timestamp_seconds",
            success.timestamp() if success else 0,
            source=source,
        )
        samples.add(
            "opskpi_sync_last_run_duration_seconds", row.get("last_duration_seconds"), source=source
        )
        samples.add("opskpi_sync_last_run_records", row.get("last_records"), source=source)
        samples.add("opskpi_sync_errors_total", row.get("failed_runs") or 0, source=source)


def to_samples(kpis: SnapshotKpis, configured_sources: Iterable[str]) -> Samples:
    """The samples of every snapshot family (all but the exporter's own load error counter).

    Sources get series when configured or when the snapshot has data from them, so a source
    that never synced still shows ``opskpi_sync_errors_total 0`` and a last success of 0.
    """
    configured = set(configured_sources)
    seen = {row["source"] for row in kpis.sync}
    for win in kpis.windows:
        seen.update(source for source, _ in win.incidents_by_source)
    samples = Samples()
    incident_sources = _known(configured | seen, INCIDENT_SOURCES)
    for win in kpis.windows:
        add_response_times(samples, win, incident_sources)
        add_window_groups(samples, win)
        add_oncall_and_noise(samples, win, kpis.names)
    add_open_now(samples, kpis)
    samples.add("opskpi_sleep_interruptions_threshold", kpis.sleep_hours_share_threshold)
    overdue = kpis.overdue
    samples.add("opskpi_overdue_actions", overdue.overdue_must_fix, must_fix="true")
    samples.add(
        "opskpi_overdue_actions",
        overdue.overdue_actions - overdue.overdue_must_fix,
        must_fix="false",
    )
    add_sync(samples, kpis, _known(configured | seen, SYNC_SOURCES))
    if kpis.built_at is not None:
        samples.add("opskpi_snapshot_timestamp_seconds", kpis.built_at.timestamp())
    return samples
