"""The human-readable rendering of ``opskpi kpis`` (rich tables, durations for people), in the
words of ``app/i18n`` and with the taxonomy's labels, not its keys."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from opskpi.app.i18n.format import percent
from opskpi.app.i18n.translator import Translator
from opskpi.metrics.report import KpiReport, ResponseTimesRow, Stats


def print_report(
    report: KpiReport,
    console: Console | None = None,
    tr: Translator | None = None,
    labels: Mapping[str, str] | None = None,
) -> None:
    """``labels``: the configured taxonomy labels (``metrics.lists.taxonomy_labels``)."""
    console = console or Console()
    tr = tr or Translator("en")
    labels = labels or {}
    console.print(
        "[bold]opskpi[/] "
        + tr(
            "cli_header",
            since=tr.day(report.since),
            until=tr.day(report.until),
            as_of=tr.instant(report.as_of, report.timezone),
        )
    )
    rows = report.response_times
    counts = Table(title=tr("cli.incidents_title"), title_justify="left")
    for column in (
        "sev",
        "count",
        "merged",
        "acked",
        "unacked",
        "resolved",
        "open",
        "breach",
        "unack_over",
    ):
        counts.add_column(tr(f"cli.{column}"), justify="left" if column == "sev" else "right")
    for row in rows:
        counts.add_row(
            tr.severity(row.severity),
            tr.num(row.incidents),
            tr.num(row.merged),
            tr.num(row.acknowledged),
            tr.num(row.unacknowledged),
            tr.num(row.resolved),
            tr.num(row.open),
            _count(row.breaching_open, tr),
            _count(row.unacked_over_target, tr),
        )
    console.print(counts)
    for title, stats_of, sla_of in _DURATIONS:
        table = Table(title=tr(title), title_justify="left")
        # p95 and max are in --json/--csv; the terminal keeps what fits in 80 columns
        for column in ("severity", "n", "mean", "median", "p90", "within_sla"):
            table.add_column(
                tr(f"cli.{column}"),
                justify="left" if column == "severity" else "right",
                no_wrap=True,
            )
        for row in rows:
            stats = stats_of(row)
            table.add_row(
                tr.severity(row.severity),
                tr.num(stats.n),
                tr.dur(stats.mean),
                tr.dur(stats.median),
                tr.dur(stats.p90),
                # a severity without targets has breaching_open null: say so, not "no data"
                tr("cli.no_target") if row.breaching_open is None else tr.pct(sla_of(row)),
            )
        console.print(table)
    causes = Table(title=tr("sec_causes"), title_justify="left")
    causes.add_column(tr("cli.root_cause"))
    causes.add_column(tr("cli.count"), justify="right")
    causes.add_column(tr("cli.share"), justify="right")
    for cause in report.root_causes:
        causes.add_row(
            escape(tr.cause(cause.root_cause, labels.get(cause.root_cause))),
            tr.num(cause.incidents),
            tr.pct(cause.share),
        )
    console.print(causes)
    releases, runbooks, rca, paging = report.releases, report.runbooks, report.rca, report.paging
    summary = Table(title=tr("cli.summary"), title_justify="left", show_header=False)
    summary.add_column("metric")
    summary.add_column("value", justify="right")
    summary.add_row(
        tr("kpi.release_caused"),
        f"{tr.pct(releases.release_caused_share)} "
        + tr(
            "release_n",
            part=releases.release_caused,
            whole=releases.incidents,
            explicit=releases.explicit,
            window=releases.window,
        ),
    )
    summary.add_row(
        tr("kpi.change_failure_rate"),
        f"{tr.pct(releases.change_failure_rate)} "
        + tr("deploys_n", part=releases.deploys_with_incident, whole=releases.deploys),
    )
    summary.add_row(tr("kpi.rollbacks"), tr.num(releases.rollbacks))
    summary.add_row(
        tr("kpi.runbook_coverage"),
        f"{tr.pct(runbooks.coverage)} ({tr.ratio(runbooks.with_runbook, runbooks.incidents)})",
    )
    summary.add_row(
        tr("kpi.rca_adherence"),
        f"{tr.pct(rca.rca_adherence)} ({tr.ratio(rca.actions_on_time, rca.actions_due)})",
    )
    summary.add_row(
        tr("cli.overdue"), f"{tr.num(rca.overdue_actions)} ({tr.num(rca.overdue_must_fix)})"
    )
    summary.add_row(
        tr("kpi.postmortems_on_time"),
        f"{tr.pct(rca.postmortem_on_time_share)} "
        f"({tr.ratio(rca.postmortems_on_time, rca.postmortems_due)})",
    )
    summary.add_row(
        tr("kpi.paging_window"),
        f"{tr.pct(paging.acked_within_paging_window)} "
        + tr("cli.of", n=tr.num(paging.acknowledged)),
    )
    summary.add_row(
        tr("kpi.escalation_rate"), f"{tr.pct(paging.escalation_rate)} ({tr.num(paging.escalated)})"
    )
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
    ("cli.tta_title", lambda row: row.tta_seconds, lambda row: row.ack_sla_compliance),
    ("cli.ttr_title", lambda row: row.ttr_seconds, lambda row: row.resolve_sla_compliance),
)


def _count(value: int | None, tr: Translator) -> str:
    return "—" if value is None else tr.num(value)
