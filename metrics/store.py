"""Reader connections: the published snapshot, opened read-only, with the SQL macros that the KPI
models use registered on the connection."""

from __future__ import annotations

from pathlib import Path

import duckdb

import sql
from config import Settings
from sql.connect import open_reader

MACROS = sorted(p.stem for p in (sql.SQL_DIR / "macros").glob("*.sql"))


def register_macros(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    for name in MACROS:
        con.execute(sql.read(f"macros/{name}"))
    return con


def open_snapshot(path: Path) -> duckdb.DuckDBPyConnection:
    return register_macros(open_reader(path))


def open_settings_snapshot(settings: Settings) -> duckdb.DuckDBPyConnection:
    """The snapshot the settings point at (``<warehouse>.serving.duckdb``)."""
    return open_snapshot(settings.serving_path)
