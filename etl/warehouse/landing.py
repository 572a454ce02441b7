"""Land API objects verbatim into ``raw_objects``, upserting by key, and keep what cannot be
landed in ``raw_rejects``. Every write to those two tables is in this module.

Every way in stages its records as one relation of ``(object_id, parent_id, payload)`` (plus
``seq``, the order of arrival, when a key may repeat) and goes through the one upsert below:

* :func:`land`: a page of Python records (a connector's page) as an Arrow table;
* :func:`land_ndjson`: a newline-delimited JSON file, staged inside DuckDB;
* :class:`StagedUpsert`: any relation staged by SQL (the bulk landing of page files in
  ``benchmarks/bulk_landing.py``).

The upsert keys on ``(source, object_type, object_id)``; an object whose payload is unchanged
(same ``payload_hash``: DuckDB's 64-bit ``hash`` of its text) is not rewritten, so re-syncing
unchanged data changes nothing, not even its run id; a key seen twice in one batch: the last
one wins. A record without a key goes to ``raw_rejects`` with the reason: nothing fetched is
lost. Inside DuckDB, a record's key and parent are read from one parse of its JSON
(:class:`KeyPaths`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

KeyFunc = Callable[[dict[str, Any]], str | None]
ParentFunc = Callable[[dict[str, Any]], str | None]

# The one upsert. ``{rows}`` selects (object_id, parent_id, payload) with one row per key; the
# hash is of the payload's text as staged (the JSON cast keeps the text as it is). The hash
# only tells a changed payload from an unchanged one (sql/migrations/0004_landing_payload_hash.sql).
_INSERT = """
insert into raw_objects
    (source, object_type, object_id, parent_id, payload, payload_hash, fetched_at, sync_run_id,
     deleted_at)
select $source, $type, object_id, parent_id, payload::json, hash(payload::varchar),
       $fetched_at, $run, null
from ({rows})
"""
_UPSERT = (
    _INSERT
    + """
on conflict do update set
    parent_id = excluded.parent_id,
    payload = excluded.payload,
    payload_hash = excluded.payload_hash,
    fetched_at = excluded.fetched_at,
    sync_run_id = excluded.sync_run_id,
    deleted_at = null
where raw_objects.payload_hash <> excluded.payload_hash or raw_objects.deleted_at is not null
"""
)

# The one insert of rejects. ``{rows}`` selects (location, reason, body, parent_id); a reject is
# keyed by its content (with its location), so the same reject again adds no row: a later run
# that rejects it again counts one more attempt (see ``settle_rejects``). ``parent_id``: the
# object a child record (a log line) came with, whose children a next run fetches again.
_REJECT = """
insert into raw_rejects
    (source, object_type, body_sha, location, reason, body, fetched_at, sync_run_id,
     record_sha, attempts, parent_id)
select $source, $type, body_sha, location, reason, body, $fetched_at, $run, record_sha, 1,
       parent_id
from (
    select sha256(coalesce(location, 'None') || chr(10) || reason || chr(10) || body)
               as body_sha,
           sha256(reason || chr(10) || body) as record_sha,
           location, reason, body, parent_id
    from ({rows})
)
qualify row_number() over (partition by body_sha) = 1
on conflict do update set
    attempts = case when raw_rejects.sync_run_id is not distinct from excluded.sync_run_id
                    then raw_rejects.attempts else raw_rejects.attempts + 1 end,
    sync_run_id = excluded.sync_run_id,
    fetched_at = excluded.fetched_at,
    parent_id = coalesce(excluded.parent_id, raw_rejects.parent_id)
"""

# a staged relation with one row per key, or the last row (by ``seq``) of each key
_ONE_PER_KEY = "select object_id, parent_id, payload from {staged} where object_id is not null"
_LAST_OF_KEY = """
select object_id, arg_max(parent_id, seq) as parent_id, arg_max(payload, seq) as payload
from {staged}
where object_id is not null
group by object_id
"""
_KEYLESS = """
select $location::varchar as location, $type || ' without an id' as reason,
       payload::varchar as body, null::varchar as parent_id
