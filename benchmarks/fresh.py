"""Build figures (issue 14): a full build + publish, and sync-to-fresh (the build + publish after
a small delta: the newest incidents with their log entries, alerts and custom fields, landed by a
sync run after a build).

Each build runs in a ``spawn``-ed child process that reports its own peak RSS, while a thread
watches DuckDB's temporary directory: a build that spills writes there (its size at the end is
``duckdb_temporary_files()``, at its peak what the watcher saw).

Both work on the landed warehouse in place (at 1 M a copy is 8 GB). Sync-to-fresh keeps the
newest ``DELTA_INCIDENTS`` incidents' objects aside (``bench_delta``) and marks them deleted in
``raw_objects``, builds (the warehouse as it was before the sync), then for each run lands them
again through the warehouse's own upsert under a new sync run (not timed) and times the
incremental build and delta publish, as ``opskpi sync`` calls them; after each run they are
marked deleted and built away again (not timed), and at the end landed for good.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.landing import _no_main_to_rerun
from benchmarks.measure import Timing

DELTA_INCIDENTS = 400  # ≈ a 15-minute sync at 1 M (issue 14)

# the newest incidents (PagerDuty and Opsgenie alerts) and every object belonging to them
_HOLD_BACK = """
create or replace table bench_delta_keys as
select source, id from (
    select 'pagerduty' as source, object_id as id,
           try_cast(payload ->> 'created_at' as timestamptz) as created_at
    from raw_objects where source = 'pagerduty' and object_type = 'incident'
    union all
    select 'opsgenie', object_id, try_cast(payload ->> 'createdAt' as timestamptz)
    from raw_objects where source = 'opsgenie' and object_type = 'alert'
)
order by created_at desc nulls last, id
limit $n;
create or replace table bench_delta as
select raw.* from raw_objects as raw
inner join bench_delta_keys as keys on keys.source = raw.source and keys.id = raw.object_id
where raw.object_type in ('incident', 'incident_custom_fields', 'alert')
union all
select raw.* from raw_objects as raw
inner join bench_delta_keys as keys on keys.source = raw.source and keys.id = raw.parent_id
where raw.object_type in ('log_entry', 'alert', 'alert_log');
"""


def hold_back(con: duckdb.DuckDBPyConnection, incidents: int) -> dict[str, int]:
    """Keep the newest ``incidents`` incidents' raw objects aside in ``bench_delta`` and mark
    them deleted."""
    for statement in _HOLD_BACK.split(";"):
        if statement.strip():
            con.execute(statement, {"n": incidents} if "$n" in statement else None)
    mark_deleted(con)
    rows = con.execute(
        "select source || '/' || object_type, count(*) from bench_delta group by all order by 1"
    ).fetchall()
    return {name: int(n) for name, n in rows}


def mark_deleted(con: duckdb.DuckDBPyConnection) -> None:
    """Mark the objects of ``bench_delta`` deleted (as a source that no longer sees them)."""
    from opskpi.etl.warehouse.landing import mark_listed_deleted

    mark_listed_deleted(con, "bench_delta", datetime.now(UTC))


def land_back(con: duckdb.DuckDBPyConnection, run_id: int) -> int:
    """Land the held-back objects as sync run ``run_id`` would: the warehouse's own upsert."""
    from opskpi.etl.warehouse.landing import StagedUpsert

    landed = 0
    types = con.execute("select distinct source, object_type from bench_delta order by all")
    for source, object_type in types.fetchall():
        con.execute(
            "create or replace temp table bench_page as select object_id, parent_id, "
            "payload::varchar as payload from bench_delta where source = ? and object_type = ?",
            [source, object_type],
        )
        upsert = StagedUpsert(con, source, object_type, sync_run_id=run_id)
        landed += upsert.land("bench_page").changed
    con.execute("drop table if exists bench_page")
    return landed


@contextmanager
def temp_watch(folder: Path, every: float = 0.05) -> Iterator[dict[str, int]]:
    """The largest size DuckDB's temporary directory reached while the block ran."""
    seen = {"max_bytes": 0}
    stop = threading.Event()

    def size() -> int:
        try:
            return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        except OSError:
            return 0

    def watch() -> None:
        while not stop.is_set():
            seen["max_bytes"] = max(seen["max_bytes"], size())
            stop.wait(every)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join()
        seen["max_bytes"] = max(seen["max_bytes"], size())


