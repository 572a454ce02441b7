"""Models, snapshot and the KPI set: opskpi against the baselines (a hand-written DuckDB query,
pandas and Polars notebooks), on the same snapshot, in the same run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import duckdb

from benchmarks import floor, pandas_baseline
from benchmarks.measure import Timing, repeat, timed
from opskpi.config import Settings
from opskpi.etl.warehouse.build import build_models, publish
from opskpi.etl.warehouse.connect import open_writer
from opskpi.metrics.kpis import kpi_report
from opskpi.metrics.period import Period
from opskpi.metrics.snapshot import open_snapshot
from opskpi.simulator import GenerateParams

T = TypeVar("T")
# statements opskpi runs for one KPI set on an open connection: sql/kpis/report.sql and the
# sources' sync status (docs/benchmarks.md: before issue 14, eleven)
STATEMENTS = 2


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


def _baseline(
    load: Callable[[], T], compute: Callable[[T], dict[str, Any]], runs: int
) -> tuple[Timing, Timing, Timing, dict[str, Any]]:
    """A notebook's load and compute, timed apart, ``runs`` times: (load, compute, total, the
    last report)."""
    load_time, compute_time, total = Timing(), Timing(), Timing()
    report: dict[str, Any] = {}
    for _ in range(max(1, runs)):
        loaded, frames = timed(load)
        computed, report = timed(lambda f=frames: compute(f))
        load_time.runs.append(loaded)
        compute_time.runs.append(computed)
        total.runs.append(loaded + computed)
        del frames
    return load_time, compute_time, total, report


def _baseline_figures(
    name: str, timings: tuple[Timing, Timing, Timing, dict[str, Any]], ours: dict[str, Any]
) -> dict[str, Any]:
    load_time, compute_time, total, theirs = timings
    diffs = pandas_baseline.differences(ours, theirs)
    return {
        f"{name}_load_seconds": load_time.as_dict(),
        f"{name}_compute_seconds": compute_time.as_dict(),
        f"{name}_seconds": total.as_dict(),
        f"{name}_equal": not diffs,
        f"{name}_differences": diffs[:20],
    }


def kpi_figures(settings: Settings, period: Period, runs: int) -> dict[str, Any]:
    """opskpi (cold: as the CLI, open + compute + close; warm: on an open connection, as the
    app and the exporter), the hand-written floor query, and the notebooks: pandas loading
    every column, pandas and Polars loading only the needed columns. Every baseline's report
    is compared with opskpi's, field by field, for the fields it computes."""
    cold, ours = repeat(lambda: _opskpi_cold(settings, period), runs)
    # the KPIs only: ``sources`` (each source's sync status) is not something a notebook has
    ours = {k: v for k, v in ours.items() if k != "sources"}
    con = open_snapshot(settings.serving_path)
    try:
        kpi_report(con, period)  # a first run on the connection, not counted
        warm, _ = repeat(lambda: kpi_report(con, period), runs)
        floor.run(con, period)
        floor_time, floor_rows = repeat(lambda: floor.run(con, period), runs)
        pandas_all = _baseline(
            lambda: pandas_baseline.load(con),
            lambda marts: pandas_baseline.compute(marts, period),
            runs,
        )
        pandas_needed = _baseline(
            lambda: pandas_baseline.load_needed(con),
            lambda marts: pandas_baseline.compute(marts, period),
            runs,
        )
        polars = _polars(con, period, runs)
    finally:
        con.close()
    floor_fields = floor.fields(floor_rows)
    floor_diffs = pandas_baseline.differences(floor.same_fields(ours, floor_fields), floor_fields)
    figures: dict[str, Any] = {
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "incidents": sum(
            r["incidents"] + r["merged"] for r in ours["response_times"] if r["severity"] == "all"
        ),
        "statements": STATEMENTS,
        "opskpi_seconds": cold.as_dict(),
        "opskpi_warm_seconds": warm.as_dict(),
        "floor_seconds": floor_time.as_dict(),
        "floor_equal": not floor_diffs,
        "floor_differences": floor_diffs[:20],
        "warm_vs_floor": warm.median / floor_time.median,
        **_baseline_figures("pandas", pandas_all, ours),
        **_baseline_figures("pandas_needed", pandas_needed, ours),
    }
    # the pandas figures kept under their earlier names (select *, against opskpi cold)
    figures["ratio"] = figures["pandas_seconds"]["median"] / cold.median
    figures["ratio_compute_only"] = figures["pandas_compute_seconds"]["median"] / warm.median
    figures["equal"] = figures["pandas_equal"]
    figures["differences"] = figures["pandas_differences"]
    if isinstance(polars, str):
        figures["polars_skipped"] = polars
    else:
        figures.update(_baseline_figures("polars", polars, ours))
    for name in ("pandas", "pandas_needed", "polars"):
        if f"{name}_seconds" in figures:
            total = figures[f"{name}_seconds"]["median"]
            figures[f"{name}_vs_warm"] = total / warm.median
            figures[f"{name}_vs_cold"] = total / cold.median
    return figures


def _polars(
    con: duckdb.DuckDBPyConnection, period: Period, runs: int
) -> tuple[Timing, Timing, Timing, dict[str, Any]] | str:
    """The Polars notebook's timings, or why it was not run."""
    try:
        from benchmarks import polars_baseline
    except ImportError as exc:
        return f"polars is not installed ({exc.name}): pip install -e '.[bench]'"
    return _baseline(
        lambda: polars_baseline.load(con),
        lambda frames: polars_baseline.compute(frames, period),
        runs,
    )


def kpi_set(settings: Settings, params: GenerateParams, runs: int) -> dict[str, Any]:
    return {name: kpi_figures(settings, period, runs) for name, period in periods(params).items()}


def as_of_of(params: GenerateParams) -> datetime:
    return params.end_utc
