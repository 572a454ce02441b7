"""What the snapshot says of each configured source: when it last succeeded and failed, and
whether what readers see of it is stale (``sql/queries/source_status.sql``). Every surface shows
it: ``opskpi kpis`` (``sources`` in ``--json``, rows in ``--csv``, a table), the app's banner,
the weekly review's heading (docs/operations.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from opskpi import sql

OK = "ok"
FAILED = "failed"  # the last run failed: readers see the last successful run's data
NEVER = "never"  # no run succeeded: the source is absent from the KPIs


@dataclass(frozen=True)
class SourceStatus:
    """One configured source as the snapshot saw it, judged stale at some instant."""

    source: str
    status: str  # ok | failed | never
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None
    stale: bool  # not ok, or the last success is older than [sync] stale_after

    @property
    def needs_attention(self) -> bool:
        return self.stale or self.status != OK

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "stale": self.stale,
            "last_success_at": _iso(self.last_success_at),
            "last_failure_at": _iso(self.last_failure_at),
            "last_error": self.last_error,
        }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def is_stale(
    status: str, last_success_at: datetime | None, stale_after_seconds: float | None, at: datetime
) -> bool:
    """Not from the last run (``failed``, ``never``), or older than ``stale_after_seconds``."""
    if status != OK or last_success_at is None:
        return True
    if stale_after_seconds is None:
        return False
    return at - last_success_at > timedelta(seconds=stale_after_seconds)


def source_statuses(con: duckdb.DuckDBPyConnection, at: datetime) -> tuple[SourceStatus, ...]:
    """Each configured source of the snapshot, in config order, judged stale at ``at``.

    A snapshot built before opskpi recorded this has no ``cfg_sources`` table: no rows.
    """
    try:
        rows = con.execute(
            "select source, status, last_success_at, last_failure_at, last_error, "
            f"stale_after_seconds from ({sql.read('queries/source_status')}) order by position"
        ).fetchall()
    except duckdb.CatalogException:  # one statement, not a look-up first: the KPI set's cost
        return ()
    return tuple(
        SourceStatus(
            source=str(source),
            status=str(status),
            last_success_at=success,
            last_failure_at=failure,
            last_error=error,
            stale=is_stale(str(status), success, stale_after, at),
        )
        for source, status, success, failure, error, stale_after in rows
    )
