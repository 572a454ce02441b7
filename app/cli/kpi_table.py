"""The human-readable rendering of ``opskpi kpis`` (rich tables, durations for people)."""

from __future__ import annotations

from typing import Any

from opskpi.app.i18n.format import duration, percent
from rich.console import Console
from rich.table import Table


def print_report(report: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    console.print(
        f"[bold]opskpi[/] {report['since']} → {report['until']} (exclusive), "
        f"{report['timezone']}, as of {report['as_of']}"
    )
    rows = report["response_times"]
    counts = Table(title="Incidents", title_justify="left")
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
            row["severity"],
            str(row["incidents"]),
            str(row["merged"]),
            str(row["acknowledged"]),
            str(row["unacknowledged"]),
            str(row["resolved"]),
            str(row["open"]),
            _count(row["breaching_open"]),
            _count(row["unacked_over_target"]),
        )
    console.print(counts)
    for key, title, sla in (
        ("tta_seconds", "Time to acknowledge (MTTA)", "ack_sla_compliance"),
        ("ttr_seconds", "Time to resolve (MTTR)", "resolve_sla_compliance"),
    ):
        table = Table(title=title, title_justify="left")
        # p95 and max are in --json/--csv; the terminal keeps what fits in 80 columns
        for column in ("severity", "n", "mean", "median", "p90", "within SLA"):
            table.add_column(
                column, justify="left" if column == "severity" else "right", no_wrap=True
            )
        for row in rows:
            stats = row[key]
            table.add_row(
                row["severity"],
                str(stats.get("n", "")),
                duration(stats["mean"]),
                duration(stats["median"]),
                duration(stats["p90"]),
                # a severity without targets has breaching_open null: say so, not "no data"
                "no target" if row["breaching_open"] is None else percent(row[sla]),
            )
        console.print(table)
    causes = Table(title="Root causes", title_justify="left")
    causes.add_column("root cause")
    causes.add_column("incidents", justify="right")
    causes.add_column("share", justify="right")
    for row in report["root_causes"]:
        causes.add_row(row["root_cause"], str(row["incidents"]), percent(row["share"]))
    console.print(causes)
    r, rb, rca, pg = report["releases"], report["runbooks"], report["rca"], report["paging"]
    summary = Table(
        title="Releases, runbooks, RCA, paging", title_justify="left", show_header=False
    )
    summary.add_column("metric")
    summary.add_column("value", justify="right")
    summary.add_row(
        "release-caused share",
        f"{percent(r['release_caused_share'])} ({r['release_caused']}/{r['incidents']}; "
        f"explicit {r['explicit']}, window {r['window']})",
    )
    summary.add_row(
        "change failure rate",
        f"{percent(r['change_failure_rate'])} ({r['deploys_with_incident']}/{r['deploys']} "
        f"deploys)",
    )
    summary.add_row("rollbacks", str(r["rollbacks"]))
    summary.add_row(
        "runbook coverage", f"{percent(rb['coverage'])} ({rb['with_runbook']}/{rb['incidents']})"
    )
    summary.add_row(
        "RCA adherence",
        f"{percent(rca['rca_adherence'])} ({rca['actions_on_time']}/{rca['actions_due']})",
    )
    summary.add_row(
        "overdue actions (must-fix)", f"{rca['overdue_actions']} ({rca['overdue_must_fix']})"
    )
    summary.add_row(
        "postmortems on time",
        f"{percent(rca['postmortem_on_time_share'])} "
        f"({rca['postmortems_on_time']}/{rca['postmortems_due']})",
    )
    summary.add_row(
        "acked within paging window",
        f"{percent(pg['acked_within_paging_window'])} (of {pg['acknowledged']})",
    )
    summary.add_row("escalation rate", f"{percent(pg['escalation_rate'])} ({pg['escalated']})")
    console.print(summary)


def _count(value: int | None) -> str:
    return "—" if value is None else str(value)
