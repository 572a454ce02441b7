"""A smoke run of ``python -m benchmarks.run`` at the tiny size: every step runs, every baseline
(pandas with every column or the needed ones, Polars, the hand-written DuckDB query) gives the
same numbers as opskpi, the report is written with every row of issue 14's target table. No
timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import run


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """One smoke run of every step at the tiny size: its results and the Markdown report."""
    tmp_path = tmp_path_factory.mktemp("bench")
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
    return results, doc.read_text(encoding="utf-8")


def test_tiny_run_measures_every_figure(tiny_run: tuple[dict[str, Any], str]) -> None:
    results, text = tiny_run
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
    assert "## Targets" in text and "### tiny" in text


def test_every_baseline_gives_the_same_numbers(tiny_run: tuple[dict[str, Any], str]) -> None:
    """pandas loading only the needed columns computes the whole report as opskpi does; the
    hand-written floor query the fields it computes (MTTA/MTTR, SLA, CFR)."""
    results, _ = tiny_run
    for figures in results["kpis"].values():
        assert figures["pandas_needed_equal"], figures["pandas_needed_differences"]
        assert figures["floor_equal"], figures["floor_differences"]
        assert figures["warm_vs_floor"] > 0


def test_the_polars_baseline_gives_the_same_numbers(tiny_run: tuple[dict[str, Any], str]) -> None:
    pytest.importorskip("polars", reason="polars is a benchmark extra: pip install -e '.[bench]'")
    results, _ = tiny_run
    for figures in results["kpis"].values():
        assert figures["polars_equal"], figures["polars_differences"]
        assert figures["polars_vs_warm"] > 0 and figures["polars_vs_cold"] > 0


def test_the_report_has_every_row_of_issue_14s_table(tiny_run: tuple[dict[str, Any], str]) -> None:
    """Each row shows its figure with met/missed, or "not measured" where no step wrote it."""
    from benchmarks.report import ISSUE_14

    _, text = tiny_run
    table = text[text.index("## Targets of issue 14") : text.index("## Targets before issue 14")]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + len(ISSUE_14)  # the header, then one row per target
    for target, row in zip(ISSUE_14, rows[1:], strict=True):
        assert row.startswith(f"| {target.figure} | {target.before} | {target.target} |")
        cell = row.rsplit("|", 2)[1]
        assert cell.strip() == "not measured" or cell.rstrip().endswith(("met", "**missed**"))
    kpi_row = rows[1 + [t.figure for t in ISSUE_14].index("KPI set, 28 days, warm")]
    assert "the hand-written query" in kpi_row and "not measured" not in kpi_row


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
