"""Land API objects verbatim into ``raw_objects``, in bulk, upserting by key.

A page of records becomes one Arrow table and one ``INSERT ... ON CONFLICT`` statement; an
object whose payload is unchanged (same sha256) is not rewritten, so re-syncing unchanged data
changes nothing. Records that cannot be landed (no id, not an object) go to ``raw_rejects``
with the reason: nothing fetched is lost.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from opskpi.sql.session import scalar

KeyFunc = Callable[[dict[str, Any]], str | None]

_UPSERT = """
insert into raw_objects
select source, object_type, object_id, parent_id, payload::json, payload_sha,
       fetched_at, sync_run_id, null
from page
on conflict do update set
    parent_id = excluded.parent_id,
    payload = excluded.payload,
    payload_sha = excluded.payload_sha,
    fetched_at = excluded.fetched_at,
    sync_run_id = excluded.sync_run_id,
    deleted_at = null
where raw_objects.payload_sha <> excluded.payload_sha or raw_objects.deleted_at is not null
"""

_REJECT = """
insert into raw_rejects
select source, object_type, body_sha, location, reason, body, fetched_at, sync_run_id from rejects
on conflict do nothing
"""


@dataclass
class LandResult:
    received: int = 0
    changed: int = 0  # inserted, or updated because the payload changed
    rejected: int = 0
    deleted: int = 0  # marked deleted by a snapshot landing

    def __iadd__(self, other: LandResult) -> LandResult:
        self.received += other.received
        self.changed += other.changed
        self.rejected += other.rejected
        self.deleted += other.deleted
        return self


@dataclass(frozen=True)
class Reject:
    """A record that could not be landed, with where it came from and why."""

    body: str
    reason: str
    location: str | None = None


def by_field(name: str) -> KeyFunc:
    def key(record: dict[str, Any]) -> str | None:
        value = record.get(name)
        return None if value is None or value == "" else str(value)

    return key


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def land(
    con: duckdb.DuckDBPyConnection,
    source: str,
    object_type: str,
    records: Iterable[Any],
    *,
    key: KeyFunc | str = "id",
    parent_id: str | Callable[[dict[str, Any]], str | None] | None = None,
    sync_run_id: int | None = None,
    fetched_at: datetime | None = None,
    location: str | None = None,
    snapshot: bool = False,
) -> LandResult:
    """Upsert ``records`` (API objects) as ``(source, object_type, key(record))``.

    ``snapshot=True`` means the records are the complete current set of this object type
    (e.g. every postmortem file): objects not among them are marked deleted.
    """
    keyfunc = by_field(key) if isinstance(key, str) else key
    fetched_at = fetched_at or datetime.now(UTC)
    latest: dict[str, tuple[str | None, str]] = {}
    rejects: list[Reject] = []
    received = 0
    for record in records:
        received += 1
        if not isinstance(record, dict):
            body = json.dumps(record, ensure_ascii=False, default=str)
            rejects.append(Reject(body, f"not a JSON object: {type(record).__name__}", location))
            continue
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
        object_id = keyfunc(record)
        if object_id is None:
            rejects.append(Reject(text, f"{object_type} without an id", location))
            continue
        parent = parent_id(record) if callable(parent_id) else parent_id
        latest[object_id] = (parent, text)  # a key seen twice in one page: the last wins
    result = LandResult(received=received)
    if latest:
        ids = list(latest)
        texts = [latest[i][1] for i in ids]
        page = pa.table(
            {
                "source": pa.array([source] * len(ids), pa.string()),
                "object_type": pa.array([object_type] * len(ids), pa.string()),
                "object_id": pa.array(ids, pa.string()),
                "parent_id": pa.array([latest[i][0] for i in ids], pa.string()),
                "payload": pa.array(texts, pa.string()),
                "payload_sha": pa.array([_sha(t) for t in texts], pa.string()),
                "fetched_at": pa.array([fetched_at] * len(ids), pa.timestamp("us", tz="UTC")),
                "sync_run_id": pa.array([sync_run_id] * len(ids), pa.int64()),
            }
        )
        con.register("page", page)
        try:
            result.changed = scalar(con, _UPSERT)
        finally:
            con.unregister("page")
    if snapshot:
        result.deleted = mark_missing_deleted(con, source, object_type, set(latest), fetched_at)
    if rejects:
        result.rejected = reject(con, source, object_type, rejects, sync_run_id, fetched_at)
    return result


def reject(
    con: duckdb.DuckDBPyConnection,
    source: str,
    object_type: str,
    rejects: list[Reject],
    sync_run_id: int | None,
    fetched_at: datetime | None = None,
) -> int:
    """Keep records that could not be landed, verbatim, with the reason."""
    fetched_at = fetched_at or datetime.now(UTC)
    table = pa.table(
        {
            "source": [source] * len(rejects),
            "object_type": [object_type] * len(rejects),
            "body_sha": [_sha(f"{r.location}\n{r.reason}\n{r.body}") for r in rejects],
            "location": [r.location for r in rejects],
            "reason": [r.reason for r in rejects],
            "body": [r.body for r in rejects],
            "fetched_at": pa.array([fetched_at] * len(rejects), pa.timestamp("us", tz="UTC")),
            "sync_run_id": pa.array([sync_run_id] * len(rejects), pa.int64()),
        }
    )
    con.register("rejects", table)
    try:
        return scalar(con, _REJECT)
    finally:
        con.unregister("rejects")


def mark_missing_deleted(
    con: duckdb.DuckDBPyConnection,
    source: str,
    object_type: str,
    present: set[str],
    when: datetime,
) -> int:
    keep = pa.table({"object_id": pa.array(sorted(present), pa.string())})
    con.register("present_ids", keep)
    try:
        return scalar(
            con,
            """
            update raw_objects set deleted_at = ?
            where source = ? and object_type = ? and deleted_at is null
              and object_id not in (select object_id from present_ids)
            """,
            [when, source, object_type],
        )
    finally:
        con.unregister("present_ids")


def land_ndjson(
    con: duckdb.DuckDBPyConnection,
    source: str,
    object_type: str,
    path: Path,
    *,
    id_path: str = "$.id",
    parent_path: str | None = None,
    sync_run_id: int | None = None,
) -> int:
    """Land a newline-delimited JSON page file entirely inside DuckDB (no Python per record).

    Used for bulk backfills and the benchmark; lines without an id are rejected, not dropped.
    """
    parent_expr = "json_extract_string(json, $parent)" if parent_path else "null"
    con.execute(
        f"""
        create or replace temp table ndjson_page as
        select json_extract_string(json, $id) as object_id, {parent_expr} as parent_id,
               json::varchar as payload
        from read_ndjson_objects($path)
        """,
        {"id": id_path, "path": str(path), **({"parent": parent_path} if parent_path else {})},
    )
    try:
        con.execute(
            """
            insert into raw_rejects
            select $source, $type, sha256(payload), $path, $type || ' without an id', payload,
                   now(), $run
            from ndjson_page where object_id is null
            on conflict do nothing
            """,
            {"source": source, "type": object_type, "path": str(path), "run": sync_run_id},
        )
        return scalar(
            con,
            """
            insert into raw_objects
            select $source, $type, object_id, any_value(parent_id), any_value(payload)::json,
                   sha256(any_value(payload)), now(), $run, null
            from ndjson_page where object_id is not null
            group by object_id
            on conflict do update set
                parent_id = excluded.parent_id, payload = excluded.payload,
                payload_sha = excluded.payload_sha, fetched_at = excluded.fetched_at,
                sync_run_id = excluded.sync_run_id, deleted_at = null
            where raw_objects.payload_sha <> excluded.payload_sha
               or raw_objects.deleted_at is not null
            """,
            {"source": source, "type": object_type, "run": sync_run_id},
        )
    finally:
        con.execute("drop table if exists ndjson_page")
