"""What a connector is given to sync one source: where to land, its saved state, what it may
ask about what is landed, the clock, progress reporting. Connectors never open the database,
query it or read the config file themselves: they hand this context pages of records and, at
the end of a successful run, their streams' :class:`StreamState`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import duckdb

from opskpi.config import Settings
from opskpi.etl.warehouse import landed
from opskpi.etl.warehouse.connect import transaction
from opskpi.etl.warehouse.landing import (
    KeyFunc,
    LandResult,
    ParentFunc,
    Reject,
    clear_rejects,
    land,
    mark_missing_deleted,
    reject,
)
from opskpi.etl.warehouse.sync_state import StreamState, load_state, save_states


class Progress(Protocol):
    """Counts per object type as pages arrive (rendered with rich by the CLI)."""

    def advance(self, source: str, object_type: str, received: int) -> None: ...


class NullProgress:
    def advance(self, source: str, object_type: str, received: int) -> None:
        return None


@dataclass
class SyncContext:
    """One source's run. ``land`` writes a page at once (its own implicit transaction), so a
    run killed at any point leaves every landed page whole; the stream states in
    ``sync_state`` are only saved by the connector at the end of a successful run, so the next
    run redoes the unfinished window and, upserting by key, ends where an uninterrupted run
    would."""

    con: duckdb.DuckDBPyConnection  # the landing's, never the connector's
    settings: Settings
    source: str
    run_id: int
    full: bool
    started_at: datetime
    progress: Progress = field(default_factory=NullProgress)
    now: Callable[[], datetime] | None = None
    totals: dict[str, LandResult] = field(default_factory=dict)
    requests: int = 0

    def total(self, object_type: str) -> LandResult:
        return self.totals.setdefault(object_type, LandResult())

    # -- landing ----------------------------------------------------------------------------
    def land(
        self,
        object_type: str,
        records: Iterable[Any],
        *,
        key: KeyFunc | str = "id",
        parent_id: str | ParentFunc | None = None,
        location: str | None = None,
        snapshot: bool = False,
    ) -> LandResult:
        """Upsert a page of records (see :func:`opskpi.etl.warehouse.landing.land`)."""
        result = land(
            self.con,
            self.source,
            object_type,
            records,
            key=key,
            parent_id=parent_id,
            sync_run_id=self.run_id,
            location=location,
            snapshot=snapshot,
        )
        self.total(object_type).__iadd__(result)
        self.progress.advance(self.source, object_type, result.received)
        return result

    def reject(self, object_type: str, rejects: list[Reject]) -> int:
        count = reject(self.con, self.source, object_type, rejects, self.run_id)
        self.total(object_type).rejected += count
        return count

    @contextmanager
    def snapshot(self, object_type: str) -> Iterator[SnapshotLanding]:
        """Land the complete current set of ``object_type`` in parts, in one transaction.

        The type's previous rejects are replaced by the ones given in the block, and at its
        end the objects not landed in it are marked deleted; if the block raises, nothing of
        it stays.
        """
        with transaction(self.con):
            clear_rejects(self.con, self.source, object_type)
            snapshot = SnapshotLanding(self, object_type)
            yield snapshot
            self.total(object_type).deleted += mark_missing_deleted(
                self.con, self.source, object_type, snapshot.seen, datetime.now(UTC)
            )

    # -- what is landed ----------------------------------------------------------------------
    def landed_field(self, object_type: str, ids: list[str], field: str) -> dict[str, str | None]:
        """The landed value of a top-level ``field`` of each of ``ids`` that is landed."""
        return landed.landed_field(self.con, self.source, object_type, ids, field)

    def has_landed(self, object_type: str) -> bool:
        return landed.has_landed(self.con, self.source, object_type)

    def pagerduty_detail_candidates(
        self, kind: landed.DetailKind, checked_through_run: int
    ) -> list[str]:
        """PagerDuty incidents changed after ``checked_through_run`` (every one on a full run)
        whose alerts or custom fields are to be fetched."""
        return landed.pagerduty_detail_candidates(
            self.con, kind, full=self.full, checked_through_run=checked_through_run
        )

    # -- per-stream state (watermarks, objects to re-read, checkpoints) ------------------------
    def get_state(self, stream: str) -> StreamState | None:
        return load_state(self.con, self.source, stream)

    def set_state(self, stream: str, state: StreamState) -> None:
        save_states(self.con, self.source, {stream: state})

    def set_states(self, states: Mapping[str, StreamState]) -> None:
        """Save several streams' states together (one transaction)."""
        save_states(self.con, self.source, states)


class SnapshotLanding:
    """The parts of one snapshot landing (:meth:`SyncContext.snapshot`)."""

    def __init__(self, ctx: SyncContext, object_type: str) -> None:
        self.ctx = ctx
        self.object_type = object_type
        self.seen: set[str] = set()

    def land(self, records: list[dict[str, Any]], *, key: KeyFunc) -> LandResult:
        result = self.ctx.land(self.object_type, records, key=key)
        self.seen.update(k for k in map(key, records) if k is not None)
        return result

    def reject(self, rejects: list[Reject]) -> int:
        return self.ctx.reject(self.object_type, rejects) if rejects else 0


class Connector(Protocol):
    """A source: ``sync`` lands everything new or changed since its saved state."""

    name: str

    def sync(self, ctx: SyncContext) -> None: ...
