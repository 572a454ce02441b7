"""Versioned schema migrations, recorded in ``schema_migrations`` (as sqlite-utils does).

Re-running is a no-op; a database migrated by a newer opskpi is refused with a clear message
rather than misread.
"""

from __future__ import annotations

import duckdb

from opskpi.sql import migrations
from opskpi.sql.session import check_not_newer


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
