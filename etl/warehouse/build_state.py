"""What the last build was made from, kept in the warehouse's ``build_state`` table (never
served): its id, the raw high-water mark it read up to, and a fingerprint of every model's SQL
and every ``cfg_*`` table. The next build re-models only what changed since (see
``etl/warehouse/incremental.py``); a missing or older state means a full build.

The raw high-water mark: the highest ``sync_run_id``, ``fetched_at`` and ``deleted_at`` of
``raw_objects``. A row is new to the next build when its run id, fetch time or deletion time is
beyond them: every sync run takes a new, higher run id, and every landing or snapshot deletion
stamps the time it happened (docs/architecture.md, "Incremental build").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb

# bump when the way the build keeps its tables changes: the next build is then a full one
BUILD_LOGIC = "1"


@dataclass(frozen=True)
class RawMark:
    """The raw high-water mark: the newest run id, fetch time and deletion time landed."""

    run_id: int | None = None
    fetched_at: datetime | None = None
    deleted_at: datetime | None = None


@dataclass
class BuildState:
    build_id: int = 0
    logic: str | None = None
    schema_version: int | None = None
    mark: RawMark = field(default_factory=RawMark)
    fingerprints: dict[str, str] = field(default_factory=dict)  # "model:x" / "cfg:x" → hash


def current_mark(con: duckdb.DuckDBPyConnection) -> RawMark:
    row = con.execute(
        "select max(sync_run_id), max(fetched_at), max(deleted_at) from raw_objects"
    ).fetchall()[0]
    return RawMark(row[0], row[1], row[2])


def load_state(con: duckdb.DuckDBPyConnection) -> BuildState | None:
    """The state the last build saved, or None (never built, or built by an opskpi that kept
    none)."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where table_name = 'build_state' "
        "and schema_name = 'main' and database_name = current_database()"
    ).fetchall()[0][0]
    if not exists:
        return None
    rows = dict(con.execute("select name, value from build_state").fetchall())
    if "build_id" not in rows:
        return None
    mark = con.execute(
        "select try_cast($run as bigint), try_cast($fetched as timestamptz), "
        "try_cast($deleted as timestamptz)",
        {
            "run": rows.get("raw_run_id"),
            "fetched": rows.get("raw_fetched_at"),
            "deleted": rows.get("raw_deleted_at"),
        },
    ).fetchall()[0]
    return BuildState(
        build_id=int(rows["build_id"]),
        logic=rows.get("logic"),
        schema_version=int(rows["schema_version"]) if rows.get("schema_version") else None,
        mark=RawMark(mark[0], mark[1], mark[2]),
        fingerprints={k: v for k, v in rows.items() if k.startswith(("model:", "cfg:"))},
    )


def save_state(con: duckdb.DuckDBPyConnection, state: BuildState) -> None:
    def iso(moment: datetime | None) -> str | None:
        return None if moment is None else moment.isoformat()

    rows: dict[str, str | None] = {
        "build_id": str(state.build_id),
        "logic": state.logic,
        "schema_version": None if state.schema_version is None else str(state.schema_version),
        "raw_run_id": None if state.mark.run_id is None else str(state.mark.run_id),
        "raw_fetched_at": iso(state.mark.fetched_at),
        "raw_deleted_at": iso(state.mark.deleted_at),
        **state.fingerprints,
    }
    con.execute("create or replace table build_state (name varchar primary key, value varchar)")
    con.executemany("insert into build_state values (?, ?)", list(rows.items()))
