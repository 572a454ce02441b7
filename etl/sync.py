"""``run_sync``: one run over the requested sources, each recorded in ``sync_runs``.

Every source gets its own ``sync_runs`` row (``running`` → ``success`` | ``failed``) under one
run id shared by the invocation. A source that fails is recorded with its (already safe) error
and the others still run. A ``running`` row left behind by a killed process is marked
``failed`` ("interrupted") when the next run starts: the writer lock guarantees that no other
process is syncing this warehouse at that moment.

Each source's run is one transaction (what it lands, rejects and saves as state): readers see
a source change only when its run succeeds. A source that fails, or a process killed half-way,
leaves the warehouse as the last successful run of that source left it, and a source that
never succeeded is absent (docs/operations.md).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from opskpi.config import Settings
from opskpi.etl.context import NullProgress, Progress, SyncContext
from opskpi.etl.errors import ConfigurationError
from opskpi.etl.http.factory import secrets_redactor
from opskpi.etl.sources import connector_for
from opskpi.etl.warehouse.connect import open_writer, transaction
from opskpi.etl.warehouse.landing import LandResult, RejectsSettled, settle_rejects
from opskpi.sql.session import scalar

log = logging.getLogger("opskpi.sync")

INTERRUPTED = "interrupted: the sync process stopped before this source finished"


@dataclass
class SourceResult:
    """How one source's sync ended."""

    source: str
    run_id: int
    status: str  # success | failed
    records: int = 0  # objects new or changed
    counts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    rejects: RejectsSettled = field(default_factory=RejectsSettled)

    @property
    def ok(self) -> bool:
        return self.status == "success"


@dataclass
class SyncReport:
    run_id: int
    results: list[SourceResult]
    interrupted_runs: int = 0  # stale ``running`` rows marked failed at the start

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def failed(self) -> list[str]:
        return [r.source for r in self.results if not r.ok]

    @property
    def changed(self) -> int:
        return sum(r.records for r in self.results)


def requested_sources(settings: Settings, sources: list[str] | None) -> list[str]:
    """The sources to run, in config order; unknown or unconfigured names are an error."""
    configured = settings.configured_sources
    if not sources:
        if not configured:
            raise ConfigurationError(
                f"{settings.origin}: no source is configured (add [sources.pagerduty], "
                "[sources.opsgenie], [sources.argocd] or [postmortems])"
            )
        return configured
    listed = ", ".join(configured) if configured else "none"
    for name in sources:
        if name not in configured:
            raise ConfigurationError(
                f"source {name!r} is not configured in {settings.origin} "
                f"(configured sources: {listed})"
            )
    return [name for name in configured if name in sources]


def mark_interrupted(con: duckdb.DuckDBPyConnection) -> int:
    return int(
        scalar(
            con,
            "update sync_runs set status = 'failed', finished_at = now(), error = ? "
            "where status = 'running'",
            [INTERRUPTED],
        )
    )


def counts_json(totals: dict[str, LandResult], requests: int) -> dict[str, Any]:
    counts: dict[str, Any] = {
        object_type: {
            "received": r.received,
            "changed": r.changed,
            "rejected": r.rejected,
            "deleted": r.deleted,
        }
        for object_type, r in sorted(totals.items())
    }
    counts["requests"] = requests
    return counts


def sync_source(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    source: str,
    run_id: int,
    *,
    full: bool,
    progress: Progress,
    now: Callable[[], datetime] | None,
) -> SourceResult:
    started_at = datetime.now(UTC)
    clock = time.perf_counter()
    con.execute(
        "insert into sync_runs (run_id, source, started_at, status, full_sync) "
        "values (?, ?, ?, 'running', ?)",
        [run_id, source, started_at, full],
    )
    ctx = SyncContext(
        con=con,
        settings=settings,
        source=source,
        run_id=run_id,
        full=full,
        started_at=started_at,
        progress=progress,
        now=now,
    )
    status, error = "success", None
    settled = RejectsSettled()
    try:
        with transaction(con):  # the whole source run, or nothing of it
            connector_for(source, settings).sync(ctx)
            settled = settle_rejects(
                con,
                source,
                run_id,
                retries=settings.model.sync.reject_retries,
                snapshot_types=sorted(ctx.snapshot_types),
            )
    except KeyboardInterrupt:
        _finish(con, run_id, source, "failed", ctx, "interrupted by the user")
        raise
    except Exception as exc:  # one source failing must not stop the others
        text = str(exc).strip() or type(exc).__name__
        # defence in depth: the connectors' messages are safe, but never let a secret through
        status, error = "failed", secrets_redactor(settings)(text)
        log.debug("source %s failed", source, exc_info=not isinstance(exc, ConfigurationError))
    result = _finish(con, run_id, source, status, ctx, error)
    result.seconds = time.perf_counter() - clock
    result.rejects = settled
    if result.ok:
        log.info("%s: %d new or changed objects, %d requests", source, result.records, ctx.requests)
        if settled.quarantined:
            log.warning(
                "%s: %d rejected record(s) quarantined after %d runs rejected them "
                "(see the data-health page)",
                source,
                settled.quarantined,
                settings.model.sync.reject_retries + 1,
            )
    else:
        log.warning("%s: sync failed: %s", source, error)
    return result


def _finish(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    source: str,
    status: str,
    ctx: SyncContext,
    error: str | None,
) -> SourceResult:
    counts = counts_json(ctx.totals, ctx.requests)
    records = sum(r.changed for r in ctx.totals.values())
    con.execute(
        "update sync_runs set status = ?, finished_at = now(), counts = ?, records = ?, "
        "error = ? where run_id = ? and source = ?",
        [status, json.dumps(counts), records, error, run_id, source],
    )
    return SourceResult(source, run_id, status, records, counts, error)


def run_sync(
    settings: Settings,
    *,
    sources: list[str] | None = None,
    full: bool = False,
    progress: Progress | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    now: Callable[[], datetime] | None = None,
) -> SyncReport:
    """Sync ``sources`` (default: every configured one) into the warehouse.

    ``con`` is an open writer connection (the warehouse is opened, and closed, otherwise);
    ``now`` is the clock the connectors plan their time windows with (default: UTC now).
    Raises only for a bad request (unknown source) or an unusable warehouse; a source that
    fails is reported in the returned :class:`SyncReport`.
    """
    names = requested_sources(settings, sources)
    own = con is None
    if con is None:
        con = open_writer(
            settings.warehouse_path, memory_limit=settings.model.warehouse.memory_limit
        )
    try:
        interrupted = mark_interrupted(con)
        if interrupted:
            log.warning(
                "marked %d sync run(s) left running by a stopped process as failed", interrupted
            )
        run_id = scalar(con, "select nextval('sync_run_ids')")
        results = [
            sync_source(
                con,
                settings,
                name,
                run_id,
                full=full,
                progress=progress or NullProgress(),
                now=now,
            )
            for name in names
        ]
        return SyncReport(run_id, results, interrupted)
    finally:
        if own:
            con.close()
