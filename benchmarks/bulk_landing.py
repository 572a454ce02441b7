"""Bulk landing of API-shaped JSON page files into ``raw_objects``, inside DuckDB.

A backfill (or the benchmark) can have millions of records: each file is read whole with
``read_text`` and its item list taken with ``json_extract(content, '$.<key>[*]')`` (about 50×
faster than ``read_json`` with a ``JSON[]`` column on DuckDB 2.0), then ``unnest``-ed, each
item's key and parent read from one parse of it (``KeyPaths``), and landed by the warehouse's
own statements (:class:`opskpi.etl.warehouse.landing.StagedUpsert`, key ``(source,
object_type, object_id)``), without a Python loop per record:

* a batch of files goes straight from the files into ``raw_objects`` by a plain INSERT when
  every item has a key, no key repeats and none is landed yet (a backfill of new objects);
* otherwise (the INSERT fails as a whole and writes nothing) the batch is staged and upserted
  as a sync's pages are: an unchanged payload hash is not rewritten, a key seen twice in one
  batch: the last one wins, items without a key go to ``raw_rejects``.

Memory is bounded by the settings, not by the data: ``files_per_batch`` files per statement,
``workers`` streams at a time, and a checkpoint whenever ``checkpoint_threshold`` of WAL has
accumulated (committed rows stay in memory until they are checkpointed). What grows with the
data is DuckDB's primary-key index (an in-memory ART, about 75 bytes per landed object).

``land_pages_folder`` lands a folder laid out as :func:`etl.simulator.write_pages` writes it,
with the keys the connectors use (see ``PAGE_STREAMS``); postmortems and the actions CSV go
through the same readers as ``opskpi sync``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from opskpi.etl.warehouse.landing import BY_ID, KeyPaths, LandResult, StagedUpsert

FILES_PER_BATCH = 200  # about 20,000 items per statement with the APIs' page size of 100
WORKERS = 2  # page streams landed at once (each inserting connection uses one core)
BULK_CHECKPOINT_THRESHOLD = "256MB"  # a checkpoint every ~10 batches, not after each one

# every item of a batch of files, in order (``seq``: the last of a key wins)
_ITEMS = """(
    with files as (
        select row_number() over (order by filename) as file_no,
               json_extract(content, $items_path) as items
        from read_text($paths)
    )
    select unnest(items) as item, generate_subscripts(items, 1) as item_no, file_no
    from files
)"""
# every item of a batch of files, in no particular order (the plain INSERT's way)
_ITEMS_UNORDERED = """(
    select unnest(json_extract(content, $items_path)) as item from read_text($paths)
)"""


@dataclass(frozen=True)
class PageStream:
    """One folder of page files and how its items are keyed (JSON paths in each item)."""

    source: str
    object_type: str
    folder: str  # relative to the pages folder
    items_key: str  # the envelope's list: "incidents", "data", ...
    keys: KeyPaths = BY_ID


PAGE_STREAMS: tuple[PageStream, ...] = (
    PageStream("pagerduty", "incident", "pagerduty/incidents", "incidents"),
    PageStream(
        "pagerduty",
        "log_entry",
        "pagerduty/log_entries",
        "log_entries",
        KeyPaths(parent="$.incident.id"),
    ),
    PageStream(
        "pagerduty", "alert", "pagerduty/alerts", "alerts", KeyPaths(parent="$.incident.id")
    ),
    PageStream(
        "pagerduty",
        "incident_custom_fields",
        "pagerduty/custom_fields",
        "custom_fields_values",
        KeyPaths(("$.incident_id",), parent="$.incident_id"),
    ),
    PageStream("opsgenie", "alert", "opsgenie/alerts", "data"),
    PageStream(
        "opsgenie",
        "alert_log",
        "opsgenie/alert_logs",
        "data",
        KeyPaths(("$.alertId", "$.offset"), parent="$.alertId"),
    ),
    PageStream("opsgenie", "incident", "opsgenie/incidents", "data"),
    PageStream(
        "opsgenie",
        "timeline_entry",
        "opsgenie/incident_timelines",
        "data",
        KeyPaths(("$.incidentId", "$.id"), parent="$.incidentId"),
    ),
    PageStream(
        "argocd", "application", "argocd/applications.json", "items", KeyPaths(("$.metadata.name",))
    ),
)


def _batches(paths: Sequence[Path], size: int) -> Iterator[list[str]]:
    for start in range(0, len(paths), size):
        yield [str(p) for p in paths[start : start + size]]


def land_json_pages(
    con: duckdb.DuckDBPyConnection,
    source: str,
    object_type: str,
    paths: Sequence[Path],
    *,
    items_key: str,
    keys: KeyPaths = BY_ID,
    sync_run_id: int | None = None,
    fetched_at: datetime | None = None,
    files_per_batch: int = FILES_PER_BATCH,
) -> LandResult:
    """Land every item of ``paths[*][items_key]`` as ``(source, object_type, key)``, keyed
    by ``keys``. Each batch of files is one statement (its own transaction): a plain INSERT
    straight from the files while it can, else staged and upserted (see the module)."""
    result = LandResult()
    direct = keys.select("item", _ITEMS_UNORDERED)
    stage = "create or replace temp table bulk_items as " + keys.select(
        "item", _ITEMS, "file_no * 1000000000 + item_no as seq"
    )
    # plain inserts until a batch meets a key already landed (see StagedUpsert)
    upsert = StagedUpsert(
        con,
        source,
        object_type,
        sync_run_id=sync_run_id,
        fetched_at=fetched_at or datetime.now(UTC),
        insert_first=True,
    )
    try:
        for batch in _batches(paths, files_per_batch):
            params = {"paths": batch, "items_path": f"$.{items_key}[*]"}
            inserted = upsert.insert_new(direct, params)
            if inserted is not None:
                result += LandResult(received=inserted, changed=inserted)
                continue
            con.execute(stage, params)
            result += upsert.land("bulk_items", location=batch[0] if len(batch) == 1 else None)
    finally:
        con.execute("drop table if exists bulk_items")
    return result


@contextmanager
def deferred_checkpoints(
    con: duckdb.DuckDBPyConnection, threshold: str = BULK_CHECKPOINT_THRESHOLD
) -> Iterator[None]:
    """Fewer automatic checkpoints inside the block, and one at its end.

    DuckDB checkpoints whenever the WAL passes ``checkpoint_threshold`` (16 MB by default),
    i.e. after every batch of page files: at 100k incidents that is a third of the landing's
    CPU time. A larger threshold costs memory (what is not checkpointed stays in RAM): 256 MB
    kept the CPU saving (29.7 → 20.0 s) with peak RSS near the default's (1.2 GB), where no
    checkpoint at all reached 1.44 GB.
    """
    previous = con.execute("select current_setting('checkpoint_threshold')").fetchall()[0][0]
    con.execute(f"set checkpoint_threshold = '{threshold}'")
    try:
        yield
        con.execute("checkpoint")
    finally:
        con.execute(f"set checkpoint_threshold = '{previous}'")


def page_files(folder: Path, stream: PageStream) -> list[Path]:
    where = folder / stream.folder
    return [where] if where.is_file() else sorted(where.glob("page-*.json"))


def land_history(con: duckdb.DuckDBPyConnection, sync_run_id: int | None = None) -> LandResult:
    """Argo CD ``status.history`` entries of the landed applications, keyed ``{app}/{id}``."""
    con.execute(
        """
        create or replace temp table bulk_history as
        select app || '/' || (entry ->> 'id') as object_id, app as parent_id, entry as payload,
               row_number() over (order by app, n) as seq
        from (
            select object_id as app,
                   unnest(try_cast(payload -> 'status' -> 'history' as json[])) as entry,
                   generate_subscripts(try_cast(payload -> 'status' -> 'history' as json[]), 1)
                       as n
            from raw_objects
            where source = 'argocd' and object_type = 'application' and deleted_at is null
        )
        """
    )
    try:
        upsert = StagedUpsert(con, "argocd", "history_entry", sync_run_id=sync_run_id)
        return upsert.land("bulk_history")
    finally:
        con.execute("drop table if exists bulk_history")


def land_postmortems(
    con: duckdb.DuckDBPyConnection, folder: Path, sync_run_id: int | None = None
) -> dict[str, LandResult]:
    """Postmortem files and ``actions.csv`` (if present) through the sync's own connector:
    the same readers, chunked landing and snapshot semantics as ``opskpi sync``."""
    from opskpi.config import settings_from_dict
    from opskpi.etl.context import SyncContext
    from opskpi.etl.sources.postmortems.connector import PostmortemsConnector

    csv = folder / "actions.csv"
    source: dict[str, str] = {"path": str(folder)}
    if csv.is_file():
        source["actions_csv"] = str(csv)
    settings = settings_from_dict(
        {"postmortems": source},
        base_dir=folder,
        origin="benchmark",
    )
    ctx = SyncContext(
        con=con,
        settings=settings,
        source="postmortems",
        run_id=sync_run_id or 0,
        full=True,
        started_at=datetime.now(UTC),
    )
    PostmortemsConnector(settings).sync(ctx)
    return {f"postmortems/{kind}": result for kind, result in ctx.totals.items()}


def _land_stream(
    con: duckdb.DuckDBPyConnection,
    stream: PageStream,
    paths: list[Path],
    sync_run_id: int | None,
    files_per_batch: int,
) -> LandResult:
    cursor = con.cursor()  # a connection of its own (and its own temp tables) per thread
    try:
        return land_json_pages(
            cursor,
            stream.source,
            stream.object_type,
            paths,
            items_key=stream.items_key,
            keys=stream.keys,
            sync_run_id=sync_run_id,
            files_per_batch=files_per_batch,
        )
    finally:
        cursor.close()


def land_pages_folder(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    *,
    sync_run_id: int | None = None,
    postmortems: bool = True,
    workers: int = WORKERS,
    files_per_batch: int = FILES_PER_BATCH,
    checkpoint_threshold: str = BULK_CHECKPOINT_THRESHOLD,
) -> dict[str, LandResult]:
    """Land a ``write_pages`` folder: postmortems (first: their upserts scan the table), then
    every page stream and the Argo CD history.

    Streams land ``workers`` at a time, each on its own cursor, largest first: DuckDB's insert
    path uses one core per inserting connection (two writers: 47,000 → 72,000 log entries/s on
    2 cores). Streams never share a key (the object type is part of it), and each stream keeps
    its files' order, so the result is the same as one after the other.
    """
    results: dict[str, LandResult] = {}
    if postmortems and (folder / "postmortems").is_dir():
        results.update(land_postmortems(con, folder / "postmortems", sync_run_id))
    streams = [(stream, page_files(folder, stream)) for stream in PAGE_STREAMS]
    streams = sorted(((s, p) for s, p in streams if p), key=lambda sp: -len(sp[1]))
    with (
        deferred_checkpoints(con, checkpoint_threshold),
        ThreadPoolExecutor(max(1, workers)) as pool,
    ):
        futures = {
            stream: pool.submit(_land_stream, con, stream, paths, sync_run_id, files_per_batch)
            for stream, paths in streams
        }
        for stream in PAGE_STREAMS:  # in the usual order
            if stream in futures:
                results[f"{stream.source}/{stream.object_type}"] = futures[stream].result()
    # after the checkpoint: what the streams committed no longer holds memory
    results["argocd/history_entry"] = land_history(con, sync_run_id)
    return results


# -- the floor: DuckDB's own raw insert of the same files ----------------------------------------
FLOOR_TABLE = "floor_items"
_FLOOR_INSERT = f"""
insert into {FLOOR_TABLE}
select $source, $type, unnest(json_extract(content, $items_path)) from read_text($paths)
"""


def _insert_stream_raw(
    con: duckdb.DuckDBPyConnection, stream: PageStream, paths: list[Path], files_per_batch: int
) -> int:
    cursor = con.cursor()
    try:
        rows = 0
        for batch in _batches(paths, files_per_batch):
            params = {
                "source": stream.source,
                "type": stream.object_type,
                "paths": batch,
                "items_path": f"$.{stream.items_key}[*]",
            }
            rows += int(cursor.execute(_FLOOR_INSERT, params).fetchall()[0][0])
        return rows
    finally:
        cursor.close()


def insert_floor(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    *,
    workers: int = WORKERS,
    files_per_batch: int = FILES_PER_BATCH,
    checkpoint_threshold: str = BULK_CHECKPOINT_THRESHOLD,
) -> int:
    """The landing's floor: every item of the page streams inserted by DuckDB alone, with
    ``read_text`` + ``json_extract`` + ``unnest`` into a table with no key (source, object
    type, item), no key extracted, no hash, no upsert; the same files, batches, streams at a
    time and checkpoint threshold as :func:`land_pages_folder`. Returns the rows inserted."""
    con.execute(
        f"create or replace table {FLOOR_TABLE} "
        "(source varchar not null, object_type varchar not null, payload json not null)"
    )
    streams = [(stream, page_files(folder, stream)) for stream in PAGE_STREAMS]
    streams = sorted(((s, p) for s, p in streams if p), key=lambda sp: -len(sp[1]))
    with (
        deferred_checkpoints(con, checkpoint_threshold),
        ThreadPoolExecutor(max(1, workers)) as pool,
    ):
        futures = [
            pool.submit(_insert_stream_raw, con, stream, paths, files_per_batch)
            for stream, paths in streams
        ]
        return sum(f.result() for f in futures)
