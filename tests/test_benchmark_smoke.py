"""A smoke run of ``python -m benchmarks.run`` at the tiny size: every step runs, the pandas
baseline gives the same report as opskpi, the report is written. No timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import run


def test_tiny_run_measures_every_figure(tmp_path: Path) -> None:
    results_dir, doc = tmp_path / "results", tmp_path / "benchmarks.md"
    code = run.main(
        [
            "--size",
            "tiny",
            "--data-dir",
            str(tmp_path / "data"),
            "--results-dir",
            str(results_dir),
            "--doc",
            str(doc),
            "--only",
            "landing,models,kpis,exporter,sync",
        ]
    )
    assert code == 0
    results = json.loads((results_dir / "tiny.json").read_text(encoding="utf-8"))
    landing = results["landing"]
    assert landing["page_records"] > 1000
    assert landing["raw_objects"] == landing["page_records"] + landing["postmortem_records"]
    assert landing["peak_rss_mib"] > 0
    assert results["models"]["incidents"] > 100
    for figures in results["kpis"].values():
        assert figures["equal"], figures["differences"]
    assert "p99_seconds" in results["exporter"] or "skipped" in results["exporter"]
    sync = results["sync"]
    assert "skipped" in sync or sync["requests"] >= sync["minimum"] > 0
    text = doc.read_text(encoding="utf-8")
    assert "## Targets" in text and "### tiny" in text


def test_bulk_landing_matches_the_counts_of_the_pages(tmp_path: Path) -> None:
    """Re-landing the same pages changes nothing (the upsert path), like ``land``."""
    from benchmarks.bulk_landing import land_pages_folder
    from benchmarks.dataset import ensure_pages
    from benchmarks.sizes import SIZES
    from opskpi.etl.warehouse.connect import open_memory

    counts, _ = ensure_pages(SIZES["tiny"].params, tmp_path / "pages")
    con = open_memory()
    first = land_pages_folder(con, tmp_path / "pages")
    assert first["pagerduty/incident"].changed == counts["pagerduty/incidents"]
    assert first["pagerduty/log_entry"].changed == counts["pagerduty/log_entries"]
    assert first["argocd/history_entry"].changed == counts["argocd/deploys"]
    again = land_pages_folder(con, tmp_path / "pages")
    assert sum(r.changed for r in again.values()) == 0
    assert again["pagerduty/log_entry"].received == counts["pagerduty/log_entries"]


def test_bulk_landing_rejects_keyless_items_and_keeps_the_last_of_a_key(tmp_path: Path) -> None:
    from benchmarks.bulk_landing import land_json_pages
    from opskpi.etl.warehouse.connect import open_memory

    pages = [tmp_path / "page-000001.json", tmp_path / "page-000002.json"]
    pages[0].write_text(json.dumps({"incidents": [{"id": "A", "v": 1}, {"v": "no id"}]}))
    pages[1].write_text(json.dumps({"incidents": [{"id": "A", "v": 2}, {"id": "B", "v": 3}]}))
    con = open_memory()
    result = land_json_pages(con, "pagerduty", "incident", pages, items_key="incidents")
    assert (result.received, result.changed, result.rejected) == (4, 2, 1)
    rows = con.execute(
        "select object_id, payload ->> 'v' from raw_objects order by object_id"
    ).fetchall()
    assert rows == [("A", "2"), ("B", "3")]
    again = land_json_pages(con, "pagerduty", "incident", pages[1:], items_key="incidents")
    assert again.changed == 0
