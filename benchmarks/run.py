"""``python -m benchmarks.run --size tiny|100k|1m [--runs N]``: every figure of
benchmarks/README.md at one size, printed, saved as JSON and written into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import app, browser, exporter, first_sync, fresh, kpis, landing, report, sync
from benchmarks.dataset import default_data_dir, ensure_pages, params_json, settings_dict
from benchmarks.measure import machine
from benchmarks.sizes import SIZES, Size
from opskpi.config import Settings, settings_from_dict

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
STEPS = ("landing", "models", "kpis", "exporter", "app", "browser", "sync", "fresh", "first_sync")
DEMO = "demo"  # `opskpi demo`'s organisation, synced over HTTP: only the app's figures


def say(message: str) -> None:
    print(message, flush=True)


def write_toml(settings: dict[str, Any], path: Path) -> None:
    """The benchmark config as a file (the app reads ``$OPSKPI_CONFIG``)."""

    def value(v: Any) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v, ensure_ascii=False)

    lines: list[str] = []

    def table(prefix: str, data: dict[str, Any]) -> None:
        scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
        if prefix:
            lines.append(f"[{prefix}]")
        lines.extend(f"{json.dumps(k)} = {value(v)}" for k, v in scalars.items())
        for key, sub in data.items():
            if isinstance(sub, dict):
                table(f"{prefix}.{json.dumps(key)}" if prefix else json.dumps(key), sub)

    table("", settings)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(size: Size, runs: int, data_dir: Path, steps: set[str]) -> dict[str, Any]:
    folder = data_dir / size.name
    pages = folder / "pages"
    results: dict[str, Any] = {
        "size": size.name,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs": runs,
        "params": params_json(size.params),
        "machine": machine(),
    }
    say(f"opskpi benchmark, size {size.name}, {runs} run(s) per figure")
    m = results["machine"]
    say(
        f"machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}, "
        f"DuckDB {m['duckdb']}, pandas {m['pandas']}; load average {m['load_average']}"
    )
    counts, generated = ensure_pages(size.params, pages)
    results["dataset"] = {"counts": counts, "generate_seconds": generated}
    say(
        f"dataset: {counts.get('pagerduty/incidents', 0) + counts.get('opsgenie/alerts', 0):,} "
        f"incidents, {counts.get('pagerduty/log_entries', 0):,} PagerDuty log entries "
        + (f"(generated in {generated:.1f} s)" if generated else "(cached)")
    )
    config = settings_dict(size.params, folder / "warehouse.duckdb")
    settings: Settings = settings_from_dict(config, base_dir=folder, origin="benchmark")
    write_toml(config, folder / "opskpi.toml")
    limit = settings.model.warehouse.memory_limit
    if "landing" in steps or not settings.warehouse_path.is_file():
        results["landing"] = landing.landing(pages, settings.warehouse_path, limit, min(runs, 3))
        say(report.landing_line(results["landing"]))
    if "models" in steps or not settings.serving_path.is_file():
        results["models"] = kpis.build(settings, runs)
        say(report.models_line(results["models"]))
    if "kpis" in steps:
        results["kpis"] = kpis.kpi_set(settings, size.params, runs)
        for name, figures in results["kpis"].items():
            say(report.kpi_line(name, figures))
    as_of = size.params.end_utc
    if "exporter" in steps:
        results["exporter"] = exporter.scrape_latency(settings, as_of, size.scrapes, runs)
        say(report.exporter_line(results["exporter"]))
    if "app" in steps:
        results["app"] = app.first_render(folder / "opskpi.toml", as_of, runs)
        say(report.app_line(results["app"]))
    if "browser" in steps:
        results["browser"] = browser.measure(
            folder / "opskpi.toml", as_of, max(1, min(runs, 3)), folder / "browser-app.log"
        )
        say(browser.line(results["browser"]))
    if "sync" in steps:
        results["sync"] = sync.sync_requests(
            folder / "sync",
            size.params.seed,
            size.params.end,
            size.sync_months,
            size.sync_incidents_per_day,
        )
        say(report.sync_line(results["sync"]))
    if "fresh" in steps:
        # issue 14: full build + publish, and sync-to-fresh (build + publish after a delta)
        results["fresh"] = fresh.fresh(config, folder, runs)
        say(report.fresh_line(results["fresh"]))
    if "first_sync" in steps:
        results["first_sync"] = first_sync.first_sync(
            folder / "first-sync",
            size.params.seed,
            size.params.end,
            size.first_sync_months,
            size.first_sync_incidents_per_day,
            size.first_sync_variants,
        )
        say(report.first_sync_line(results["first_sync"]))
    results["machine"]["load_average_after"] = list(machine()["load_average"])
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    return results


def run_demo(runs: int, data_dir: Path, steps: set[str]) -> dict[str, Any]:
    """The demo's warehouse (built once, at the benchmark's fixed end): the app's figures."""
    from benchmarks.sizes import END

    folder = data_dir / DEMO
    folder.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "size": DEMO,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs": runs,
        "machine": machine(),
    }
    say(f"opskpi benchmark, the demo's organisation, {runs} run(s) per figure")
    counts = browser.build_demo(folder, END)
    results["dataset"] = {"counts": counts, "generate_seconds": None}
    say("dataset: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    if "app" in steps:
        results["app"] = app.first_render(folder / "opskpi.toml", END, runs)
        say(report.app_line(results["app"]))
    if "browser" in steps:
        results["browser"] = browser.measure(
            folder / "opskpi.toml", END, max(1, min(runs, 3)), folder / "browser-app.log"
        )
        say(browser.line(results["browser"]))
    results["machine"]["load_average_after"] = list(machine()["load_average"])
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--size", choices=[*sorted(SIZES), DEMO], default="tiny")
    parser.add_argument("--runs", type=int, help="runs per figure (default: per size)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default_data_dir(),
        help="page files and warehouses (default: %(default)s)",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=RESULTS,
        help="where <size>.json goes (default: %(default)s)",
    )
    parser.add_argument(
        "--doc",
        type=Path,
        default=DOC,
        help="the Markdown report rewritten from every <size>.json "
        "(default: %(default)s; '-' for none)",
    )
    parser.add_argument("--only", help=f"comma-separated steps among {','.join(STEPS)}")
    args = parser.parse_args(argv)
    steps = set(args.only.split(",")) if args.only else set(STEPS)
    unknown = steps - set(STEPS)
    if unknown:
        parser.error(f"unknown step(s) {sorted(unknown)}: choose among {', '.join(STEPS)}")
    if args.size == DEMO:
        name = DEMO
        results = run_demo(args.runs or 3, args.data_dir, steps & {"app", "browser"})
    else:
        size = SIZES[args.size]
        name = size.name
        results = run(size, args.runs or size.runs, args.data_dir, steps)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    out = args.results_dir / f"{name}.json"
    previous = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    if args.only and previous.get("size") == name:
        # a partial run updates the figures it measured; the full run's header stays, and the
        # partial run is listed with its own time and load
        partial = {
            "steps": sorted(steps),
            "runs": results["runs"],
            **{k: results[k] for k in ("started", "finished", "machine")},
        }
        measured = {k: v for k, v in results.items() if k in STEPS}
        results = {
            **previous,
            **measured,
            "partial_runs": [*previous.get("partial_runs", []), partial],
        }
    out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    for line in report.issue_targets_lines(name, results):
        say(line)
    say(f"results: {out}")
    if str(args.doc) != "-":
        report.write_doc(args.results_dir, args.doc)
        say(f"report: {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
