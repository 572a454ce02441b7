"""A sync killed with SIGKILL at any point, then run again, leaves the warehouse exactly as one
uninterrupted run does; and a further run adds and changes nothing.

``opskpi sync`` runs as a real subprocess against the simulator served from this process, with
the demo's config layout; the kill points are chosen by watching the simulator's request
counter. Compared: ``raw_objects`` keys, payload hashes and deletion marks, ``raw_rejects``,
and every table of the published snapshot except run bookkeeping (fetch times, run ids).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from opskpi.app.cli.demo import prepare_folder
from opskpi.etl.sync import INTERRUPTED
from opskpi.simulator import Organisation, SimulatorServer, generate

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
SKIPPED_TABLES = {"sync_runs", "source_freshness", "build_info", "schema_migrations"}
SKIPPED_COLUMNS = {"fetched_at", "sync_run_id", "last_fetched_at"}


@pytest.fixture(scope="module")
def org() -> Organisation:
    # the subprocess plans its windows on the real clock: the organisation ends this hour
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return generate(21, end, months=2)


@pytest.fixture(scope="module")
def sim(org: Organisation) -> Iterator[SimulatorServer]:
    with SimulatorServer(org) as server:
        yield server


def start_sync(config: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPSKPI_CONFIG", "OPSKPI_DEBUG")}
    return subprocess.Popen(
        [sys.executable, "-m", "opskpi.app.cli", "sync", "--config", str(config)],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def sync_to_the_end(config: Path) -> str:
    proc = start_sync(config)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    return out.decode()


def kill_after(config: Path, sim: SimulatorServer, requests: int) -> int | None:
    """Start a sync and SIGKILL it once the simulator has answered ``requests`` requests."""
    sim.reset_counts()
    proc = start_sync(config)
    while proc.poll() is None and sim.request_counts()["total"] < requests:
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    return proc.returncode


def fingerprint(folder: Path) -> dict[str, list[tuple[Any, ...]]]:
    tables: dict[str, list[tuple[Any, ...]]] = {}
    con = duckdb.connect(str(folder / "opskpi.duckdb"), read_only=True)
    try:
        tables["raw_objects"] = con.execute(
            "select source, object_type, object_id, payload_hash, deleted_at is null "
            "from raw_objects order by all"
        ).fetchall()
        tables["raw_rejects"] = con.execute(
            "select source, object_type, body_sha from raw_rejects order by all"
        ).fetchall()
    finally:
        con.close()
    con = duckdb.connect(str(folder / "opskpi.serving.duckdb"), read_only=True)
    try:
        names = [r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()]
        for name in sorted(names):
            if name in SKIPPED_TABLES or name.startswith("cfg_"):
                continue
            columns = [
                r[0]
                for r in con.execute(
                    "select column_name from duckdb_columns() where table_name = ?", [name]
                ).fetchall()
                if r[0] not in SKIPPED_COLUMNS
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            tables[name] = con.execute(f'select {listed} from "{name}" order by all').fetchall()
    finally:
        con.close()
    return tables


def last_run(folder: Path) -> list[tuple[str, str, int]]:
    con = duckdb.connect(str(folder / "opskpi.duckdb"), read_only=True)
    try:
        return con.execute(
            "select source, status, records from sync_runs "
            "where run_id = (select max(run_id) from sync_runs) order by source"
        ).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def baseline(
    org: Organisation, sim: SimulatorServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, list[tuple[Any, ...]]], int]:
    folder = tmp_path_factory.mktemp("uninterrupted")
    config = prepare_folder(folder, sim, org, 8501, 9464)
    sim.reset_counts()
    sync_to_the_end(config)
    total = sim.request_counts()["total"]
    tables = fingerprint(folder)
    assert len(tables["raw_objects"]) > 5_000 and len(tables["incidents"]) > 500
    return tables, total


# kill points as fractions of an uninterrupted run's requests: the directory lists, incident
# and log-entry pages, alerts and custom fields, Opsgenie, after the last request (postmortems,
# build, publish)
POINTS = [0.002, 0.05, 0.4, 0.75, 0.97, 1.0]


@pytest.mark.parametrize("point", POINTS)
def test_a_killed_sync_rerun_equals_an_uninterrupted_one(
    point: float,
    org: Organisation,
    sim: SimulatorServer,
    baseline: tuple[dict[str, list[tuple[Any, ...]]], int],
    tmp_path: Path,
) -> None:
    expected, total = baseline
    config = prepare_folder(tmp_path, sim, org, 8501, 9464)
    code = kill_after(config, sim, max(1, int(total * point)))
    if point < 1:
        assert code == -signal.SIGKILL
    sync_to_the_end(config)
    assert fingerprint(tmp_path) == expected
    if code == -signal.SIGKILL and (tmp_path / "opskpi.duckdb").exists():
        con = duckdb.connect(str(tmp_path / "opskpi.duckdb"), read_only=True)
        try:
            statuses = con.execute("select distinct status from sync_runs").fetchall()
            interrupted = con.execute(
                "select count(*) from sync_runs where error = ?", [INTERRUPTED]
            ).fetchone()[0]
        finally:
            con.close()
        assert ("running",) not in statuses
        assert interrupted >= (1 if point > 0.01 else 0)


def test_a_run_after_a_complete_one_adds_and_changes_nothing(
    org: Organisation,
    sim: SimulatorServer,
    tmp_path: Path,
    baseline: tuple[dict[str, list[tuple[Any, ...]]], int],
) -> None:
    config = prepare_folder(tmp_path, sim, org, 8501, 9464)
    sync_to_the_end(config)
    out = sync_to_the_end(config)
    assert last_run(tmp_path) == [
        ("argocd", "success", 0),
        ("opsgenie", "success", 0),
        ("pagerduty", "success", 0),
        ("postmortems", "success", 0),
    ]
    assert out.count("no changes") == 4
    assert fingerprint(tmp_path) == baseline[0]
