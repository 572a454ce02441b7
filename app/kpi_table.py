"""The human-readable rendering of ``opskpi kpis`` (rich tables, durations for people)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from app.format import duration, percent


def print_report(report: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    console.print(
        f"[bold]opskpi[/] {report['since']} → {report['until']} (exclusive), "
        f"{report['timezone']}, as of {report['as_of']}"
    )
    table = Table(title="Response times", title_justify="left")
    for column in (
        "severity",
        "incidents",
        "merged",
        "MTTA",
        "median",
        "p90",
        "ack SLA",
        "MTTR",
        "median",
        "p90",
        "resolve SLA",
        "open",
        "breaching",
    ):
        table.add_column(column, justify="left" if column == "severity" else "right")
    for row in report["response_times"]:
        tta, ttr = row["tta_seconds"], row["ttr_seconds"]
        table.add_row(
            row["severity"],
            str(row["incidents"]),
            str(row["merged"]),
            duration(tta["mean"]),
            duration(tta["median"]),
            duration(tta["p90"]),
            percent(row["ack_sla_compliance"]),
            duration(ttr["mean"]),
            duration(ttr["median"]),
            duration(ttr["p90"]),
            percent(row["resolve_sla_compliance"]),
            str(row["open"]),
            "—" if row["breaching_open"] is None else str(row["breaching_open"]),
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
