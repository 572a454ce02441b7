"""Opening DuckDB files: one writer (sync, build), many short-lived readers of the snapshot.

DuckDB allows one read-write process or many read-only ones on a file, never both. The writer
works on the warehouse file; readers only ever open the published serving snapshot, which the
writer replaces atomically (``os.replace``), so readers never wait for a sync.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from sql.migrate import check_not_newer, migrate


class WarehouseBusyError(RuntimeError):
    """Another process holds the warehouse for writing."""


class WarehouseMissingError(FileNotFoundError):
    """Nothing has been synced or built yet."""


def _session(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute("set TimeZone = 'UTC'")
    return con


def open_writer(path: Path, *, memory_limit: str = "1GB") -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) and migrate the warehouse for writing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), config={"memory_limit": memory_limit})
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusyError(
                f"warehouse {path} is in use by another opskpi process (a sync or build?); "
                "try again when it has finished"
            ) from None
        raise
    _session(con)
    migrate(con, where=str(path))
    return con


def open_memory() -> duckdb.DuckDBPyConnection:
    """An in-memory, migrated warehouse (tests, benchmarks)."""
    con = _session(duckdb.connect(":memory:"))
    migrate(con, where="the in-memory warehouse")
    return con


def open_reader(path: Path, *, retries: int = 20, delay: float = 0.05) -> duckdb.DuckDBPyConnection:
    """Open the serving snapshot read-only.

    The snapshot is replaced atomically, so a reader sees the old or the new file, whole. The
    short retry covers the instant of the rename on filesystems where opening can race it.
    """
    if not path.is_file():
        raise WarehouseMissingError(
            f"no KPI snapshot at {path}: run 'opskpi sync' (or 'opskpi demo') first"
        )
    last: Exception | None = None
    for _ in range(retries):
        try:
            con = duckdb.connect(str(path), read_only=True)
        except (duckdb.IOException, duckdb.InvalidInputException) as exc:
            last = exc
            time.sleep(delay)
            continue
        _session(con)
        check_not_newer(con, str(path))
        return con
    raise WarehouseBusyError(f"cannot open {path} for reading: {last}")
