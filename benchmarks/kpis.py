"""Models, snapshot and the KPI set: opskpi against the pandas baseline, on the same snapshot."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks import pandas_baseline
from benchmarks.measure import Timing, repeat, timed
from opskpi.config import Settings
from opskpi.etl.warehouse.build import build_models, publish
from opskpi.etl.warehouse.connect import open_writer
from opskpi.metrics.kpis import kpi_report
from opskpi.metrics.period import Period
from opskpi.metrics.snapshot import open_snapshot
from opskpi.simulator import GenerateParams


def periods(params: GenerateParams) -> dict[str, Period]:
    """The CLI's default (the 28 full days before as_of) and the whole generated span."""
    as_of = params.end_utc
    tz = ZoneInfo(params.timezone)
    first: date = params.start_utc.astimezone(tz).date()
    last: date = as_of.astimezone(tz).date()
    return {
        "28d": Period.last_full_days(28, as_of, params.timezone),
        "span": Period(first, last + timedelta(days=1), as_of),
    }


def build(settings: Settings, runs: int) -> dict[str, Any]:
    """``build_models`` ``runs`` times on the landed warehouse, then ``publish`` as many times."""
    con = open_writer(settings.warehouse_path, memory_limit=settings.model.warehouse.memory_limit)
    try:
        con.execute("set enable_progress_bar = false")
        build_time, result = repeat(lambda: build_models(con, settings), runs)
        publish_time, _ = repeat(lambda: publish(con, settings.serving_path), runs)
    finally:
        con.close()
    return {
        "incidents": result.incidents,
        "deploys": result.deploys,
        "models": result.models,
        "build_seconds": build_time.as_dict(),
        "publish_seconds": publish_time.as_dict(),
        "snapshot_mib": settings.serving_path.stat().st_size / 2**20,
    }


def _opskpi_cold(settings: Settings, period: Period) -> dict[str, Any]:
    """What ``opskpi kpis --json`` does: open the snapshot, run the KPI set, close."""
    con = open_snapshot(settings.serving_path)
    try:
        return kpi_report(con, period)
    finally:
        con.close()


def kpi_figures(settings: Settings, period: Period, runs: int) -> dict[str, Any]:
    cold, ours = repeat(lambda: _opskpi_cold(settings, period), runs)
    con = open_snapshot(settings.serving_path)
    try:
        warm, _ = repeat(lambda: kpi_report(con, period), runs)
        load_time, compute_time, total = Timing(), Timing(), Timing()
        theirs: dict[str, Any] = {}
        for _ in range(max(1, runs)):
            loaded, marts = timed(lambda: pandas_baseline.load(con))
            computed, theirs = timed(lambda m=marts: pandas_baseline.compute(m, period))
            load_time.runs.append(loaded)
            compute_time.runs.append(computed)
            total.runs.append(loaded + computed)
            del marts
    finally:
        con.close()
    # the KPIs only: ``sources`` (each source's sync status) is not something the notebook has
    diffs = pandas_baseline.differences({k: v for k, v in ours.items() if k != "sources"}, theirs)
    return {
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "incidents": sum(
            r["incidents"] + r["merged"] for r in ours["response_times"] if r["severity"] == "all"
        ),
        "opskpi_seconds": cold.as_dict(),
        "opskpi_warm_seconds": warm.as_dict(),
        "pandas_load_seconds": load_time.as_dict(),
        "pandas_compute_seconds": compute_time.as_dict(),
        "pandas_seconds": total.as_dict(),
        "ratio": total.median / cold.median,
        "ratio_compute_only": compute_time.median / warm.median,
        "equal": not diffs,
        "differences": diffs[:20],
    }


def kpi_set(settings: Settings, params: GenerateParams, runs: int) -> dict[str, Any]:
    return {name: kpi_figures(settings, period, runs) for name, period in periods(params).items()}


def as_of_of(params: GenerateParams) -> datetime:
    return params.end_utc
