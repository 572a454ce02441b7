"""The Polars baseline: the ``opskpi kpis --json`` report computed with Polars, loading only the
columns the report reads (``pandas_baseline.NEEDED``, every row) from the snapshot through Arrow
(``.pl()``), then expressions and group-bys, as a capable analyst would write it in a notebook.

Same definitions as ``sql/kpis/*.sql`` (docs/kpis.md §3–8, 10, 11) for the default report (the
whole period as one bucket, no filters); ``load`` and ``compute`` are timed apart. Polars is a
benchmark-only dependency (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from benchmarks.pandas_baseline import NEEDED, needed_query
from opskpi.config.vocabulary import POOLED, severity_rank
from opskpi.metrics.period import Period

QUANTILES = (("median", 0.5), ("p90", 0.9), ("p95", 0.95))


@dataclass
class Frames:
    incidents: pl.DataFrame
    deploys: pl.DataFrame
    actions: pl.DataFrame
    taxonomy: pl.DataFrame
    settings: pl.DataFrame
    interruptions: pl.DataFrame
    noise: pl.DataFrame


def load(con: duckdb.DuckDBPyConnection) -> Frames:
    """The needed columns of every mart the report reads, every row."""
    return Frames(**{name: con.sql(needed_query(name)).pl() for name in NEEDED})


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _stats_exprs(column: str, counts: pl.Expr) -> list[pl.Expr]:
    values = pl.col(column).filter(counts)
    return [
        values.mean().alias(f"{column}_mean"),
        *(
            values.quantile(q, interpolation="linear").alias(f"{column}_{name}")
            for name, q in QUANTILES
        ),
        values.max().alias(f"{column}_max"),
        values.count().alias(f"{column}_n"),
    ]


def _response_exprs(age: pl.Expr) -> list[pl.Expr]:
    counts = ~pl.col("is_merged")
    acked, is_open = pl.col("is_acknowledged"), pl.col("is_open")
    tta, ttr = pl.col("tta_seconds"), pl.col("ttr_seconds")
    ack_t, res_t = pl.col("ack_target_seconds"), pl.col("resolve_target_seconds")
    has_ack = counts & tta.is_not_null() & ack_t.is_not_null()
    has_res = counts & ttr.is_not_null() & res_t.is_not_null()
    return [
        counts.sum().alias("incidents"),
        pl.col("is_merged").sum().alias("merged"),
        (counts & acked).sum().alias("acknowledged"),
        (counts & ~acked).sum().alias("unacknowledged"),
        (counts & ~is_open).sum().alias("resolved"),
        (counts & is_open).sum().alias("open"),
        *_stats_exprs("tta_seconds", counts),
        *_stats_exprs("ttr_seconds", counts),
        has_ack.sum().alias("ack_sla_n"),
        (has_ack & (tta <= ack_t)).sum().alias("ack_sla_met"),
        has_res.sum().alias("resolve_sla_n"),
        (has_res & (ttr <= res_t)).sum().alias("resolve_sla_met"),
        res_t.is_not_null().any().alias("has_resolve_targets"),
        ack_t.is_not_null().any().alias("has_ack_targets"),
        (counts & is_open & (age > res_t)).sum().alias("breaching"),
        (counts & is_open & ~acked & (age > ack_t)).sum().alias("unacked_over"),
    ]


def _response_row(severity: str, row: dict[str, Any]) -> dict[str, Any]:
    pooled = severity == POOLED
    return {
        "severity": severity,
        **{k: row[k] for k in ("incidents", "merged", "acknowledged", "unacknowledged")},
        "resolved": row["resolved"],
        "open": row["open"],
        **{
            metric: {
                "mean": row[f"{metric}_mean"],
                **{name: row[f"{metric}_{name}"] for name, _ in QUANTILES},
                "max": row[f"{metric}_max"],
                "n": row[f"{metric}_n"],
            }
            for metric in ("tta_seconds", "ttr_seconds")
        },
        "ack_sla_compliance": _ratio(row["ack_sla_met"], row["ack_sla_n"]),
        "resolve_sla_compliance": _ratio(row["resolve_sla_met"], row["resolve_sla_n"]),
        # a count where a target exists; the pooled row is a count in any case (docs/kpis.md §3)
        "breaching_open": row["breaching"] if row["has_resolve_targets"] or pooled else None,
        "unacked_over_target": row["unacked_over"] if row["has_ack_targets"] or pooled else None,
    }


def compute(frames: Frames, period: Period) -> dict[str, Any]:
    """The report of ``metrics.kpis.kpi_report(con, period)`` from the loaded frames."""
    settings = frames.settings.row(0, named=True)
    timezone = str(settings["timezone"])
    as_of: datetime = period.as_of
    inc = frames.incidents
    in_period = inc.filter(
        (pl.col("created_date") >= period.since) & (pl.col("created_date") < period.until)
    )
    counted = in_period.filter(~pl.col("is_merged"))
    n = counted.height

    # response times per severity and pooled
    age = (pl.lit(as_of).dt.convert_time_zone("UTC") - pl.col("created_at")).dt.total_microseconds()
    exprs = _response_exprs(age / 1_000_000)
    by_severity = in_period.group_by("severity").agg(exprs).to_dicts()
    by_severity.sort(key=lambda row: severity_rank(str(row["severity"])))
    response_times = [_response_row(str(row["severity"]), row) for row in by_severity]
    response_times.append(_response_row(POOLED, in_period.select(exprs).row(0, named=True)))

    # root causes: every taxonomy key, in its order
    by_cause = dict(counted.group_by("root_cause").len().iter_rows())
    root_causes = [
        {
            "root_cause": key,
            "incidents": int(by_cause.get(key, 0)),
            "share": _ratio(int(by_cause.get(key, 0)), n),
        }
        for key in frames.taxonomy.sort("position")["key"]
    ]

    # releases and change failure rate: a deploy is failed when any incident names it
    attributed = inc.filter(~pl.col("is_merged") & pl.col("release_key").is_not_null()).select(
        pl.col("release_key").unique()
    )
    deployed = pl.col("deployed_local").dt.date()
    deps = frames.deploys.filter((deployed >= period.since) & (deployed < period.until))
    with_incident = deps.join(attributed, left_on="deploy_key", right_on="release_key", how="semi")
    flags = counted.select(
        pl.col("is_release_caused").sum(),
        pl.col("is_release_explicit").sum(),
        pl.col("is_release_window").sum(),
        pl.col("runbook_url").is_not_null().sum().alias("with_runbook"),
        pl.col("tta_seconds").count().alias("acknowledged"),
        (pl.col("tta_seconds") <= float(settings["paging_timeout_seconds"])).sum().alias("within"),
        (pl.col("escalation_count") >= 1).sum().alias("escalated"),
    ).row(0, named=True)
    released = flags["is_release_caused"]
    releases = {
        "incidents": n,
        "release_caused": released,
        "explicit": flags["is_release_explicit"],
        "window": flags["is_release_window"],
        "release_caused_share": _ratio(released, n),
        "deploys": deps.height,
        "deploys_with_incident": with_incident.height,
        "change_failure_rate": _ratio(with_incident.height, deps.height),
        "rollbacks": int(deps["is_rollback"].sum()),
    }
    runbooks = {
        "incidents": n,
        "with_runbook": flags["with_runbook"],
        "without_runbook": n - flags["with_runbook"],
        "coverage": _ratio(flags["with_runbook"], n),
    }

    # corrective actions by due date; postmortems by their incident's creation
    today = as_of.astimezone(ZoneInfo(timezone)).date()
    status, due = pl.col("status"), pl.col("due_date")
    overdue = ~status.is_in(["done", "cancelled"]) & (due < today)
    acts = frames.actions.filter(
        status.is_not_null()
        & (status != "cancelled")
        & (due >= period.since)
        & (due < period.until)
    ).select(
        ((status == "done") | overdue).sum().alias("due"),
        pl.col("is_on_time").fill_null(False).sum().alias("on_time"),
        overdue.sum().alias("overdue"),
        (overdue & pl.col("must_fix").fill_null(False)).sum().alias("must_fix"),
    )
    actions = acts.row(0, named=True)
    published, deadline = pl.col("postmortem_published_at"), pl.col("postmortem_deadline")
    is_due = published.is_not_null() | (deadline <= pl.lit(as_of).dt.convert_time_zone("UTC"))
    pms = (
        counted.filter(deadline.is_not_null())
        .select(is_due.sum().alias("due"), (is_due & (published <= deadline)).sum().alias("ok"))
        .row(0, named=True)
    )
    rca = {
        "actions_due": actions["due"],
        "actions_on_time": actions["on_time"],
        "rca_adherence": _ratio(actions["on_time"], actions["due"]),
        "overdue_actions": actions["overdue"],
        "overdue_must_fix": actions["must_fix"],
        "postmortems_due": pms["due"],
        "postmortems_on_time": pms["ok"],
        "postmortem_on_time_share": _ratio(pms["ok"], pms["due"]),
    }
    paging = {
        "acknowledged": flags["acknowledged"],
        "acked_within_paging_window": _ratio(flags["within"], flags["acknowledged"]),
        "escalated": flags["escalated"],
        "escalation_rate": _ratio(flags["escalated"], n),
    }

    # on-call load: interruptions by the notification's local date
    pages = frames.interruptions.filter(
        (pl.col("notified_date") >= period.since) & (pl.col("notified_date") < period.until)
    )
    by_class = dict(pages.group_by("interruption_class").len().iter_rows())
    per_person = pages.group_by("person_id").len()
    sleep = int(by_class.get("sleep_hours", 0))
    oncall = {
        "interruptions": pages.height,
        "business_hours": int(by_class.get("business_hours", 0)),
        "off_hours": int(by_class.get("off_hours", 0)),
        "sleep_hours": sleep,
        "people": per_person.height,
        "max_per_person": int(per_person["len"].max() or 0),
        "sleep_hours_share": _ratio(sleep, pages.height),
    }

    # alert noise over the period's non-merged incidents
    flap = float(frames.noise.row(0, named=True)["flap_window_seconds"])
    acked, closed = pl.col("is_acknowledged"), ~pl.col("is_open")
    quiet = counted.select(
        closed.sum().alias("resolved"),
        (closed & ~acked).sum().alias("resolved_unacked"),
        (~acked & (pl.col("ttr_seconds") <= flap)).sum().alias("flapping"),
        pl.col("alert_count").mean().alias("alerts_per_incident"),
    ).row(0, named=True)
    noise = {
        "incidents": n,
        "resolved": quiet["resolved"],
        "resolved_unacknowledged": quiet["resolved_unacked"],
        "resolved_unacknowledged_share": _ratio(quiet["resolved_unacked"], quiet["resolved"]),
        "flapping": quiet["flapping"],
        "flapping_share": _ratio(quiet["flapping"], n),
        "alerts_per_incident": quiet["alerts_per_incident"],
    }

    return {
        "as_of": as_of.isoformat(),
        "timezone": timezone,
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "response_times": response_times,
        "root_causes": root_causes,
        "releases": releases,
        "runbooks": runbooks,
        "rca": rca,
        "paging": paging,
        "oncall": oncall,
        "noise": noise,
    }
