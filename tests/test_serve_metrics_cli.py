"""``opskpi serve-metrics`` as a process: it listens on the given address, serves the snapshot
named by the config, stops cleanly on SIGTERM, and fails in one line on a busy port."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from exporter_fixture import build_warehouse, config_toml, publish_fixture
from prometheus_client.parser import text_string_to_metric_families
from prometheus_harness import REPO, free_port

GUARD_SECONDS = 60  # against a hang only


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve")
    publish_fixture(build_warehouse(), root / "opskpi.serving.duckdb")
    path = root / "opskpi.toml"
    path.write_text(config_toml(root / "opskpi.duckdb"))
    return path


def start(config: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "opskpi.app.cli",
            "serve-metrics",
            "--config",
            str(config),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def first_scrape(process: subprocess.Popen[str], url: str) -> str:
    deadline = time.monotonic() + GUARD_SECONDS
    while True:
        assert process.poll() is None, process.communicate()
        try:
            response = requests.get(url, timeout=10)
            if response.status_code == 200:
                return response.text
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, "serve-metrics never answered"
        time.sleep(0.1)


@pytest.fixture
def running(config: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    process = start(config, port)
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_serves_the_snapshot_and_stops_on_sigterm(
    running: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = running
    text = first_scrape(process, f"http://127.0.0.1:{port}/metrics")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("opskpi_snapshot_load_errors_total", ())] == 0
    assert samples[("opskpi_sync_errors_total", (("source", "pagerduty"),))] == 1
    assert ("opskpi_open_incidents", (("severity", "sev1"),)) in samples
    assert ("opskpi_open_incidents", (("severity", "all"),)) not in samples  # sum() the parts
    assert not any(name.startswith(("process_", "python_")) for name, _ in samples)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=GUARD_SECONDS)
    assert process.returncode == 0, err
    assert f"http://127.0.0.1:{port}/metrics" in err


def test_a_busy_port_is_a_one_line_error(config: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = start(config, port)
        _, err = process.communicate(timeout=GUARD_SECONDS)
    assert process.returncode == 1
    assert f"opskpi serve-metrics: cannot listen on 127.0.0.1:{port}" in err
    assert "Traceback" not in err