from {staged}
where object_id is null
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
    """A record that could not be landed, with where it came from and why; ``parent_id``: the
    object a child record came with (an alert of a log line), fetched again while it is
    pending (``etl/warehouse/landed.py``, ``parents_with_pending_rejects``)."""

    body: str
    reason: str
    location: str | None = None
    parent_id: str | None = None


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class KeyPaths:
    """Where a JSON object's key and parent are: JSON paths, all read from one parse of it.

    ``key``: one path, or several whose values are joined with ``/`` (an Opsgenie log line has
    no id: its alert and its offset key it); a missing or empty part leaves the object without
    a key, so it is rejected, as :func:`by_field` does for a page of Python records.
    ``parent``: the path of the parent's id, if any. Paths are the code's, never input.
    """

    key: tuple[str, ...] = ("$.id",)
    parent: str | None = None

    def parts(self, value: str) -> str:
        """SQL: every path's text in the JSON column ``value``, as one list (one parse)."""
        paths = [*self.key, *([self.parent] if self.parent else [])]
        return f"json_extract_string({value}, [{', '.join(map(_literal, paths))}])"

    def object_id(self, parts: str) -> str:
        """SQL: the key, from the list ``parts`` (see :meth:`parts`)."""
        pieces = [f"nullif({parts}[{n}], '')" for n in range(1, len(self.key) + 1)]
        return " || '/' || ".join(pieces)

    def parent_id(self, parts: str) -> str:
        """SQL: the parent's id, from the list ``parts``."""
        return f"{parts}[{len(self.key) + 1}]" if self.parent else "null::varchar"

    def select(self, value: str, source: str, *extra: str) -> str:
        """SQL: ``object_id``, ``parent_id``, the JSON column ``value`` as ``payload`` and the
        ``extra`` columns, from the relation ``source``, key and parent from one parse."""
        columns = ", ".join(
            [
                f"{self.object_id('key_parts')} as object_id",
                f"{self.parent_id('key_parts')} as parent_id",
                f"{value} as payload",
                *extra,
            ]
        )
        return f"select {columns} from (select *, {self.parts(value)} as key_parts from {source})"


BY_ID = KeyPaths()  # keyed by ``id``, no parent


def by_field(name: str) -> KeyFunc:
    def key(record: dict[str, Any]) -> str | None:
        value = record.get(name)
        return None if value is None or value == "" else str(value)

    return key


def _count(con: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any]) -> int:
    """The count a statement reports (fetched whole: see ``opskpi.sql.session``)."""
    rows = con.execute(query, params).fetchall()
    return int(rows[0][0]) if rows else 0


def _bound(
    source: str, object_type: str, fetched_at: datetime, sync_run_id: int | None
) -> dict[str, Any]:
    return {"source": source, "type": object_type, "fetched_at": fetched_at, "run": sync_run_id}


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


