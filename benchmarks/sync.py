"""Sync figure: HTTP requests of a full PagerDuty sync (``etl.sync.run_sync``) against the
simulator, per 1,000 incidents, beside the fewest requests the API allows."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.measure import timed
from opskpi.config import settings_from_dict
from opskpi.simulator import SimulatorServer, SimulatorTokens, generate

TOKEN_ENV = "OPSKPI_BENCH_SIM_PD_TOKEN"
PAGE = 100  # PagerDuty's largest page


def by_endpoint(by_path: dict[str, int]) -> dict[str, int]:
    """Request counts per endpoint: ``/pagerduty/incidents/{id}/alerts``, not one per id."""
    out: dict[str, int] = {}
    for path, n in by_path.items():
        parts = path.split("/")
        for i in range(1, len(parts) - 1):
            if parts[i] in ("incidents", "alerts", "log_entries") and i + 1 < len(parts):
                parts[i + 1] = "{id}"
        key = "/".join(parts)
        out[key] = out.get(key, 0) + n
    return dict(sorted(out.items()))


def _pages(counts: Iterable[int]) -> int:
    """Fewest requests to list windows holding ``counts`` records (an empty one costs one)."""
    return sum(max(1, math.ceil(n / PAGE)) for n in counts)


def _count(con: duckdb.DuckDBPyConnection, query: str, params: list[Any] | None = None) -> int:
    return int(con.execute(query, params or []).fetchone()[0])


def minimum_requests(
    con: duckdb.DuckDBPyConnection, since: datetime, now: datetime, custom_fields: bool = False
) -> dict[str, int]:
    """Fewest requests for what the sync landed: full pages of 100 in each window the API
    allows (≤ 180 days), and one request per incident for the per-incident details it needs
    (alerts where the trigger log entry cannot show the runbook; custom fields when a
    ``pagerduty_field`` is configured)."""
    from opskpi.etl.sources.pagerduty.windows import span_windows
    from opskpi.etl.warehouse.landed import pagerduty_detail_candidates

    windows = span_windows(since, now)
    by_window = """
        select count(*) from raw_objects
        where source = 'pagerduty' and object_type = ? and deleted_at is null
          and try_cast(payload ->> 'created_at' as timestamptz) >= ?
          and try_cast(payload ->> 'created_at' as timestamptz) < ?
    """
    out = {
        name: _pages(
            [
                _count(
                    con,
                    "select count(*) from raw_objects where source = 'pagerduty' "
                    "and object_type = ?",
                    [name],
                )
            ]
        )
        for name in ("service", "team", "priority")
    }
    for object_type in ("incident", "log_entry"):
        out[object_type] = _pages(
            _count(con, by_window, [object_type, w.since, w.until]) for w in windows
        )
    for kind in ("alerts", "custom_fields") if custom_fields else ("alerts",):
        ids = pagerduty_detail_candidates(con, kind, full=True, checked_through_run=0)
        out[kind] = len(ids)
    return out


def sync_requests(
    folder: Path, seed: int, end: datetime, months: int, per_day: float
) -> dict[str, Any]:
    """A full PagerDuty sync of a generated organisation served by the simulator."""
    try:
        from opskpi.etl.sync import run_sync
    except ImportError as exc:  # another engineer's work in progress
        return {"skipped": f"etl.sync is not usable: {exc}"}
    org = generate(seed=seed, end=end, months=months, incidents_per_day=per_day)
    folder.mkdir(parents=True, exist_ok=True)
    warehouse = folder / "sync.duckdb"
    for leftover in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        leftover.unlink(missing_ok=True)
    os.environ[TOKEN_ENV] = SimulatorTokens().pagerduty
    with SimulatorServer(org) as sim:
        settings = settings_from_dict(
            {
                "warehouse": {"path": str(warehouse)},
                "sources": {"pagerduty": {"base_url": sim.pagerduty_url, "token_env": TOKEN_ENV}},
                "sync": {"initial_lookback": f"{months * 31 + 1}d"},
            },
            base_dir=folder,
            origin="benchmark",
        )
        now = sim.now
        seconds, report = timed(
            lambda: run_sync(settings, sources=["pagerduty"], full=True, now=lambda: now)
        )
        counts = sim.request_counts()
    if not report.ok:
        return {"skipped": f"the sync failed: {report.results[0].error}"}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        incidents = _count(
            con,
            "select count(*) from raw_objects where source = 'pagerduty' "
            "and object_type = 'incident'",
        )
        since = now - timedelta(days=months * 31 + 1)
        fields = settings.model.taxonomy.pagerduty_field or settings.model.releases.pagerduty_field
        minimum = minimum_requests(con, since, now, custom_fields=bool(fields))
    finally:
        con.close()
    requests = int(counts["by_api"].get("pagerduty", 0))
    floor = sum(minimum.values())
    return {
        "incidents": incidents,
        "seconds": seconds,
        "requests": requests,
        "requests_by_endpoint": by_endpoint(counts["by_path"]),
        "minimum": floor,
        "minimum_by_kind": minimum,
        "requests_per_1000": requests / incidents * 1000 if incidents else None,
        "minimum_per_1000": floor / incidents * 1000 if incidents else None,
        "ratio": requests / floor if floor else None,
    }
