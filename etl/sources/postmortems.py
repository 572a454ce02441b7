"""Postmortem files and the corrective-actions CSV → ``raw_objects``, as full snapshots.

Each run reads every file: objects whose file (or CSV row) is gone are marked deleted, so they
leave the KPIs. Every problem the readers report becomes a ``raw_rejects`` row located at
``file:line``; the rejects are replaced on each run (they describe the files as they are now),
so a fixed file leaves the data-health view too. Landing and rejects of one object type are one
transaction: a run killed half-way leaves the previous state whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from config import Settings
from etl.context import SyncContext
from etl.errors import ConfigurationError
from etl.landing import Reject
from etl.postmortems import ReadError, read_actions_csv, read_postmortems


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

    def sync(self, ctx: SyncContext) -> None:
        postmortems, errors = read_postmortems(self.folder)
        self._land_snapshot(ctx, "postmortem", postmortems, "id", errors)
        actions: list[dict] = []
        action_errors: list[ReadError] = []
        if self.actions_csv is not None:
            actions, action_errors = read_actions_csv(self.actions_csv)
        # with no CSV configured any more, the actions it gave leave the KPIs as well
        self._land_snapshot(ctx, "action", actions, action_key, action_errors)

    def _land_snapshot(
        self,
        ctx: SyncContext,
        object_type: str,
        records: list[dict],
        key: str | Callable[[dict[str, Any]], str | None],
        errors: Sequence[ReadError],
    ) -> None:
        rejects = [reject_of(e) for e in errors]
        con = ctx.con
        con.execute("begin transaction")
        try:
            ctx.land(object_type, records, key=key, snapshot=True)
            con.execute(
                "delete from raw_rejects where source = ? and object_type = ?",
                [ctx.source, object_type],
            )
            if rejects:
                ctx.reject(object_type, rejects)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
