"""Reading results so that nothing is left pending on the connection.

DuckDB refuses ``register`` and some other calls while a previous ``execute`` still has rows to
fetch, and ``fetchone()`` on a one-row result leaves it unfinished. These helpers fetch all.
"""

from __future__ import annotations

from typing import Any

import duckdb


def scalar(con: duckdb.DuckDBPyConnection, query: str, params: Any = None) -> Any:
    """The first column of the first row (``None`` when there is no row)."""
    rows = con.execute(query, params).fetchall() if params is not None else con.execute(
        query).fetchall()
    return rows[0][0] if rows else None


def first_row(con: duckdb.DuckDBPyConnection, query: str, params: Any = None) -> tuple | None:
    rows = con.execute(query, params).fetchall() if params is not None else con.execute(
        query).fetchall()
    return rows[0] if rows else None
