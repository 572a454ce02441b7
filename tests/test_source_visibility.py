"""Readers never see half a source: a source's run is one transaction, so when the API dies
half-way through a first sync (incidents listed, log entries not) the published snapshot has no
PagerDuty incident at all, not incidents without their acknowledgements; when it dies in a later
run, the snapshot keeps the last successful run's data. ``opskpi kpis --json`` says which source
failed and when it last succeeded; a later successful run publishes the source whole.

``opskpi sync`` runs in this process against the simulator; the retry policy's waits are
skipped (the policy is the default one otherwise)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from opskpi.app.cli.main import main
from opskpi.etl.http import factory
from opskpi.etl.http.policy import RetryPolicy
from opskpi.simulator import Organisation, SimulatorServer, generate

pytestmark = pytest.mark.integration

AS_OF = "--as-of"


@pytest.fixture(scope="module")
def org() -> Organisation:
    # the CLI plans its windows on the real clock: the organisation ends this hour
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return generate(17, end, months=1)


@pytest.fixture
def sim(org: Organisation) -> Iterator[SimulatorServer]:
    with SimulatorServer(org) as server:
        yield server


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The default retry table, without sleeping through its backoffs."""
    waits: list[float] = []
    monkeypatch.setattr(factory, "RetryPolicy", lambda: RetryPolicy(sleep=waits.append))
    return waits


def write_config(folder: Path, sim: SimulatorServer) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pd.token").write_text(sim.tokens.pagerduty + "\n", encoding="utf-8")
    config = folder / "opskpi.toml"
    config.write_text(
        "[warehouse]\n"
        'path = "opskpi.duckdb"\n'
        "[sources.pagerduty]\n"
        f'base_url = "{sim.pagerduty_url}"\n'
        'token_file = "pd.token"\n'
        'timeout = "2s"\n'
        "[sync]\n"
        'initial_lookback = "40d"\n',
        encoding="utf-8",
    )
    return config


def sync(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["sync", "--config", str(config)])
    return code, capsys.readouterr().err


def kpis(config: Path, as_of: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["kpis", "--config", str(config), "--json", AS_OF, as_of]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def published(config: Path, query: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(config.parent / "opskpi.serving.duckdb"), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def landed_pagerduty(config: Path) -> int:
    con = duckdb.connect(str(config.parent / "opskpi.duckdb"), read_only=True)
    try:
        rows = con.execute("select count(*) from raw_objects where source = 'pagerduty'")
        return int(rows.fetchall()[0][0])
    finally:
        con.close()


INCIDENTS = (
    "select incident_key, severity, created_at, acknowledged_at, resolved_at, escalation_count "
    "from incidents order by incident_key"
)


def test_a_first_sync_killed_half_way_publishes_nothing_of_the_source(
    sim: SimulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    as_of = sim.now.isoformat()
    clean = write_config(tmp_path / "clean", sim)
    assert sync(clean, capsys)[0] == 0
    whole = published(clean, INCIDENTS)
    acknowledged = [row for row in whole if row[3] is not None]
    assert len(whole) > 100 and len(acknowledged) > 50  # what a whole source looks like

    config = write_config(tmp_path / "killed", sim)
    # the API dies after listing the incidents: every log-entry request loses its connection
    sim.add_fault(path=r"/log_entries$", kind="drop", count=1_000_000)
    code, err = sync(config, capsys)
    assert code == 1
    assert "pagerduty: FAILED" in err
    assert published(config, "select count(*) from incidents") == [(0,)]
    assert landed_pagerduty(config) == 0  # nothing of the failed run stays in the warehouse
    [source] = kpis(config, as_of, capsys)["sources"]
    assert (source["source"], source["status"], source["stale"]) == ("pagerduty", "never", True)
    assert source["last_success_at"] is None and source["last_failure_at"] is not None
    assert "log_entries" in source["last_error"]

    sim.clear_faults()
    assert sync(config, capsys)[0] == 0
    assert published(config, INCIDENTS) == whole
    [source] = kpis(config, as_of, capsys)["sources"]
    assert (source["status"], source["stale"]) == ("ok", False)
    assert source["last_failure_at"] < source["last_success_at"]  # the failure is history


def test_a_later_failed_run_leaves_the_last_successful_data(
    sim: SimulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    end = sim.now
    config = write_config(tmp_path / "wh", sim)
    sim.set_now(end - timedelta(days=10))  # the API as it was ten days ago
    assert sync(config, capsys)[0] == 0
    before = published(config, INCIDENTS)
    landed_before = landed_pagerduty(config)
    assert len(before) > 50

    sim.set_now(end)  # ten more days of incidents, but log entries fail
    sim.add_fault(path=r"/log_entries$", kind="drop", count=1_000_000)
    assert sync(config, capsys)[0] == 1
    assert published(config, INCIDENTS) == before
    assert landed_pagerduty(config) == landed_before
    [source] = kpis(config, end.isoformat(), capsys)["sources"]
    assert (source["status"], source["stale"]) == ("failed", True)
    assert source["last_success_at"] < source["last_failure_at"]

    sim.clear_faults()
    assert sync(config, capsys)[0] == 0
    after = published(config, INCIDENTS)
    assert len(after) > len(before)
    assert {row[0] for row in before} < {row[0] for row in after}


def test_a_source_is_stale_once_its_last_success_is_older_than_stale_after(
    sim: SimulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "wh", sim)
    assert sync(config, capsys)[0] == 0
    [source] = kpis(config, datetime.now(UTC).isoformat(), capsys)["sources"]
    succeeded = datetime.fromisoformat(source["last_success_at"])
    assert (source["status"], source["stale"]) == ("ok", False)
    # [sync] stale_after defaults to 26 h: judged 25 h later it is fresh, 27 h later stale
    fresh = kpis(config, (succeeded + timedelta(hours=25)).isoformat(), capsys)["sources"][0]
    stale = kpis(config, (succeeded + timedelta(hours=27)).isoformat(), capsys)["sources"][0]
    assert (fresh["status"], fresh["stale"]) == ("ok", False)
    assert (stale["status"], stale["stale"]) == ("ok", True)
