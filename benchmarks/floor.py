"""The floor: one hand-written DuckDB query for MTTA/MTTR, SLA compliance and the change failure
rate of a period, as someone who knows DuckDB would type it against the snapshot. It reads what
those KPIs need and nothing else (no filters, no buckets, no macros), so it is the least a query
engine pays for them: opskpi's whole KPI set is compared with it.

Same definitions as ``sql/kpis/response_times.sql`` and ``sql/kpis/releases.sql`` (docs/kpis.md
§3 and §5) for the fields it computes; ``fields`` puts them in the shape of the
``opskpi kpis --json`` object so the benchmark compares them field by field.
"""

from __future__ import annotations

from typing import Any

import duckdb

from opskpi.config.vocabulary import POOLED, severity_rank
from opskpi.metrics.period import Period

QUERY = """
with period as (
    select severity, tta_seconds, ttr_seconds, ack_target_seconds, resolve_target_seconds
    from incidents
    where created_date >= $since and created_date < $until and not is_merged
),

times as (
    select
        coalesce(severity, 'all') as severity,
        avg(tta_seconds) as tta_mean,
        quantile_cont(tta_seconds, [0.5, 0.9, 0.95]) as tta_q,
        max(tta_seconds) as tta_max,
        count(tta_seconds) as tta_n,
        avg(ttr_seconds) as ttr_mean,
        quantile_cont(ttr_seconds, [0.5, 0.9, 0.95]) as ttr_q,
        max(ttr_seconds) as ttr_max,
        count(ttr_seconds) as ttr_n,
        count_if(tta_seconds <= ack_target_seconds)
            / nullif(count_if(tta_seconds is not null and ack_target_seconds is not null), 0)
            as ack_sla,
        count_if(ttr_seconds <= resolve_target_seconds)
            / nullif(count_if(ttr_seconds is not null and resolve_target_seconds is not null), 0)
            as resolve_sla
    from period
    group by grouping sets ((severity), ())
),

failures as (
    select
        count(*) as deploys,
        count(*) filter (
            where deploy_key in (select release_key from incidents where not is_merged)
        ) as failed
    from deploys
    where cast(deployed_local as date) >= $since and cast(deployed_local as date) < $until
)

select times.*, failures.deploys, failures.failed, failures.failed / nullif(failures.deploys, 0)
from times, failures
"""


def run(con: duckdb.DuckDBPyConnection, period: Period) -> list[tuple[Any, ...]]:
    """The query's rows for ``period``: one per severity with incidents, and the pooled one."""
    return con.execute(QUERY, {"since": period.since, "until": period.until}).fetchall()


def fields(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The fields the floor computes, in the shape of ``opskpi kpis --json``."""
    out: list[dict[str, Any]] = []
    deploys = failed = cfr = None
    for row in sorted(rows, key=lambda r: severity_rank(str(r[0]))):
        severity, tta_mean, tta_q, tta_max, tta_n, ttr_mean, ttr_q, ttr_max, ttr_n = row[:9]
        ack_sla, resolve_sla, deploys, failed, cfr = row[9:]

        def stats(mean: Any, q: Any, top: Any, n: int) -> dict[str, Any]:
            median, p90, p95 = q if q is not None else (None, None, None)
            return {"mean": mean, "median": median, "p90": p90, "p95": p95, "max": top, "n": n}

        out.append(
            {
                "severity": severity,
                "tta_seconds": stats(tta_mean, tta_q, tta_max, tta_n),
                "ttr_seconds": stats(ttr_mean, ttr_q, ttr_max, ttr_n),
                "ack_sla_compliance": ack_sla,
                "resolve_sla_compliance": resolve_sla,
            }
        )
    assert out and out[-1]["severity"] == POOLED
    return {
        "response_times": out,
        "releases": {
            "deploys": deploys,
            "deploys_with_incident": failed,
            "change_failure_rate": cfr,
        },
    }


def same_fields(report: dict[str, Any], floor: dict[str, Any]) -> dict[str, Any]:
    """The part of an ``opskpi kpis --json`` object that the floor computes too."""
    keys = floor["response_times"][0].keys()
    return {
        "response_times": [{key: row[key] for key in keys} for row in report["response_times"]],
        "releases": {key: report["releases"][key] for key in floor["releases"]},
    }
