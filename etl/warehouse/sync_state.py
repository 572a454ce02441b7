"""What an incremental stream keeps between runs (``sync_state``), in one shape for every
source: :class:`StreamState`, stored as one JSON object per ``(source, stream)``.

A connector reads its streams' states at the start of a run and saves the new ones only at
the end of a successful run (docs/architecture.md): a run that fails or is killed leaves the
previous states, and the next run redoes what it did not finish. Rows saved before this shape
are rewritten into it by ``sql/migrations/0002_sync_state_shape.sql``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from opskpi.etl.errors import DataError
from opskpi.etl.warehouse.connect import transaction
from opskpi.sql.session import first_row

_FIELDS = ("watermark", "open_ids", "gone_ids", "checked_through_run")


@dataclass(frozen=True)
class StreamState:
    """Where a stream's next run starts and what it must look at again.

    * ``watermark``: the next run lists from here, minus ``[sync] lookback`` (None: from
      ``initial_lookback``);
    * ``open_ids``: objects still open at the last run, re-read when the next listing does not
      show them;
    * ``gone_ids``: objects that answered 404 when re-read: never asked for again;
    * ``checked_through_run``: changes landed by runs up to this one have been followed up
      (PagerDuty's per-incident details).
    """

    watermark: datetime | None = None
    open_ids: tuple[str, ...] = ()
    gone_ids: tuple[str, ...] = ()
    checked_through_run: int = 0

    def to_json(self) -> str:
        return json.dumps(
            {
                "watermark": None if self.watermark is None else self.watermark.isoformat(),
                "open_ids": list(self.open_ids),
                "gone_ids": list(self.gone_ids),
                "checked_through_run": self.checked_through_run,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str, where: str) -> StreamState:
        """A stored state; ``where`` names it in errors (``sync_state pagerduty/incidents``)."""
        value = json.loads(text)
        if not isinstance(value, dict):
            raise DataError(f"{where}: expected a JSON object, found {type(value).__name__}")
        unknown = sorted(set(value) - set(_FIELDS))
        if unknown:
            raise DataError(f"{where}: unknown field(s) {', '.join(unknown)}")
        return cls(
            watermark=_watermark(value.get("watermark"), where),
            open_ids=_ids(value.get("open_ids", []), f"{where}: open_ids"),
            gone_ids=_ids(value.get("gone_ids", []), f"{where}: gone_ids"),
            checked_through_run=_run(value.get("checked_through_run", 0), where),
        )


def _watermark(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    moment = None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        raise DataError(f"{where}: watermark {value!r} is not an ISO 8601 time with an offset")
    return moment


def _ids(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(i, str) for i in value):
        raise DataError(f"{where}: expected a list of ids (strings), found {value!r}")
    return tuple(value)


def _run(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DataError(f"{where}: checked_through_run {value!r} is not a run id")
    return value


def load_state(con: duckdb.DuckDBPyConnection, source: str, stream: str) -> StreamState | None:
    """The state saved for ``source``/``stream``; None if none was saved yet."""
    row = first_row(
        con,
        "select state from sync_state where source = ? and stream = ?",
        [source, stream],
    )
    if row is None:
        return None
    return StreamState.from_json(row[0], f"sync_state {source}/{stream}")


def save_states(
    con: duckdb.DuckDBPyConnection, source: str, states: Mapping[str, StreamState]
) -> None:
    """Save several streams' states of ``source`` at once (one transaction)."""
    with transaction(con):
        for stream, state in states.items():
            con.execute(
                """
                insert into sync_state values (?, ?, ?, now())
                on conflict do update set state = excluded.state, updated_at = excluded.updated_at
                """,
                [source, stream, state.to_json()],
            )