class StagedUpsert:
    """The upsert of staged relations of one object type into ``raw_objects``.

    A staged relation has the columns ``object_id`` (null: the record has no key, it is
    rejected), ``parent_id``, ``payload`` (JSON text) and, unless each key is there once,
    ``seq`` (the last of a key wins).

    ``insert_first``: DuckDB 2.0 plans ON CONFLICT as a MERGE whose join scans the whole of
    ``raw_objects``, so each batch costs time in proportion to the table. A batch of new keys
    can take the plain INSERT (the primary key's index finds conflicts); only a batch that
    meets a key already landed takes the upsert, then and for every later batch, with the same
    rows as the upsert gives. Only outside an explicit transaction: the failed INSERT would
    abort it.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        source: str,
        object_type: str,
        *,
        sync_run_id: int | None = None,
        fetched_at: datetime | None = None,
        insert_first: bool = False,
    ) -> None:
        self.con = con
        self.source = source
        self.object_type = object_type
        self.bound = _bound(source, object_type, fetched_at or datetime.now(UTC), sync_run_id)
        self.insert_first = insert_first

    def land(self, staged: str, *, location: str | None = None) -> LandResult:
        """Upsert the rows of the relation named ``staged``; reject its keyless rows."""
        received, keyed, distinct = self.con.execute(
            f"select count(*), count(object_id), count(distinct object_id) from {staged}"
        ).fetchall()[0]
        # aggregating (the last of each key wins) copies every payload: only when needed
        rows = (_ONE_PER_KEY if keyed == distinct else _LAST_OF_KEY).format(staged=staged)
        result = LandResult(received=received, changed=self.upsert(rows))
        if keyed < received:
            result.rejected = _count(
                self.con,
                _REJECT.format(rows=_KEYLESS.format(staged=staged)),
                {**self.bound, "location": location},
            )
        return result

    def insert_new(self, rows: str, params: dict[str, Any] | None = None) -> int | None:
        """The plain INSERT of ``rows`` (a SELECT of object_id, parent_id, payload) if every
        row has a key, no key repeats and none is landed yet: the count of rows. Otherwise
        the statement fails as a whole, nothing is written, and None says so: the caller
        stages the rows for :meth:`land`, which rejects, keeps the last of a key and upserts.

        No staging, no count of keys: the cheapest way in for a backfill of new objects.
        Only with ``insert_first`` (outside an explicit transaction, see the class)."""
        if not self.insert_first:
            return None
        try:
            return _count(self.con, _INSERT.format(rows=rows), {**self.bound, **(params or {})})
        except duckdb.ConstraintException:
            return None

    def upsert(self, rows: str) -> int:
        """Upsert ``rows`` (a SELECT of object_id, parent_id, payload, one row per key)."""
        if self.insert_first:
            try:
                return _count(self.con, _INSERT.format(rows=rows), self.bound)
            except duckdb.ConstraintException:
                self.insert_first = False
        return _count(self.con, _UPSERT.format(rows=rows), self.bound)


def land(
    con: duckdb.DuckDBPyConnection,
    source: str,
    object_type: str,
    records: Iterable[Any],
    *,
    key: KeyFunc | str = "id",
    parent_id: str | ParentFunc | None = None,
    sync_run_id: int | None = None,
    fetched_at: datetime | None = None,
    location: str | None = None,
    snapshot: bool = False,
) -> LandResult:
    """Upsert ``records`` (API objects) as ``(source, object_type, key(record))``.

    ``snapshot=True`` means the records are the complete current set of this object type
    (e.g. every Argo CD application): objects not among them are marked deleted.
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
        page = pa.table(
            {
                "object_id": pa.array(ids, pa.string()),
                "parent_id": pa.array([latest[i][0] for i in ids], pa.string()),
                "payload": pa.array([latest[i][1] for i in ids], pa.string()),
            }
        )
        upsert = StagedUpsert(
            con, source, object_type, sync_run_id=sync_run_id, fetched_at=fetched_at
        )
        with _registered(con, "landing_page", page):
            result.changed = upsert.upsert(_ONE_PER_KEY.format(staged="landing_page"))
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
    table = pa.table(
        {
            "location": pa.array([r.location for r in rejects], pa.string()),
            "reason": pa.array([r.reason for r in rejects], pa.string()),
            "body": pa.array([r.body for r in rejects], pa.string()),
            "parent_id": pa.array([r.parent_id for r in rejects], pa.string()),
        }
    )
    bound = _bound(source, object_type, fetched_at or datetime.now(UTC), sync_run_id)
    with _registered(con, "landing_rejects", table):
        rows = "select location, reason, body, parent_id from landing_rejects"
        return _count(con, _REJECT.format(rows=rows), bound)


def clear_rejects(con: duckdb.DuckDBPyConnection, source: str, object_type: str) -> int:
    """Forget an object type's rejects (a snapshot source re-reports the ones still there)."""
    return _count(
        con,
        "delete from raw_rejects where source = $source and object_type = $type",
        {"source": source, "type": object_type},
    )


def mark_missing_deleted(
    con: duckdb.DuckDBPyConnection,
    source: str,
    object_type: str,
    present: set[str],
    when: datetime,
) -> int:
    """Mark the objects of a snapshot-type source that are not in ``present`` deleted."""
    keep = pa.table({"object_id": pa.array(sorted(present), pa.string())})
    with _registered(con, "present_ids", keep):
        return _count(
            con,
            """
            update raw_objects set deleted_at = $when
            where source = $source and object_type = $type and deleted_at is null
              and object_id not in (select object_id from present_ids)
            """,
            {"when": when, "source": source, "type": object_type},
        )


def mark_listed_deleted(con: duckdb.DuckDBPyConnection, keys: str, when: datetime) -> int:
    """Mark deleted the objects whose ``(source, object_type, object_id)`` are rows of the table
    ``keys`` (a trusted name, not input): what a source that no longer sees them does, for the
    benchmark's sync-to-fresh (benchmarks/fresh.py)."""
    return _count(
        con,
        f"""
        update raw_objects set deleted_at = $when
        from {keys} as listed
        where raw_objects.source = listed.source and raw_objects.object_type = listed.object_type
          and raw_objects.object_id = listed.object_id
        """,
        {"when": when},
    )


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
    """Land a newline-delimited JSON file entirely inside DuckDB (no Python per record);
    return the number of objects new or changed.

    Used for bulk backfills; each line's text is its payload, as :func:`land` lands the
    compact JSON of a record. Lines without an id are rejected, not dropped.
    """
    keys = KeyPaths((id_path,), parent_path)
    lines = "(select json, ordinality as seq from read_ndjson_objects($path) with ordinality)"
    con.execute(
        f"create or replace temp table ndjson_page as {keys.select('json::varchar', lines, 'seq')}",
        {"path": str(path)},
    )
    try:
        upsert = StagedUpsert(con, source, object_type, sync_run_id=sync_run_id)
        return upsert.land("ndjson_page", location=str(path)).changed
    finally:
        con.execute("drop table if exists ndjson_page")


