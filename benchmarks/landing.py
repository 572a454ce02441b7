"""Landing figures: the page files into a fresh warehouse, in a child process.

The child (a ``spawn``-ed interpreter, so it inherits nothing of the generator's memory)
lands every page stream with ``benchmarks.bulk_landing`` (the warehouse's own statements) and
the postmortems through the sync's readers, then reports its own peak RSS (``ru_maxrss``) with
the counts and seconds.

The floor, in the same run, runs after each landing in a child of its own: DuckDB inserting
the same page files with ``read_text`` + ``json_extract`` + ``unnest`` into a table with no key
(``bulk_landing.insert_floor``: same batches, streams at a time and checkpoint threshold). The
ratio landing / floor is of the medians (records/s, and CPU seconds).
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.measure import Timing


def remove_warehouse(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _land(pages: str, warehouse: str, memory_limit: str, out: Any) -> None:
    from benchmarks.bulk_landing import land_pages_folder, land_postmortems
    from opskpi.etl.warehouse.connect import open_writer

    folder = Path(pages)
    con = open_writer(Path(warehouse), memory_limit=memory_limit)
    con.execute("set enable_progress_bar = false")
    # postmortems first, as land_pages_folder does: their upserts scan raw_objects
    started, cpu = time.perf_counter(), time.process_time()
    pm = land_postmortems(con, folder / "postmortems")
    con.execute("checkpoint")
    pm_seconds, pm_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    landed = land_pages_folder(con, folder, postmortems=False)  # checkpoints at the end
    received = sum(r.received for r in landed.values())
    pages_seconds, pages_cpu = time.perf_counter() - started, time.process_time() - cpu
    rows = con.execute("select count(*) from raw_objects").fetchone()[0]
    con.close()
    out.send(
        {
            "page_records": received,
            "page_seconds": pages_seconds,
            "page_cpu_seconds": pages_cpu,
            "postmortem_records": sum(r.received for r in pm.values()),
            "postmortem_seconds": pm_seconds,
            "postmortem_cpu_seconds": pm_cpu,
            "raw_objects": rows,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )
    out.close()


def _floor(pages: str, database: str, memory_limit: str, out: Any) -> None:
    from benchmarks.bulk_landing import insert_floor
    from opskpi.etl.warehouse.connect import open_writer

    con = open_writer(Path(database), memory_limit=memory_limit)
    con.execute("set enable_progress_bar = false")
    started, cpu = time.perf_counter(), time.process_time()
    records = insert_floor(con, Path(pages))  # checkpoints at the end
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    con.close()
    out.send(
        {
            "records": records,
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )
    out.close()


@contextmanager
def _no_main_to_rerun() -> Iterator[None]:
    """A ``spawn``-ed child runs the parent's ``__main__`` file again before its target. In a
    process that has run a Streamlit script (the app figure, AppTest), ``__main__`` is the app's
    entrypoint: the child would start the app. Hide it while the child starts."""
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = saved


def land_once(pages: Path, warehouse: Path, memory_limit: str) -> dict[str, Any]:
    """One landing into a new warehouse file, in a child process."""
    return _in_child(_land, pages, warehouse, memory_limit)


def floor_once(pages: Path, database: Path, memory_limit: str) -> dict[str, Any]:
    """One raw insert of the page files into a new database file, in a child process."""
    try:
        return _in_child(_floor, pages, database, memory_limit)
    finally:
        remove_warehouse(database)


def _in_child(
    target: Callable[[str, str, str, Any], None], pages: Path, database: Path, memory_limit: str
) -> dict[str, Any]:
    remove_warehouse(database)
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=target, args=(str(pages), str(database), memory_limit, send))
    with _no_main_to_rerun():
        child.start()
    send.close()
    try:
        result: dict[str, Any] = receive.recv()
    except EOFError:
        child.join()
        raise RuntimeError(f"the landing child failed (exit code {child.exitcode})") from None
    child.join()
    return result


def landing(pages: Path, warehouse: Path, memory_limit: str, runs: int) -> dict[str, Any]:
    """``runs`` landings (the last warehouse is kept for the models), each followed by the
    floor's raw insert of the same files; medians and all runs."""
    results, floors = [], []
    floor_db = warehouse.with_name("floor.duckdb")
    for _ in range(max(1, runs)):
        floors.append(floor_once(pages, floor_db, memory_limit))
        results.append(land_once(pages, warehouse, memory_limit))
    page_bytes = sum(p.stat().st_size for p in pages.rglob("page-*.json"))
    page_bytes += (pages / "argocd" / "applications.json").stat().st_size
    page_time = Timing([r["page_seconds"] for r in results])
    pm_time = Timing([r["postmortem_seconds"] for r in results])
    total_time = Timing([r["page_seconds"] + r["postmortem_seconds"] for r in results])
    last = results[-1]
    records = last["page_records"] + last["postmortem_records"]
    floor_time = Timing([f["seconds"] for f in floors])
    floor_cpu = Timing([f["cpu_seconds"] for f in floors])
    page_cpu = Timing([r["page_cpu_seconds"] for r in results])
    floor = {
        "records": floors[-1]["records"],
        "seconds": floor_time.as_dict(),
        "cpu_seconds": floor_cpu.as_dict(),
        "records_per_second": floors[-1]["records"] / floor_time.median,
        "peak_rss_mib": max(f["peak_rss_mib"] for f in floors),
    }
    return {
        "runs": len(results),
        "page_records": last["page_records"],
        "postmortem_records": last["postmortem_records"],
        "raw_objects": last["raw_objects"],
        "page_seconds": page_time.as_dict(),
        "postmortem_seconds": pm_time.as_dict(),
        "total_seconds": total_time.as_dict(),
        "page_cpu_seconds": Timing([r["page_cpu_seconds"] for r in results]).as_dict(),
        "postmortem_cpu_seconds": Timing([r["postmortem_cpu_seconds"] for r in results]).as_dict(),
        "page_records_per_second": last["page_records"] / page_time.median,
        "page_mib": page_bytes / 2**20,
        "page_mib_per_second": page_bytes / 2**20 / page_time.median,
        "postmortem_records_per_second": last["postmortem_records"] / pm_time.median,
        "records_per_second": records / total_time.median,
        "peak_rss_mib": max(r["peak_rss_mib"] for r in results),
        "peak_rss_mib_runs": [r["peak_rss_mib"] for r in results],
        "memory_limit": memory_limit,
        "bulk": bulk_settings(),
        "floor": floor,
        # the "landing, page records ≥ 0.9× DuckDB's raw-insert rate on the same files"
        "page_vs_floor": last["page_records"] / page_time.median / floor["records_per_second"],
        "page_vs_floor_cpu": floor_cpu.median / page_cpu.median,
    }


def bulk_settings() -> dict[str, Any]:
    """What bounds the landing's memory besides ``memory_limit`` (benchmarks/bulk_landing.py)."""
    from benchmarks import bulk_landing

    return {
        "workers": bulk_landing.WORKERS,
        "files_per_batch": bulk_landing.FILES_PER_BATCH,
        "checkpoint_threshold": bulk_landing.BULK_CHECKPOINT_THRESHOLD,
    }
