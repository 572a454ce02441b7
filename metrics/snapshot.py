"""Reader connections: the published snapshot, opened read-only, with the SQL macros that the KPI
models use registered on the connection."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from opskpi import sql
from opskpi.config import Settings
from opskpi.sql.session import (
    WarehouseBusyError,
    WarehouseMissingError,
    check_not_newer,
    start_session,
)

MACROS = sorted(p.stem for p in (sql.SQL_DIR / "macros").glob("*.sql"))


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
        start_session(con)
        check_not_newer(con, str(path))
        return con
    raise WarehouseBusyError(f"cannot open {path} for reading: {last}")


def register_macros(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    for name in MACROS:
        con.execute(sql.read(f"macros/{name}"))
    return con


def open_snapshot(path: Path) -> duckdb.DuckDBPyConnection:
    return register_macros(open_reader(path))


def open_settings_snapshot(settings: Settings) -> duckdb.DuckDBPyConnection:
    """The snapshot the settings point at (``<warehouse>.serving.duckdb``)."""
    return open_snapshot(settings.serving_path)
