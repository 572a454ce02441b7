"""The app reads only the published snapshot: it keeps serving while a sync holds the warehouse,
and a newly published snapshot shows up at the next rerun (caches key on its mtime)."""

from __future__ import annotations

from pathlib import Path

import app_fixture as fx
import payloads as p

from opskpi.config import load_settings
from opskpi.etl.warehouse.build import build_and_publish
from opskpi.etl.warehouse.connect import open_writer
from opskpi.etl.warehouse.landing import land


def test_serves_during_a_sync_and_shows_the_next_snapshot(tmp_path: Path, monkeypatch) -> None:
    settings = fx.build_fixture(tmp_path)
    config = tmp_path / "opskpi.toml"
    writer = open_writer(settings.warehouse_path)  # a sync in progress holds the warehouse
    # duckdb 2: migrate()'s fetchone() on a re-opened warehouse leaves a result pending, which
    # con.register() (used by land) refuses; finish it as a sync's first statement would
    writer.execute("select 1").fetchall()
    try:
        at = fx.app_test(config, monkeypatch)
        assert not at.exception
        assert fx.metrics_of(at)["Incidentes"] == "7"
        # the sync lands one more W10 incident and publishes a new snapshot
        land(
            writer,
            "pagerduty",
            "incident",
            [
                p.pd_incident(
                    "PW10G",
                    "2026-03-06T15:00:00Z",
                    resolved_at="2026-03-06T15:30:00Z",
                    priority="P3",
                    service="obras-api",
                    team="Obras",
                )
            ],
        )
        build_and_publish(load_settings(config), writer)
        at.run()
        assert not at.exception
        assert fx.metrics_of(at)["Incidentes"] == "8"
    finally:
        writer.close()
