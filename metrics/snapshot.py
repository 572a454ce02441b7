"""Reader connections: the published snapshot, opened read-only, with the SQL macros that the KPI
models use registered on the connection; ``SnapshotReaders`` keeps them open for the processes
that read the snapshot again and again (the app, the exporter)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


# -- reader connections kept open (the app, the exporter) ---------------------------------------

Identity = tuple[int, int, int, int]  # device, inode, mtime (ns), size


def file_identity(path: Path) -> Identity | None:
    """What changes when the snapshot is rewritten or replaced (``os.replace``: a new inode);
    None when there is no file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


class _Generation:
    """One snapshot file as it was when opened: a DuckDB instance of its own with the file
    attached read-only, and the connections (cursors) on it that are not in use."""

    def __init__(self, path: Path, identity: Identity) -> None:
        self.identity = identity
        self.root = _attach(path)
        self.idle: list[duckdb.DuckDBPyConnection] = []
        self.in_use = 0
        self.retired = False

    def lend(self) -> duckdb.DuckDBPyConnection:
        """An idle connection, or a new one with the session and the macros set up."""
        self.in_use += 1
        if self.idle:
            return self.idle.pop()
        con = self.root.cursor()  # a connection of its own on the same instance and file
        con.execute("use snapshot")
        return register_macros(start_session(con))

    def close_if_done(self) -> None:
        """Once retired: close the idle connections, and the instance when none is in use."""
        if self.retired:
            for con in self.idle:
                con.close()
            self.idle.clear()
            if self.in_use == 0:
                self.root.close()


def _attach(path: Path, *, retries: int = 20, delay: float = 0.05) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB instance with ``path`` attached read-only as its default catalog.

    Not ``duckdb.connect(path)``: DuckDB's Python client hands out the instance already open on
    a path, so while any connection to the old snapshot is alive a "new" connection would read
    the replaced file, not the published one.
    """
    if not path.is_file():
        raise WarehouseMissingError(
            f"no KPI snapshot at {path}: run 'opskpi sync' (or 'opskpi demo') first"
        )
    last: Exception | None = None
    for _ in range(retries):
        root = duckdb.connect()
        try:
            root.execute("attach ? as snapshot (read_only)", [str(path)])
        except (duckdb.IOException, duckdb.InvalidInputException) as exc:
            root.close()
            last = exc
            time.sleep(delay)
            continue
        root.execute("use snapshot")
        check_not_newer(start_session(root), str(path))
        return root
    raise WarehouseBusyError(f"cannot open {path} for reading: {last}")


class SnapshotReaders:
    """Reader connections to the snapshot at ``path``, opened once and reused while the file is
    the same, each with the session and the macros set up once (``open_snapshot`` does that on
    every open: 10-40 ms, more than the KPI set over 28 days).

    ``connection()`` lends one connection to one thread at a time. When the file has been
    replaced (a sync published), the next ``connection()`` opens the new file, and the old one
    is closed as soon as the last connection on it is given back. A connection whose use raised
    is closed, never lent again. At most ``keep`` idle connections are kept.
    """

    def __init__(self, path: Path, *, keep: int = 4) -> None:
        self.path = path
        self._keep = keep
        self._lock = threading.Lock()
        self._current: _Generation | None = None
        self.opened = 0  # files opened (for tests and logs)

    def _generation(self, identity: Identity) -> _Generation:
        """The open generation of ``identity``, opening it (and retiring the old) if needed.
        Called with the lock held."""
        current = self._current
        if current is not None and current.identity == identity:
            return current
        if current is not None:
            current.retired = True
            current.close_if_done()
        # identity was read before opening: the file opened is the same or newer, never older
        self._current = _Generation(self.path, identity)
        self.opened += 1
        return self._current

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        identity = file_identity(self.path)
        if identity is None:
            raise WarehouseMissingError(
                f"no KPI snapshot at {self.path}: run 'opskpi sync' (or 'opskpi demo') first"
            )
        with self._lock:
            generation = self._generation(identity)
            con = generation.lend()
        ok = False
        try:
            yield con
            ok = True
        finally:
            with self._lock:
                generation.in_use -= 1
                if ok and not generation.retired and len(generation.idle) < self._keep:
                    generation.idle.append(con)
                else:
                    con.close()
                generation.close_if_done()

    def close(self) -> None:
        """Close every connection not in use now; those in use close when given back."""
        with self._lock:
            if self._current is not None:
                self._current.retired = True
                self._current.close_if_done()
                self._current = None
