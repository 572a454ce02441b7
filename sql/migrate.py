"""Versioned schema migrations, recorded in ``schema_migrations`` (as sqlite-utils does).

Re-running is a no-op; a database migrated by a newer opskpi is refused with a clear message
rather than misread.
"""

from __future__ import annotations

import duckdb

from sql import migrations
from sql.results import scalar


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer opskpi than this one."""


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = scalar(
        con,
        "select count(*) from information_schema.tables "
        "where table_name = 'schema_migrations' and table_schema = current_schema()",
    )
    if not exists:
        return 0
    return scalar(con, "select coalesce(max(version), 0) from schema_migrations")


def code_version() -> int:
    return len(migrations())


def check_not_newer(con: duckdb.DuckDBPyConnection, where: str) -> int:
    version, known = current_version(con), code_version()
    if version > known:
        raise SchemaTooNewError(
            f"{where} is at schema version {version} but this opskpi knows only up to {known}: "
            "upgrade opskpi (pip install -U opskpi) before using this database"
        )
    return version


def migrate(con: duckdb.DuckDBPyConnection, where: str = "the warehouse") -> list[int]:
    """Apply pending migrations, each in its own transaction; return the versions applied."""
    con.execute(
        "create table if not exists schema_migrations ("
        " version integer primary key, name varchar not null, applied_at timestamptz not null)"
    )
    version = check_not_newer(con, where)
    applied = []
    for migration in migrations():
        if migration.version <= version:
            continue
        con.execute("begin transaction")
        try:
            con.execute(migration.sql)
            con.execute(
                "insert into schema_migrations values (?, ?, now())",
                [migration.version, migration.name],
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        applied.append(migration.version)
    return applied