def _child_build(
    config: dict[str, Any], base_dir: str, mode: str, incidents: int, out: Any
) -> None:
    """In a new process, one build + publish of ``mode``: ``full``; ``fresh`` (land the delta,
    time the incremental build and publish, then take the delta away again untimed); ``hold``
    (set the delta aside, build); ``restore`` (land the delta for good, build)."""
    from opskpi.config import settings_from_dict
    from opskpi.etl.warehouse.build import build, build_and_publish
    from opskpi.etl.warehouse.connect import open_writer
    from opskpi.etl.warehouse.publish import publish_snapshot

    settings = settings_from_dict(config, base_dir=Path(base_dir), origin="benchmark")
    path = settings.warehouse_path
    con = open_writer(path, memory_limit=settings.model.warehouse.memory_limit)
    con.execute("set enable_progress_bar = false")
    limit = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    temp = Path(con.execute("select current_setting('temp_directory')").fetchall()[0][0])
    delta_landed = 0
    held: dict[str, int] = {}
    if mode == "hold":
        held = hold_back(con, incidents)
    if mode in ("fresh", "restore"):
        run_id = con.execute("select nextval('sync_run_ids')").fetchall()[0][0]
        delta_landed = land_back(con, run_id)
        con.execute("checkpoint")
    with temp_watch(temp) as spill:
        started, cpu = time.perf_counter(), time.process_time()
        result = build(con, settings, full=mode == "full")
        build_seconds = time.perf_counter() - started
        temp_files = con.execute(
            "select count(*), coalesce(sum(size), 0) from duckdb_temporary_files()"
        ).fetchall()[0]
        started = time.perf_counter()
        published = publish_snapshot(
            con, settings.serving_path, result.changes, result.previous_build_id
        )
        publish_seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu
    if mode == "fresh":  # back to the warehouse before the sync, for the next run
        mark_deleted(con)
        build_and_publish(settings, con)
    if mode == "restore":
        con.execute("drop table if exists bench_delta")
        con.execute("drop table if exists bench_delta_keys")
    con.close()
    out.send(
        {
            "build_seconds": build_seconds,
            "publish_seconds": publish_seconds,
            "cpu_seconds": cpu_seconds,
            "mode": result.mode,
            "publish_mode": published.mode,
            "published_tables": list(published.tables),
            "delta_objects": result.changes.delta_objects,
            "delta_landed": delta_landed,
            "held_back": held,
            "changed_incidents": result.changes.changed_incidents,
            "replaced": sorted(result.changes.replaced),
            "keyed": sorted(result.changes.keyed),
            "incidents": result.incidents,
            "memory_limit": limit,
            "temp_files_at_end": int(temp_files[0]),
            "temp_bytes_at_end": int(temp_files[1]),
            "temp_bytes_max": spill["max_bytes"],
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "snapshot_mib": settings.serving_path.stat().st_size / 2**20,
        }
    )
    out.close()


def run_child(
    config: dict[str, Any], base_dir: Path, mode: str, incidents: int = DELTA_INCIDENTS
) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_build, args=(config, str(base_dir), mode, incidents, send))
    with _no_main_to_rerun():
        child.start()
    send.close()
    try:
        result: dict[str, Any] = receive.recv()
    except EOFError:
        child.join()
        raise RuntimeError(f"the build child failed (exit code {child.exitcode})") from None
    child.join()
    return result


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    build = Timing([r["build_seconds"] for r in runs])
    publish = Timing([r["publish_seconds"] for r in runs])
    total = Timing([r["build_seconds"] + r["publish_seconds"] for r in runs])
    last = runs[-1]
    return {
        "runs": len(runs),
        "build_seconds": build.as_dict(),
        "publish_seconds": publish.as_dict(),
        "total_seconds": total.as_dict(),
        "cpu_seconds": Timing([r["cpu_seconds"] for r in runs]).as_dict(),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "temp_bytes_max": max(r["temp_bytes_max"] for r in runs),
        "spilled": any(r["temp_bytes_max"] or r["temp_files_at_end"] for r in runs),
        **{
            k: last[k]
            for k in (
                "mode",
                "publish_mode",
                "published_tables",
                "delta_objects",
                "delta_landed",
                "changed_incidents",
                "replaced",
                "keyed",
                "incidents",
                "memory_limit",
                "snapshot_mib",
            )
        },
    }


def full_build(config: dict[str, Any], folder: Path, runs: int) -> dict[str, Any]:
    """``runs`` full builds + full publishes of the landed warehouse."""
    return _summary([run_child(config, folder, "full") for _ in range(max(1, runs))])


def sync_to_fresh(
    config: dict[str, Any], folder: Path, runs: int, incidents: int = DELTA_INCIDENTS
) -> dict[str, Any]:
    """``runs`` incremental builds + delta publishes, each after landing the newest
    ``incidents`` incidents' objects into the warehouse built without them."""
    held = run_child(config, folder, "hold", incidents)["held_back"]
    try:
        results = [run_child(config, folder, "fresh", incidents) for _ in range(max(1, runs))]
    finally:
        run_child(config, folder, "restore", incidents)
    return {**_summary(results), "held_back": held, "delta_incidents": incidents}


def fresh(config: dict[str, Any], folder: Path, runs: int) -> dict[str, Any]:
    """Both figures (``python -m benchmarks.run --only fresh``)."""
    return {
        "full_build": full_build(config, folder, runs),
        "sync_to_fresh": sync_to_fresh(config, folder, runs),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
