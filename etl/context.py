"""What a connector is given to sync one source: where to land, its saved state, what it may
ask about what is landed, the clock, progress reporting. Connectors never open the database,
query it or read the config file themselves: they hand this context pages of records and, at
the end of a successful run, their streams' :class:`StreamState`.

A whole source run is one transaction (``etl/sync.py``): what it lands, rejects and saves
becomes visible together when the run succeeds, and not at all when it fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
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
    rejects_to_retry,
)
from opskpi.etl.warehouse.sync_state import StreamState, load_state, save_states

log = logging.getLogger("opskpi.sync")


class Progress(Protocol):
    """Counts per object type as pages arrive (rendered with rich by the CLI)."""

    def advance(self, source: str, object_type: str, received: int) -> None: ...


class NullProgress:
    def advance(self, source: str, object_type: str, received: int) -> None:
        return None


@dataclass
class SyncContext:
    """One source's run. ``land`` writes a page at once, inside the run's transaction: a run
    that fails or is killed leaves nothing of itself, and readers keep the last successful
    run's data. The stream states in ``sync_state`` are saved by the connector at the end of a
    successful run, so the next run starts from the last successful one and, upserting by
    key, ends where an uninterrupted run would.

    A run that rejected records (no id, not an object) saves its streams' states with the
    watermark (and details checkpoint) of the run before, so the next run reads the same
    window again and the records land once the source sends them whole; after ``[sync]
    reject_retries`` runs a record is quarantined and no longer holds the watermark
    (``etl.warehouse.landing.settle_rejects``).
    """

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
    # object types landed as snapshots (their rejects are replaced on every run, never retried)
    snapshot_types: set[str] = field(default_factory=set)
    # each stream's state as this run found it (the watermark a reject holds the next run at)
    initial_states: dict[str, StreamState | None] = field(default_factory=dict)

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
        self.snapshot_types.add(object_type)
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

    def parents_with_pending_rejects(self, child_type: str, parent_ids: list[str]) -> set[str]:
        """The ids among ``parent_ids`` whose ``child_type`` children an earlier run rejected
        and are still to be fetched again (not quarantined): count them as changed."""
        return landed.parents_with_pending_rejects(
            self.con, self.source, child_type, parent_ids, before_run=self.run_id
        )

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
        state = load_state(self.con, self.source, stream)
        self.initial_states.setdefault(stream, state)
        return state

    def set_state(self, stream: str, state: StreamState) -> None:
        self.set_states({stream: state})

    def set_states(self, states: Mapping[str, StreamState]) -> None:
        """Save several streams' states together (one transaction); while this run has
        rejected records to fetch again, with the watermarks the run started from."""
        for stream in states:
            if stream not in self.initial_states:
                self.initial_states[stream] = load_state(self.con, self.source, stream)
        pending = self.rejects_to_retry()
        if pending:
            log.warning(
                "%s: %d rejected record(s) to fetch again: the next run reads the same "
                "window(s) again",
                self.source,
                pending,
            )
            states = {stream: self._held(stream, state) for stream, state in states.items()}
        save_states(self.con, self.source, states)

    def rejects_to_retry(self) -> int:
        """This run's rejected records that the next run is to fetch again."""
        return rejects_to_retry(
            self.con,
            self.source,
            self.run_id,
            retries=self.settings.model.sync.reject_retries,
            snapshot_types=sorted(self.snapshot_types),
        )

    def _held(self, stream: str, state: StreamState) -> StreamState:
        before = self.initial_states.get(stream) or StreamState()
        return replace(
            state, watermark=before.watermark, checked_through_run=before.checked_through_run
        )


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
