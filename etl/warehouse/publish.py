"""Publish the serving snapshot: the served tables in a file of their own that readers open
read-only, swapped in atomically with ``os.replace`` (docs/architecture.md, "Readers never block
on the writer").

A full publish copies every served table into a new file. After an incremental build only a few
tables changed, and most of the snapshot's bytes are the incidents and their events: the
publish then copies the current snapshot file as it is (bytes, not rows: no table is rewritten),
replaces in the copy the tables the build rebuilt and, in the keyed marts, the rows of the
changed incidents, and swaps the copy in. It does so only when the current snapshot is the one
the previous build published (its ``build_info.build_id``); otherwise, or when the copy has
grown past twice the size of a fresh one, it publishes in full.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from opskpi import sql
from opskpi.etl.warehouse.incremental import ModelChanges
from opskpi.etl.warehouse.model_graph import KEYED_MARTS

# always copied again by a delta publish: they change with every sync or build
ALWAYS_REPUBLISHED = ("sync_runs", "build_info")
# a delta publish falls back to a full one past this growth of the snapshot file
MAX_GROWTH = 2.0


@dataclass(frozen=True)
class PublishResult:
    path: Path
    mode: str  # full | delta
    reason: str  # why full, or which tables a delta rewrote
    tables: tuple[str, ...] = ()  # tables rewritten (whole or by incident)


def publish(
    con: duckdb.DuckDBPyConnection,
    serving_path: Path,
    changes: ModelChanges | None = None,
    previous_build_id: int | None = None,
) -> Path:
    """Publish the snapshot (see the module doc); the path published."""
    return publish_snapshot(con, serving_path, changes, previous_build_id).path


def publish_snapshot(
    con: duckdb.DuckDBPyConnection,
    serving_path: Path,
    changes: ModelChanges | None = None,
    previous_build_id: int | None = None,
) -> PublishResult:
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(serving_path)
    reason = _full_reason(con, serving_path, changes, previous_build_id)
    tmp = serving_path.with_name(serving_path.name + f".tmp-{os.getpid()}")
    if reason is not None:
        _publish_full(con, tmp)
        os.replace(tmp, serving_path)
        return PublishResult(serving_path, "full", reason, sql.SERVED_TABLES)
    assert changes is not None
    shutil.copyfile(serving_path, tmp)
    try:
        tables = _publish_delta(con, tmp, changes)
    except BaseException:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        raise
    os.replace(tmp, serving_path)
    return PublishResult(serving_path, "delta", "incremental build", tables)


def _full_reason(
    con: duckdb.DuckDBPyConnection,
    serving_path: Path,
    changes: ModelChanges | None,
    previous_build_id: int | None,
) -> str | None:
    """Why the publish must be a full one, or None when a delta publish can be made."""
    if changes is None or changes.full:
        return "full build"
    if previous_build_id is None or not serving_path.is_file():
        return "no snapshot of the previous build"
    con.execute("attach ? as published (read_only)", [str(serving_path)])
    try:
        built = con.execute(
            "select count(*) from duckdb_columns() where database_name = 'published' "
            "and table_name = 'build_info' and column_name = 'build_id'"
        ).fetchall()[0][0]
        published_id = (
            con.execute("select max(build_id) from published.build_info").fetchall()[0][0]
            if built
            else None
        )
        size = con.execute(
            "select total_blocks, free_blocks from pragma_database_size() "
            "where database_name = 'published'"
        ).fetchall()
    finally:
        con.execute("detach published")
    if published_id != previous_build_id:
        return "the snapshot is not the previous build's"
    total, free = size[0] if size else (0, 0)
    if total and (total - free) * MAX_GROWTH < total:
        return "the snapshot file holds more free space than data"
    return None


def _publish_full(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
    con.execute("attach ? as serving", [str(tmp)])
    try:
        for table in sql.SERVED_TABLES:
            con.execute(f"create table serving.{table} as select * from {table}")
        con.execute("checkpoint serving")
    finally:
        con.execute("detach serving")


def _publish_delta(
    con: duckdb.DuckDBPyConnection, tmp: Path, changes: ModelChanges
) -> tuple[str, ...]:
    """Rewrite in the copy ``tmp`` what the build changed; the tables rewritten."""
    rewritten = []
    con.execute("attach ? as serving", [str(tmp)])
    try:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = 'serving'"
            ).fetchall()
        }
        con.execute("begin transaction")
        try:
            for table in sql.SERVED_TABLES:
                status = changes.status(table)
                if table in ALWAYS_REPUBLISHED or table not in present:
                    status = "replaced"
                if status == "replaced":
                    con.execute(f"create or replace table serving.{table} as select * from {table}")
                elif status == "keyed":
                    key = KEYED_MARTS[table]
                    keys = "select incident_key from build_changed_keys"
                    con.execute(f"delete from serving.{table} where {key} in ({keys})")
                    con.execute(
                        f"insert into serving.{table} by name "
                        f"select * from {table} where {key} in ({keys})"
                    )
                else:
                    continue
                rewritten.append(table)
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("commit")
        con.execute("checkpoint serving")
    finally:
        con.execute("detach serving")
    return tuple(rewritten)


def remove_stale_temp_files(serving_path: Path) -> list[Path]:
    """Delete the temp files of publishes that were killed (``<snapshot>.tmp-<pid>`` and their
    ``.wal``). Only the one writer publishes (the warehouse's lock), so none is in use."""
    removed = []
    for leftover in serving_path.parent.glob(f"{serving_path.name}.tmp-*"):
        if re.fullmatch(r"\d+(\.wal)?", leftover.name.rsplit(".tmp-", 1)[1]):
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return sorted(removed)
