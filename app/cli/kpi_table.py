"""The human-readable rendering of ``opskpi kpis`` (rich tables, durations for people)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from opskpi.app.i18n.format import duration, percent
from opskpi.metrics.report import KpiReport, ResponseTimesRow, Stats


def print_report(report: KpiReport, console: Console | None = None) -> None:
    console = console or Console()
    console.print(
        f"[bold]opskpi[/] {report.since.isoformat()} → {report.until.isoformat()} (exclusive), "
        f"{report.timezone}, as of {report.as_of.isoformat()}"
    )
    rows = report.response_times
    counts = Table(
        title="Incidents of the period (breach, unack>SLA: the period's incidents still open "
        "at as-of, past their target)",
        title_justify="left",
    )
    for column in (
        "sev",
        "count",
        "merged",
        "acked",
        "unacked",
        "resolved",
        "open",
        "breach",
        "unack>SLA",
    ):
        counts.add_column(column, justify="left" if column == "sev" else "right")
    for row in rows:
        counts.add_row(
            row.severity,
            str(row.incidents),
            str(row.merged),
            str(row.acknowledged),
            str(row.unacknowledged),
            str(row.resolved),
            str(row.open),
            _count(row.breaching_open),
            _count(row.unacked_over_target),
        )
    console.print(counts)
    for title, stats_of, sla_of in _DURATIONS:
        table = Table(title=title, title_justify="left")
        # p95 and max are in --json/--csv; the terminal keeps what fits in 80 columns
        for column in ("severity", "n", "mean", "median", "p90", "within SLA"):
            table.add_column(
                column, justify="left" if column == "severity" else "right", no_wrap=True
            )
        for row in rows:
            stats = stats_of(row)
            table.add_row(
                row.severity,
                str(stats.n),
                duration(stats.mean),
                duration(stats.median),
                duration(stats.p90),
                # a severity without targets has breaching_open null: say so, not "no data"
                "no target" if row.breaching_open is None else percent(sla_of(row)),
            )
        console.print(table)
    causes = Table(title="Root causes", title_justify="left")
    causes.add_column("root cause")
    causes.add_column("incidents", justify="right")
    causes.add_column("share", justify="right")
    for cause in report.root_causes:
        causes.add_row(cause.root_cause, str(cause.incidents), percent(cause.share))
    console.print(causes)
    releases, runbooks, rca, paging = report.releases, report.runbooks, report.rca, report.paging
    summary = Table(
        title="Releases, runbooks, RCA, paging", title_justify="left", show_header=False
    )
    summary.add_column("metric")
    summary.add_column("value", justify="right")
    summary.add_row(
        "release-caused share",
        f"{percent(releases.release_caused_share)} "
        f"({releases.release_caused}/{releases.incidents}; "
        f"explicit {releases.explicit}, window {releases.window})",
    )
    summary.add_row(
        "change failure rate",
        f"{percent(releases.change_failure_rate)} "
        f"({releases.deploys_with_incident}/{releases.deploys} deploys)",
    )
    summary.add_row("rollbacks", str(releases.rollbacks))
    summary.add_row(
        "runbook coverage",
        f"{percent(runbooks.coverage)} ({runbooks.with_runbook}/{runbooks.incidents})",
    )
    summary.add_row(
        "RCA adherence",
        f"{percent(rca.rca_adherence)} ({rca.actions_on_time}/{rca.actions_due})",
    )
    summary.add_row(
        "overdue actions due in the period (must-fix)",
        f"{rca.overdue_actions} ({rca.overdue_must_fix})",
    )
    summary.add_row(
        "postmortems on time",
        f"{percent(rca.postmortem_on_time_share)} "
        f"({rca.postmortems_on_time}/{rca.postmortems_due})",
    )
    summary.add_row(
        "acked within paging window",
        f"{percent(paging.acked_within_paging_window)} (of {paging.acknowledged})",
    )
    summary.add_row("escalation rate", f"{percent(paging.escalation_rate)} ({paging.escalated})")
    console.print(summary)
    print_oncall_and_noise(report, console)
    if report.sources:
        console.print(sources_table(report))


def print_oncall_and_noise(report: KpiReport, console: Console) -> None:
    """Interruptions by class (docs/kpis.md §10) and alert noise (§11)."""
    oncall, noise = report.oncall, report.noise
    table = Table(title="On-call load and alert noise", title_justify="left", show_header=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row(
        "interruptions",
        f"{oncall.interruptions} (business {oncall.business_hours}, off {oncall.off_hours}, "
        f"sleep {oncall.sleep_hours})",
    )
    table.add_row("sleep-hour share", percent(oncall.sleep_hours_share))
    table.add_row(
        "people interrupted", f"{oncall.people} (at most {oncall.max_per_person} for one)"
    )
    table.add_row(
        "resolved, never acknowledged",
        f"{percent(noise.resolved_unacknowledged_share)} "
        f"({noise.resolved_unacknowledged}/{noise.resolved})",
    )
    table.add_row(
        "flapping", f"{percent(noise.flapping_share)} ({noise.flapping}/{noise.incidents})"
    )
    table.add_row(
        "alerts per incident",
        "no data" if noise.alerts_per_incident is None else f"{noise.alerts_per_incident:.2f}",
    )
    console.print(table)


def sources_table(report: KpiReport) -> Table:
    """Each configured source: its status, whether the data is stale, last success/failure."""
    table = Table(title="Sources", title_justify="left")
    for column in ("source", "status", "stale", "last success", "last failure"):
        table.add_column(column)
    for source in report.sources:
        table.add_row(
            escape(source.source),
            source.status if source.status == "ok" else f"[bold red]{source.status}[/]",
            "[bold red]stale[/]" if source.stale else "fresh",
            _moment(source.last_success_at),
            _moment(source.last_failure_at),
        )
    return table


def _moment(value: datetime | None) -> str:
    return "—" if value is None else value.isoformat(timespec="seconds")


_DURATIONS: tuple[
    tuple[str, Callable[[ResponseTimesRow], Stats], Callable[[ResponseTimesRow], float | None]],
    ...,
] = (
    ("Time to acknowledge (MTTA)", lambda row: row.tta_seconds, lambda row: row.ack_sla_compliance),
    (
        "Time to resolve (MTTR)",
        lambda row: row.ttr_seconds,
        lambda row: row.resolve_sla_compliance,
    ),
)


def _count(value: int | None) -> str:
    return "—" if value is None else str(value)
