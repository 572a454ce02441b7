"""``opskpi sync``, ``opskpi simulate`` and ``opskpi demo`` as a user runs them.

``sync`` runs in-process through ``app.cli.main`` against the simulator; ``simulate`` and
``demo`` run as real subprocesses from an empty folder (a fresh checkout has no ``data/``) and
are stopped with Ctrl-C (SIGINT), as a person would.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from opskpi.app.cli.demo import available_commands, prepare_folder
from opskpi.app.cli.main import main
from opskpi.config import load_settings
from opskpi.metrics.snapshot import open_settings_snapshot
from opskpi.simulator import Organisation, SimulatorServer, generate
from opskpi.simulator import pagerduty as pdsim

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def org() -> Organisation:
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return generate(17, end, months=1)


@pytest.fixture
def sim(org: Organisation) -> Iterator[SimulatorServer]:
    with SimulatorServer(org) as server:
        yield server


@pytest.fixture
def config(org: Organisation, sim: SimulatorServer, tmp_path: Path) -> Path:
    return prepare_folder(tmp_path, sim, org, 8501, 9464)


def test_the_demo_config_reads_the_organisations_custom_fields(config: Path) -> None:
    model = load_settings(config).model
    assert model.taxonomy.pagerduty_field == pdsim.ROOT_CAUSE_FIELD
    assert model.releases.pagerduty_field == pdsim.RELEASE_FIELD


# -- opskpi sync -------------------------------------------------------------------------------
def test_sync_twice_reports_no_changes_the_second_time(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--config", str(config)]) == 0
    first, progress = capsys.readouterr()
    assert "pagerduty: " in first and "new or changed" in first
    assert "pagerduty incident" in progress  # the progress lines went to stderr
    assert "published" in first
    assert main(["sync", "--config", str(config)]) == 0
    second = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in second if "no changes" in line] == [
        "pagerduty",
        "opsgenie",
        "argocd",
        "postmortems",
    ]
    assert load_settings(config).serving_path.is_file()


def test_sync_of_one_source_only(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--config", str(config), "--source", "postmortems"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("postmortems: ") and "pagerduty" not in out


def test_an_unknown_source_is_one_line_naming_the_configured_ones(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--config", str(config), "--source", "jira"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        f"opskpi sync: source 'jira' is not configured in {config} "
        "(configured sources: pagerduty, opsgenie, argocd, postmortems)"
    )


def test_a_failing_source_exits_1_after_syncing_the_others(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (config.parent / "secrets" / "opsgenie.key").write_text("not-the-key\n")
    assert main(["sync", "--config", str(config)]) == 1
    out, err = capsys.readouterr()
    assert "opsgenie: FAILED: " in err and "status 401" in err
    assert err.rstrip().endswith("opskpi sync: 1 source(s) failed: opsgenie")
    assert "pagerduty: " in out and "argocd: " in out and "published" in out


# -- subprocesses --------------------------------------------------------------------------------
def free_port_base(count: int = 3) -> int:
    """A port N such that N..N+count-1 are free on 127.0.0.1 right now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count > 65535:
            continue
        try:
            held = []
            for port in range(base, base + count):
                sock = socket.socket()
                held.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
        return base
    raise RuntimeError("no free port range")


def opskpi(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPSKPI_CONFIG", "OPSKPI_DEBUG")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.Popen(
        [sys.executable, "-m", "opskpi.app.cli", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_until(proc: subprocess.Popen[str], marker: str) -> list[str]:
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    raise AssertionError(f"the process ended before printing {marker!r}: {lines}")


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()


def is_listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def test_simulate_serves_until_ctrl_c(tmp_path: Path) -> None:
    proc = opskpi("simulate", "--port", "0", "--seed", "5", "--months", "1", cwd=tmp_path)
    try:
        lines = read_until(proc, "Control")
    except BaseException:
        proc.kill()
        raise
    control = lines[-1].split()[1]
    summary = json.loads(get(control))
    assert summary["seed"] == 5 and summary["incidents"]["pagerduty"] > 0
    assert any("/pagerduty" in line for line in lines)
    code, _ = stop(proc)
    assert code == 0


def test_demo_from_a_fresh_checkout(tmp_path: Path) -> None:
    assert not (tmp_path / "data").exists()
    base = free_port_base()
    proc = opskpi("demo", "--port-base", str(base), "--months", "1", cwd=tmp_path)
    try:
        lines = read_until(proc, "Ctrl-C to stop.")
        urls = {line.split()[0]: line.split()[-1] for line in lines if line.startswith("  ")}
        config = tmp_path / "data" / "demo" / "opskpi.toml"
        settings = load_settings(config)
        # the demo's Opsgenie account moved to JSM Operations halfway (issue 15)
        assert settings.configured_sources == [
            "pagerduty",
            "opsgenie",
            "jsm",
            "argocd",
            "postmortems",
        ]
        assert settings.serving_path.is_file()
        assert sorted(p.name for p in (config.parent / "secrets").iterdir()) == [
            "argocd.token",
            "jsm.email",
            "jsm.token",
            "opsgenie.key",
            "pagerduty.token",
        ]
        assert "ops-bot@construtora.example" not in config.read_text()
        reader = open_settings_snapshot(settings)
        try:
            sources = dict(
                reader.execute("select source, count(*) from incidents group by all").fetchall()
            )
        finally:
            reader.close()
        assert sources["jsm"] > 0 and sources["opsgenie"] > 0 and sources["pagerduty"] > 0
        assert "sim-pagerduty-token" not in config.read_text()
        assert json.loads(get(f"http://127.0.0.1:{base}/_sim/summary"))["incidents"]
        commands = available_commands()
        if "serve-metrics" in commands:
            assert "opskpi_" in get(urls["Metrics"])
        if "app" in commands:
            assert get(f"http://127.0.0.1:{base + 1}/_stcore/health") == "ok"
    except BaseException:
        proc.kill()
        raise
    code, err = stop(proc)
    assert code == 0, err
    assert "stopping the demo" in err
    for port in (base, base + 1, base + 2):
        assert not is_listening(port)
    # the demo config is now what commands in this folder use by default
    assert load_settings(cwd=tmp_path).origin == str(config)
