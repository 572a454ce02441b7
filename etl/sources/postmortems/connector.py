"""Postmortem files and the corrective-actions CSV, landed as full snapshots.

Each run reads every file: objects whose file (or CSV row) is gone are marked deleted, so they
leave the KPIs. Every problem the readers report becomes a ``raw_rejects`` row located at
``file:line``; the rejects are replaced on each run (they describe the files as they are now),
so a fixed file leaves the data-health view too. Landing and rejects of one object type are one
transaction: a run killed half-way leaves the previous state whole. Files are read and landed in
chunks, so a folder of hundreds of thousands of postmortems never sits in memory at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from opskpi.config import Settings
from opskpi.etl.context import SyncContext
from opskpi.etl.errors import ConfigurationError
from opskpi.etl.sources.postmortems import ReadError, iter_postmortems, read_actions_csv
from opskpi.etl.warehouse.landing import Reject, by_field

CHUNK = 2_000


def action_key(action: dict[str, Any]) -> str:
    """CSV rows have no stable id of their own (ids repeat or are missing): file and line."""
    return f"{action.get('file')}#{action.get('line')}"


def reject_of(error: ReadError) -> Reject:
    location = error.path if error.line is None else f"{error.path}:{error.line}"
    body = json.dumps({"path": error.path, "line": error.line}, separators=(",", ":"))
    return Reject(body=body, reason=error.reason, location=location)


class PostmortemsConnector:
    name = "postmortems"

    def __init__(self, settings: Settings) -> None:
        if settings.model.postmortems is None:
            raise ConfigurationError("[postmortems] is not configured")
        self.settings = settings
        self.folder = settings.resolve(settings.model.postmortems.path)
        csv = settings.model.postmortems.actions_csv
        self.actions_csv = settings.resolve(csv) if csv is not None else None
        self.max_file_size = settings.model.postmortems.max_file_size

    def sync(self, ctx: SyncContext) -> None:
        postmortems = iter_postmortems(self.folder, max_file_size=self.max_file_size)
        self._land_snapshot(ctx, "postmortem", postmortems, by_field("id"))
        items: list[dict[str, Any] | ReadError] = []
        if self.actions_csv is not None:
            actions, action_errors = read_actions_csv(
                self.actions_csv, max_file_size=self.max_file_size
            )
            items = [*actions, *action_errors]
        # with no CSV configured any more, the actions it gave leave the KPIs as well
        self._land_snapshot(ctx, "action", items, action_key)

    def _land_snapshot(
        self,
        ctx: SyncContext,
        object_type: str,
        items: Iterable[dict[str, Any] | ReadError],
        key: Callable[[dict[str, Any]], str | None],
    ) -> None:
        """Land every record of ``items`` (in chunks), mark the objects not among them deleted,
        and replace this object type's rejects with ``items``' errors — in one transaction."""
        with ctx.snapshot(object_type) as snapshot:
            rejects: list[Reject] = []
            for chunk in _chunks(items, CHUNK):
                snapshot.land([item for item in chunk if isinstance(item, dict)], key=key)
                rejects.extend(reject_of(i) for i in chunk if isinstance(i, ReadError))
            snapshot.reject(rejects)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
