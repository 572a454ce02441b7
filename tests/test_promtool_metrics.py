"""``promtool check metrics`` (format and naming lint) on what the exporter writes: the fixture
exposition, an empty snapshot's, a missing snapshot's, and the file of
``opskpi export-metrics --textfile``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from exporter_fixture import AS_OF, CONFIG, build_warehouse, config_toml, publish_fixture
from prometheus_client import CollectorRegistry, generate_latest
from warehouse import TestWarehouse

from opskpi.app.cli.main import main
from opskpi.metrics.exporter.cache import SnapshotCache
from opskpi.metrics.exporter.collector import KpiCollector
from opskpi.metrics.exporter.server import snapshot_builder

PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (apt-get install prometheus)"
)
SOURCES = ("pagerduty", "opsgenie", "argocd", "postmortems")


def promtool_check(text: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, "check", "metrics"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def exposition(path: Path) -> str:
    cache = SnapshotCache(path, snapshot_builder(SOURCES, lambda: AS_OF), ttl_seconds=60)
    cache.refresh()
    registry = CollectorRegistry()
    KpiCollector(cache, registry=registry)
    return generate_latest(registry).decode()


@pytest.mark.parametrize("kind", ["fixture", "empty", "missing"])
def test_promtool_accepts_the_exposition(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "opskpi.serving.duckdb"
    if kind == "fixture":
        publish_fixture(build_warehouse(), path)
    elif kind == "empty":
        publish_fixture(TestWarehouse(CONFIG).build(), path)
    text = exposition(path)
    assert "opskpi_snapshot_load_errors_total" in text
    result = promtool_check(text)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == ""  # no lint warning either


def test_promtool_accepts_the_textfile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "opskpi.toml"
    config.write_text(config_toml(tmp_path / "opskpi.duckdb"))
    publish_fixture(build_warehouse(), tmp_path / "opskpi.serving.duckdb")
    out = tmp_path / "textfile" / "opskpi.prom"
    assert main(["export-metrics", "--config", str(config), "--textfile", str(out)]) == 0
    assert "samples written to" in capsys.readouterr().err
    assert [p.name for p in out.parent.iterdir()] == ["opskpi.prom"]  # no temp file left
    result = promtool_check(out.read_text())
    assert result.returncode == 0, result.stdout + result.stderr


def test_textfile_without_a_snapshot_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "opskpi.toml"
    config.write_text(config_toml(tmp_path / "opskpi.duckdb"))
    out = tmp_path / "opskpi.prom"
    assert main(["export-metrics", "--config", str(config), "--textfile", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("opskpi export-metrics: no KPI snapshot at")
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
