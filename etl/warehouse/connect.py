"""Opening the warehouse file for writing (sync, build): one writer at a time.

DuckDB allows one read-write process or many read-only ones on a file, never both. The writer
works on the warehouse file; readers only ever open the published serving snapshot
(``metrics.snapshot``), which the writer replaces atomically, so readers never wait for a sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from opskpi.etl.warehouse.migrate import migrate
from opskpi.sql.session import WarehouseAccessError, WarehouseBusyError, start_session


def open_writer(path: Path, *, memory_limit: str = "1GB") -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) and migrate the warehouse for writing."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseAccessError(
            f"cannot create the warehouse folder {path.parent}: {exc.strerror or exc} "
            "(check [warehouse] path and the folder's permissions)"
        ) from None
    try:
        con = duckdb.connect(str(path), config={"memory_limit": memory_limit})
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusyError(
                f"warehouse {path} is in use by another opskpi process (a sync or build?); "
                "try again when it has finished"
            ) from None
        raise WarehouseAccessError(
            f"cannot open the warehouse {path} for writing: "
            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__} "
            "(check [warehouse] path and the folder's permissions)"
        ) from None
    start_session(con)
    migrate(con, where=str(path))
    return con


def open_memory() -> duckdb.DuckDBPyConnection:
    """An in-memory, migrated warehouse (tests, benchmarks)."""
    con = start_session(duckdb.connect(":memory:"))
    migrate(con, where="the in-memory warehouse")
    return con


# Connections (by id) inside a ``transaction`` block. DuckDB has no nested transactions (and a
# BEGIN inside one aborts it), so an inner block joins the outer one instead.
_OPEN: set[int] = set()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction around the block: committed at its end, rolled back if it raises
    (including KeyboardInterrupt).

    Inside another ``transaction`` block on the same connection (a source's whole run, see
    ``etl/sync.py``), the block is part of the outer transaction: committed or rolled back
    with it, and an exception leaving the inner block rolls back the outer one when it
    leaves that too.
    """
    key = id(con)
    if key in _OPEN:
        yield
        return
    con.execute("begin transaction")
    _OPEN.add(key)
    try:
        yield
    except BaseException:
        _OPEN.discard(key)
        con.execute("rollback")
        raise
    _OPEN.discard(key)
    con.execute("commit")