# -- retrying rejects ---------------------------------------------------------------------------
# A run that rejects a record keeps its stream's watermark where it was (``etl/context.py``), so
# the next run reads the same window again: the record lands then (its reject is deleted), or
# is rejected once more. After ``[sync] reject_retries`` more runs it is quarantined: kept, shown
# on the data-health page, and no longer holding the watermark. Object types landed as
# snapshots replace their rejects on every run (they re-read everything) and take no part.

# this run's rejects of a source, with the attempts they reach counting earlier runs' copies of
# the same record (found on another page, e.g. a window with a later end)
_THIS_RUN = """
with earlier as (
    select object_type, record_sha, max(attempts) as attempts
    from raw_rejects
    where source = $source and sync_run_id < $run
    group by all
)
select r.object_type, r.body_sha, r.quarantined_at,
       greatest(r.attempts, 1 + coalesce(e.attempts, 0)) as attempts
from raw_rejects as r
left join earlier as e using (object_type, record_sha)
where r.source = $source and r.sync_run_id = $run
  and not list_contains($snapshot_types, r.object_type)
"""


def rejects_to_retry(
    con: duckdb.DuckDBPyConnection,
    source: str,
    run_id: int,
    *,
    retries: int,
    snapshot_types: list[str],
) -> int:
    """This run's rejects of ``source`` that the next run is to fetch again: not quarantined,
    and rejected by at most ``retries`` runs so far."""
    return _count(
        con,
        f"select count(*) from ({_THIS_RUN}) where quarantined_at is null and attempts <= $retries",
        {"source": source, "run": run_id, "retries": retries, "snapshot_types": snapshot_types},
    )


@dataclass
class RejectsSettled:
    resolved: int = 0  # rejected by an earlier run, not by this one: landed (or gone)
    retrying: int = 0  # to fetch again on the next run
    quarantined: int = 0  # given up on by this run


def settle_rejects(
    con: duckdb.DuckDBPyConnection,
    source: str,
    run_id: int,
    *,
    retries: int,
    snapshot_types: list[str],
    when: datetime | None = None,
) -> RejectsSettled:
    """At the end of a successful run of ``source``, which re-read the windows of the records
    earlier runs rejected: this run's copy of a record takes over its attempts, the rejects it
    did not meet again are deleted (they landed, or are gone upstream), and those rejected by
    more than ``retries`` runs are quarantined."""
    bound = {"source": source, "run": run_id, "snapshot_types": snapshot_types}
    con.execute(
        f"create or replace temp table settled_rejects as "
        f"select object_type, body_sha, attempts from ({_THIS_RUN})",
        bound,
    )
    try:
        con.execute(
            """
            update raw_rejects set attempts = s.attempts
            from settled_rejects as s
            where raw_rejects.source = $source and raw_rejects.object_type = s.object_type
              and raw_rejects.body_sha = s.body_sha
            """,
            {"source": source},
        )
        # earlier copies of a record rejected again by this run (on another page)
        con.execute(
            """
            delete from raw_rejects as old
            where old.source = $source and old.sync_run_id < $run
              and not list_contains($snapshot_types, old.object_type)
              and exists (
                  select 1 from raw_rejects as new
                  where new.source = $source and new.sync_run_id = $run
                    and new.object_type = old.object_type and new.record_sha = old.record_sha)
            """,
            bound,
        )
        resolved = _count(
            con,
            """
            delete from raw_rejects
            where source = $source and sync_run_id < $run and quarantined_at is null
              and not list_contains($snapshot_types, object_type)
            """,
            bound,
        )
        quarantined = _count(
            con,
            """
            update raw_rejects set quarantined_at = $when
            where source = $source and sync_run_id = $run and quarantined_at is null
              and attempts > $retries and not list_contains($snapshot_types, object_type)
            """,
            {**bound, "retries": retries, "when": when or datetime.now(UTC)},
        )
    finally:
        con.execute("drop table if exists settled_rejects")
    retrying = rejects_to_retry(con, source, run_id, retries=retries, snapshot_types=snapshot_types)
    return RejectsSettled(resolved, retrying, quarantined)
