"""What a connector is given to sync one source: where to land, its saved state, the clock,
progress reporting. Connectors never open the database or read the config file themselves."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import duckdb
from opskpi.config import Settings
from opskpi.etl.warehouse.landing import KeyFunc, LandResult, Reject, land, reject
from opskpi.sql.session import first_row


class Progress(Protocol):
    """Counts per object type as pages arrive (rendered with rich by the CLI)."""

    def advance(self, source: str, object_type: str, received: int) -> None: ...


class NullProgress:
    def advance(self, source: str, object_type: str, received: int) -> None:
        return None


@dataclass
class SyncContext:
    """One source's run. ``land`` writes a page at once (its own implicit transaction), so a
    run killed at any point leaves every landed page whole; the watermark in ``sync_state`` is
    only saved by the connector at the end of a successful run, so the next run redoes the
    unfinished window and, upserting by key, ends where an uninterrupted run would."""

    con: duckdb.DuckDBPyConnection
    settings: Settings
    source: str
    run_id: int
    full: bool
    started_at: datetime
    progress: Progress = field(default_factory=NullProgress)
    now: Callable[[], datetime] | None = None
    totals: dict[str, LandResult] = field(default_factory=dict)
    requests: int = 0

    def land(
        self,
        object_type: str,
        records: Iterable[Any],
        *,
        key: KeyFunc | str = "id",
        parent_id: str | Callable[[dict[str, Any]], str | None] | None = None,
        location: str | None = None,
        snapshot: bool = False,
    ) -> LandResult:
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
        self.totals.setdefault(object_type, LandResult()).__iadd__(result)
        self.progress.advance(self.source, object_type, result.received)
        return result

    def reject(self, object_type: str, rejects: list[Reject]) -> int:
        count = reject(self.con, self.source, object_type, rejects, self.run_id)
        self.totals.setdefault(object_type, LandResult()).rejected += count
        return count

    # -- per-stream state (watermarks, open incidents to re-fetch, last history ids) -----------
    def get_state(self, stream: str) -> dict[str, Any] | None:
        row = first_row(
            self.con,
            "select state from sync_state where source = ? and stream = ?",
            [self.source, stream],
        )
        if row is None:
            return None
        return json.loads(row[0])

    def set_state(self, stream: str, state: dict[str, Any]) -> None:
        self.con.execute(
            """
            insert into sync_state values (?, ?, ?, now())
            on conflict do update set state = excluded.state, updated_at = excluded.updated_at
            """,
            [self.source, stream, json.dumps(state, sort_keys=True, default=str)],
        )


class Connector(Protocol):
    """A source: ``sync`` lands everything new or changed since its saved state."""

    name: str

    def sync(self, ctx: SyncContext) -> None: ...
