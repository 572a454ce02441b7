"""What every DuckDB connection of opskpi shares, writer or reader: the UTC session, the
schema-version check, fetching results whole, and the errors for a file that is busy, missing
or too new. Opening files is the caller's business (``etl.warehouse.connect`` for the writer,
``metrics.snapshot`` for readers).

DuckDB refuses ``register`` and some other calls while a previous ``execute`` still has rows to
fetch, and ``fetchone()`` on a one-row result leaves it unfinished: ``scalar`` and
``first_row`` fetch all.
"""

from __future__ import annotations

from typing import Any

import duckdb

from opskpi.sql import migrations


class WarehouseBusyError(RuntimeError):
    """Another process holds the warehouse for writing."""


class WarehouseMissingError(FileNotFoundError):
    """Nothing has been synced or built yet."""


class WarehouseAccessError(RuntimeError):
    """The warehouse (or its folder) cannot be created or written: a permission, a read-only
    file system, a path that is not a folder."""


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer opskpi than this one."""


def start_session(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Every timestamp is UTC in the database; local time is the SQL's explicit business."""
    con.execute("set TimeZone = 'UTC'")
    return con


def scalar(con: duckdb.DuckDBPyConnection, query: str, params: Any = None) -> Any:
    """The first column of the first row (``None`` when there is no row)."""
    rows = (
        con.execute(query, params).fetchall()
        if params is not None
        else con.execute(query).fetchall()
    )
    return rows[0][0] if rows else None


def first_row(
    con: duckdb.DuckDBPyConnection, query: str, params: Any = None
) -> tuple[Any, ...] | None:
    rows = (
        con.execute(query, params).fetchall()
        if params is not None
        else con.execute(query).fetchall()
    )
    return rows[0] if rows else None


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version a database was migrated to (0: never)."""
    exists = scalar(
        con,
        "select count(*) from information_schema.tables "
        "where table_name = 'schema_migrations' and table_schema = current_schema()",
    )
    if not exists:
        return 0
    return int(scalar(con, "select coalesce(max(version), 0) from schema_migrations"))


def code_version() -> int:
    """The schema version this opskpi knows (its number of migrations)."""
    return len(migrations())


def check_not_newer(con: duckdb.DuckDBPyConnection, where: str) -> int:
    """The database's schema version; refuse one migrated by a newer opskpi."""
    version, known = current_version(con), code_version()
    if version > known:
        raise SchemaTooNewError(
            f"{where} is at schema version {version} but this opskpi knows only up to {known}: "
            "upgrade opskpi (pip install -U opskpi) before using this database"
        )
    return version
