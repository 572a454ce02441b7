"""Console lines and docs/benchmarks.md, from the results of each size (``<size>.json``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ANALYSIS = Path(__file__).with_name("analysis.md")
ORDER = ("1m", "100k", "demo", "tiny")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def _s(seconds: float) -> str:
    return f"{seconds:,.2f} s"


def landing_line(r: dict[str, Any]) -> str:
    return _landing(r) + (f"\n{floor_line(r)}" if "floor" in r else "")


def floor_line(r: dict[str, Any]) -> str:
    """The landing beside DuckDB's own raw insert of the same files, in the same run."""
    f = r["floor"]
    return (
        f"landing floor (DuckDB's raw insert, no key): {f['records']:,} records in "
        f"{_s(f['seconds']['median'])} (CPU {_s(f['cpu_seconds']['median'])}) = "
        f"{f['records_per_second']:,.0f}/s, peak RSS {f['peak_rss_mib']:,.0f} MiB; landing / "
        f"floor {r['page_vs_floor']:.2f}× (CPU: {r['page_vs_floor_cpu']:.2f}×)"
    )


def _landing(r: dict[str, Any]) -> str:
    return (
        f"landing: {r['page_records']:,} page records in {_s(r['page_seconds']['median'])} "
        f"(CPU {_s(r.get('page_cpu_seconds', {}).get('median', float('nan')))}) "
        f"= {r['page_records_per_second']:,.0f}/s ({r.get('page_mib_per_second', 0):,.0f} MiB/s "
        f"of JSON); {r['postmortem_records']:,} postmortem "
        f"records in {_s(r['postmortem_seconds']['median'])} = "
        f"{r['postmortem_records_per_second']:,.0f}/s; all: {r['records_per_second']:,.0f}/s; "
        f"peak RSS {r['peak_rss_mib']:,.0f} MiB (median of {r['runs']})"
    )


def models_line(r: dict[str, Any]) -> str:
    return (
        f"models: build {_s(r['build_seconds']['median'])}, publish "
        f"{_s(r['publish_seconds']['median'])} ({r['incidents']:,} incidents, "
        f"{r['deploys']:,} deploys; snapshot {r['snapshot_mib']:,.0f} MiB)"
    )


def kpi_line(name: str, r: dict[str, Any]) -> str:
    warm, cold = r["opskpi_warm_seconds"]["median"], r["opskpi_seconds"]["median"]
    lines = [
        f"kpis {name} ({r['incidents']:,} incidents): opskpi warm {_ms(warm)}, cold "
        f"{_ms(cold)} (open + compute + close)"
        + (f", {r['statements']} statements" if "statements" in r else "")
    ]
    if "floor_seconds" in r:
        lines.append(
            f"  floor, one hand-written DuckDB query (MTTA/MTTR, SLA, CFR): "
            f"{_ms(r['floor_seconds']['median'])}; opskpi warm / floor "
            f"{r['warm_vs_floor']:.2f}×; {_equal(r, 'floor')}"
        )
    for key, label in BASELINES:
        if f"{key}_seconds" in r and f"{key}_vs_warm" in r:
            lines.append(
                f"  {label}: {_ms(r[f'{key}_seconds']['median'])} (load "
                f"{_ms(r[f'{key}_load_seconds']['median'])} + compute "
                f"{_ms(r[f'{key}_compute_seconds']['median'])}) = {r[f'{key}_vs_warm']:.2f}× "
                f"opskpi warm, {r[f'{key}_vs_cold']:.2f}× cold; {_equal(r, key)}"
            )
        elif f"{key}_skipped" in r:
            lines.append(f"  {label}: skipped: {r[f'{key}_skipped']}")
    if "pandas_vs_warm" not in r:  # results from before issue 14
        equal = "equal" if r["equal"] else f"DIFFERENT ({len(r['differences'])}+ fields)"
        lines.append(
            f"  pandas {_ms(r['pandas_seconds']['median'])} (load "
            f"{_ms(r['pandas_load_seconds']['median'])} + compute "
            f"{_ms(r['pandas_compute_seconds']['median'])}); pandas/opskpi {r['ratio']:.1f}× "
            f"(compute only vs warm: {r['ratio_compute_only']:.1f}×); {equal}"
        )
    return "\n".join(lines)


# the notebooks of benchmarks/kpis.py: key prefix in the results, label
BASELINES = (
    ("polars", "Polars, needed columns"),
    ("pandas_needed", "pandas, needed columns"),
    ("pandas", "pandas, select *"),
)


def _equal(r: dict[str, Any], key: str) -> str:
    if r.get(f"{key}_equal", True):
        return "equal"
    return f"DIFFERENT ({len(r.get(f'{key}_differences', []))}+ fields)"


def exporter_line(r: dict[str, Any]) -> str:
    if "skipped" in r:
        return f"exporter: skipped: {r['skipped']}"
    line = (
        f"exporter: {r['scrapes']} scrapes × {r['rounds']}: p50 {_ms(r['p50_seconds'])}, "
        f"p99 {_ms(r['p99_seconds'])}, max {_ms(r['max_seconds'])} ({r['bytes']:,} bytes); "
        f"start (first snapshot load) {_s(r['start_seconds'])}"
    )
    c = r.get("concurrent")
    if c and c.get("p99_seconds") is not None:
        line += (
            f"\nexporter, {c['clients']} clients at once, a new connection per scrape "
            f"({c['scrapes_per_client']} each) × {c['rounds']}: p50 {_ms(c['p50_seconds'])}, "
            f"p99 {_ms(c['p99_seconds'])}, max {_ms(c['max_seconds'])}, {c['errors']} errors"
        )
    return line


def app_line(r: dict[str, Any]) -> str:
    if "skipped" in r:
        return f"app: skipped: {r['skipped']}"
    extra = f"; exceptions: {r['exceptions']}" if r["exceptions"] else ""
    first = r.get("first_seconds", r["seconds"]["median"])
    return (
        f"app: overview first render {_s(first)} in a new process, {_s(r['seconds']['median'])} "
        f"median of {len(r['seconds']['runs'])} (caches cleared); {len(r.get('metrics', []))} "
        f"KPI metrics shown{extra}"
    )


def sync_line(r: dict[str, Any]) -> str:
    if "skipped" in r:
        return f"sync: skipped: {r['skipped']}"
    return (
        f"sync: {r['requests']:,} requests for {r['incidents']:,} PagerDuty incidents = "
        f"{r['requests_per_1000']:,.0f} per 1,000; minimum {r['minimum']:,} "
        f"({r['minimum_per_1000']:,.0f} per 1,000); ratio {r['ratio']:.3f}"
    )


def fresh_line(r: dict[str, Any]) -> str:
    """Issue 14's build figures: full build + publish, and sync-to-fresh."""
    lines = []
    for name, label in (("full_build", "full build + publish"), ("sync_to_fresh", "sync-to-fresh")):
        f = r.get(name)
        if not f:
            continue
        spill = f"spilled {f['temp_bytes_max'] / 2**20:,.0f} MiB" if f["spilled"] else "no spill"
        extra = (
            f"; {f['delta_objects']:,} raw objects changed, {f['changed_incidents']:,} "
            f"incidents re-modelled, published {', '.join(f['published_tables'])}"
            if name == "sync_to_fresh"
            else ""
        )
        lines.append(
            f"{label}: {_s(f['total_seconds']['median'])} (build "
            f"{_s(f['build_seconds']['median'])} {f['mode']}, publish "
            f"{_s(f['publish_seconds']['median'])} {f['publish_mode']}; median of {f['runs']}); "
            f"memory_limit {f['memory_limit']}, {spill}, peak RSS {f['peak_rss_mib']:,.0f} MiB"
            f"{extra}"
        )
    return "\n".join(lines)


def first_sync_line(r: dict[str, Any]) -> str:
    """Issue 14's first sync (benchmarks/first_sync.py): one line per variant."""
    lines = []
    for variant in ("default", "no_cap", "sequential"):
        v = r.get(variant)
        if not isinstance(v, dict):
            continue
        if "skipped" in v:
            lines.append(f"first sync, {variant}: skipped: {v['skipped']}")
            continue
        cap = (
            f"≤ {v['max_requests_per_minute']:,}/min"
            if v.get("max_requests_per_minute")
            else "no cap"
        )
        limit = (
            f" = {v['share_of_limit']:.0%} of the limit ({v['limit_per_second']:.0f}/s); "
            f"at the limit these requests need ≥ {v['floor_minutes_at_limit']:.1f} min"
            if v.get("share_of_limit") is not None
            else ""
        )
        faults = ", ".join(f"{n:,} {k}" for k, n in sorted(v["faults"].items()))
        lines.append(
            f"first sync, {variant} ({v['concurrency']} in flight, {cap}): "
            f"{r['pagerduty_incidents']:,} PagerDuty incidents with custom fields in "
            f"{v['minutes']:.1f} min; {v['requests']:,} requests ({faults}) = "
            f"{v['requests_per_second']:.1f}/s{limit}; details "
            f"{v['detail_requests_per_second'] or 0:.1f}/s"
        )
    return "\n".join(lines)


# -- targets ------------------------------------------------------------------------------------

Target = tuple[str, str, Callable[[dict[str, Any]], float | None], Callable[[float], bool], str]


def _get(*keys: str) -> Callable[[dict[str, Any]], float | None]:
    def read(results: dict[str, Any]) -> float | None:
        value: Any = results
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return float(value) if isinstance(value, int | float) else None

    return read


TARGETS: tuple[Target, ...] = (
    (
        "KPI set, 28 days",
        "≤ 1 s",
        _get("kpis", "28d", "opskpi_seconds", "median"),
        lambda v: v <= 1.0,
        "s",
    ),
    (
        "KPI set, whole span",
        "≤ 1 s",
        _get("kpis", "span", "opskpi_seconds", "median"),
        lambda v: v <= 1.0,
        "s",
    ),
    ("pandas / opskpi, 28 days", "≥ 10×", _get("kpis", "28d", "ratio"), lambda v: v >= 10, "×"),
    ("pandas / opskpi, whole span", "≥ 10×", _get("kpis", "span", "ratio"), lambda v: v >= 10, "×"),
    (
        "landing, page records",
        "≥ 100,000/s",
        _get("landing", "page_records_per_second"),
        lambda v: v >= 100_000,
        "/s",
    ),
    (
        "landing, all records",
        "≥ 100,000/s",
        _get("landing", "records_per_second"),
        lambda v: v >= 100_000,
        "/s",
    ),
    (
        "landing peak RSS",
        "< 1.5 GB",
        _get("landing", "peak_rss_mib"),
        lambda v: v * 2**20 < 1.5e9,
        "MiB",
    ),
    ("scrape p99", "≤ 50 ms", _get("exporter", "p99_seconds"), lambda v: v <= 0.05, "s"),
    (
        "scrape p99, 200 clients, new connections",
        "≤ 50 ms",
        _get("exporter", "concurrent", "p99_seconds"),
        lambda v: v <= 0.05,
        "s",
    ),
    (
        "overview first render (new process)",
        "≤ 2 s",
        _get("app", "first_seconds"),
        lambda v: v <= 2,
        "s",
    ),
    (
        "first page stable, Chromium",
        "≤ 2 s",
        _get("browser", "first_page"),
        lambda v: v <= 2,
        "s",
    ),
    (
        "page switch, Chromium (slowest page)",
        "≤ 1 s",
        _get("browser", "page_switch_max"),
        lambda v: v <= 1,
        "s",
    ),
    (
        "filter change, Chromium",
        "≤ 1 s",
        _get("browser", "filter_change"),
        lambda v: v <= 1,
        "s",
    ),
    ("sync requests / minimum", "≤ 1.1×", _get("sync", "ratio"), lambda v: v <= 1.1, "×"),
)


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return _ms(value) if value < 1 else _s(value)
    if unit == "×":
        return f"{value:,.2f}×"
    if unit == "/s":
        return f"{value:,.0f}/s"
    if unit == "MiB":
        return f"{value:,.0f} MiB ({value * 2**20 / 1e9:.2f} GB)"
    return f"{value:,.0f} {unit}"


def targets_table(results: dict[str, dict[str, Any]]) -> list[str]:
    """The targets before issue 14 (benchmarks/README.md), one column per size."""
    sizes = _sizes(results)
    lines = ["| target | goal | " + " | ".join(sizes) + " |", "|---|---|" + "---|" * len(sizes)]
    for name, goal, read, ok, unit in TARGETS:
        cells = []
        for size in sizes:
            value = read(results[size])
            cells.append(
                "—"
                if value is None
                else f"{_fmt(value, unit)} {'met' if ok(value) else '**missed**'}"
            )
        lines.append(f"| {name} | {goal} | " + " | ".join(cells) + " |")
    return lines


def browser_line(r: dict[str, Any]) -> str:
    from benchmarks.browser import line

    return line(r)


def _sizes(results: dict[str, dict[str, Any]]) -> list[str]:
    return [s for s in ORDER if s in results and s != "tiny"] or list(results)


# -- issue 14's target table ---------------------------------------------------------------------
#
# Each row reads its figure from a size's results; a figure another step writes (the build's, the
# landing's, the first sync's) is "not measured" until a run has written it. The keys read:
#   sync-to-fresh          fresh.sync_to_fresh.total_seconds.median (build + publish after the
#                          delta)
#   full build + publish   fresh.full_build.total_seconds.median, and fresh.full_build.spilled /
#                          temp_bytes_max (DuckDB's temporary files)
#   KPI set                kpis.28d|span.opskpi_warm_seconds.median, kpis.28d.warm_vs_floor
#   vs Polars              kpis.28d|span.polars_vs_warm (Polars load + compute / opskpi warm)
#   landing                landing.page_vs_floor (page records/s / DuckDB's raw insert's),
#                          landing.page_records_per_second, landing.floor.records_per_second
#   landing peak RSS       landing.peak_rss_mib
#   first sync             first_sync.default.minutes


@dataclass(frozen=True)
class Verdict:
    """A row's figure at one size: what to print, and whether it meets the target."""

    text: str
    met: bool


@dataclass(frozen=True)
class IssueTarget:
    figure: str
    before: str  # the issue's measurement on main before the work (1 M, 2 cores)
    target: str
    judge: Callable[[dict[str, Any]], Verdict | None]  # None: not measured in these results


def _value(results: dict[str, Any], *keys: str) -> float | None:
    return _get(*keys)(results)


def _sync_to_fresh(r: dict[str, Any]) -> Verdict | None:
    seconds = _value(r, "fresh", "sync_to_fresh", "total_seconds", "median")
    if seconds is None:
        return None
    return Verdict(_s(seconds), seconds <= 3)


def _full_build(r: dict[str, Any]) -> Verdict | None:
    f = r.get("fresh", {}).get("full_build")
    if not isinstance(f, dict) or "total_seconds" not in f:
        return None
    total = f["total_seconds"]["median"]
    build, publish = f["build_seconds"]["median"], f["publish_seconds"]["median"]
    spill = f["temp_bytes_max"] / 2**20 if f["spilled"] else 0.0
    text = f"{_s(total)} (build {_s(build)} + publish {_s(publish)}); spill {spill:,.0f} MiB"
    return Verdict(text, total <= 15 and not f["spilled"])


def _kpi_28d(r: dict[str, Any]) -> Verdict | None:
    warm = _value(r, "kpis", "28d", "opskpi_warm_seconds", "median")
    if warm is None:
        return None
    vs_floor = _value(r, "kpis", "28d", "warm_vs_floor")
    if vs_floor is None:
        return Verdict(f"{_ms(warm)}; the hand-written query not measured", False)
    floor = _value(r, "kpis", "28d", "floor_seconds", "median") or 0.0
    return Verdict(
        f"{_ms(warm)} = {vs_floor:.2f}× the hand-written query ({_ms(floor)})",
        warm <= 0.020 and vs_floor <= 2,
    )


def _kpi_span(r: dict[str, Any]) -> Verdict | None:
    warm = _value(r, "kpis", "span", "opskpi_warm_seconds", "median")
    return None if warm is None else Verdict(_ms(warm), warm <= 0.150)


def _vs_polars(r: dict[str, Any]) -> Verdict | None:
    ratios = {p: _value(r, "kpis", p, "polars_vs_warm") for p in ("28d", "span")}
    measured = {p: v for p, v in ratios.items() if v is not None}
    if not measured:
        return None
    text = ", ".join(f"{PERIOD_LABELS[p]} {v:.2f}×" for p, v in measured.items())
    return Verdict(text, len(measured) == len(ratios) and min(measured.values()) >= 2)


def _landing_rate(r: dict[str, Any]) -> Verdict | None:
    ratio = _value(r, "landing", "page_vs_floor")
    if ratio is None:
        return None
    rate = _value(r, "landing", "page_records_per_second") or 0.0
    floor = _value(r, "landing", "floor", "records_per_second") or 0.0
    text = f"{rate:,.0f}/s = {ratio:.2f}× DuckDB's raw insert ({floor:,.0f}/s)"
    return Verdict(text, ratio >= 0.9)


def _landing_rss(r: dict[str, Any]) -> Verdict | None:
    mib = _value(r, "landing", "peak_rss_mib")
    return None if mib is None else Verdict(_fmt(mib, "MiB"), mib * 2**20 < 1e9)


def _first_sync(r: dict[str, Any]) -> Verdict | None:
    minutes = _value(r, "first_sync", "default", "minutes")
    return None if minutes is None else Verdict(f"{minutes:,.1f} min", minutes <= 5)


PERIOD_LABELS = {"28d": "28 days", "span": "whole span"}

ISSUE_14: tuple[IssueTarget, ...] = (
    IssueTarget(
        "sync-to-fresh: build + publish after a 15-minute delta (≈ 400 incidents + their log "
        "entries)",
        "42–49 s",
        "≤ 3 s",
        _sync_to_fresh,
    ),
    IssueTarget("full build + publish", "42–49 s", "≤ 15 s, no spill", _full_build),
    IssueTarget(
        "KPI set, 28 days, warm", "67–90 ms", "≤ 20 ms and ≤ 2× the hand-written query", _kpi_28d
    ),
    IssueTarget("KPI set, whole span, warm", "352–455 ms", "≤ 150 ms", _kpi_span),
    IssueTarget(
        "vs Polars, needed columns (load + compute)", "0.59–1.45×", "≥ 2× faster", _vs_polars
    ),
    IssueTarget(
        "landing, page records",
        "41–52 k/s",
        "≥ 0.9× DuckDB's raw-insert rate on the same files",
        _landing_rate,
    ),
    IssueTarget("landing peak RSS", "1.9 GB", "< 1 GB", _landing_rss),
    IssueTarget(
        "first sync, 12,600 PD incidents with custom fields, 10 % faults",
        "> 25 min",
        "≤ 5 min against the simulator",
        _first_sync,
    ),
)


def _cell(verdict: Verdict | None, markdown: bool) -> str:
    if verdict is None:
        return "not measured"
    missed = "**missed**" if markdown else "MISSED"
    return f"{verdict.text}: {'met' if verdict.met else missed}"


def issue_targets_table(results: dict[str, dict[str, Any]]) -> list[str]:
    """Issue 14's target table (Markdown): each row's figure at each size, met or missed."""
    sizes = _sizes(results)
    lines = [
        "| figure | before (1 M) | target | " + " | ".join(sizes) + " |",
        "|---|---|---|" + "---|" * len(sizes),
    ]
    for row in ISSUE_14:
        cells = [_cell(row.judge(results[size]), markdown=True) for size in sizes]
        lines.append(f"| {row.figure} | {row.before} | {row.target} | " + " | ".join(cells) + " |")
    return lines


def issue_targets_lines(size: str, results: dict[str, Any]) -> list[str]:
    """The same rows for one size, for the console at the end of a run."""
    lines = [f"issue 14 targets at {size} (figure: today's value: verdict; target; before):"]
    for row in ISSUE_14:
        lines.append(
            f"  {row.figure}: {_cell(row.judge(results), markdown=False)}; target "
            f"{row.target}; before {row.before}"
        )
    return lines


def _section(size: str, r: dict[str, Any]) -> list[str]:
    m = r["machine"]
    counts = r["dataset"]["counts"]
    lines = [
        f"### {size}",
        "",
        f"Run {r['started']} → {r.get('finished', '?')}, {r['runs']} run(s) per figure "
        f"(landing: {r.get('landing', {}).get('runs', '—')}). Machine: {m['cores']} cores "
        f"({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}, DuckDB {m['duckdb']}, "
        f"pandas {m['pandas']}; load average before {m['load_average']}, after "
        f"{m.get('load_average_after', '?')}.",
        "",
        *[
            f"Re-measured {', '.join(part['steps'])} at {part['started']} ({part['runs']} "
            f"run(s); load average before {part['machine']['load_average']}, after "
            f"{part['machine'].get('load_average_after', '?')})."
            for part in r.get("partial_runs", [])
        ],
        "",
        "Data: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()) + ".",
        "",
        "```",
    ]
    for key, fmt in (("landing", landing_line), ("models", models_line)):
        if key in r:
            lines.append(fmt(r[key]))
    for name, figures in r.get("kpis", {}).items():
        lines.append(kpi_line(name, figures))
    for key, fmt in (
        ("exporter", exporter_line),
        ("app", app_line),
        ("browser", browser_line),
        ("sync", sync_line),
        ("fresh", fresh_line),
        ("first_sync", first_sync_line),
    ):
        if key in r:
            lines.append(fmt(r[key]))
    lines += ["```", ""]
    diffs = [d for f in r.get("kpis", {}).values() for d in f.get("differences", [])]
    if diffs:
        lines += ["Differences opskpi vs pandas:", "", *[f"- `{d}`" for d in diffs], ""]
    if "sync" in r and "requests_by_endpoint" in r["sync"]:
        s = r["sync"]
        lines += [
            "Sync requests by endpoint (minimum by kind: "
            + ", ".join(f"{k} {v}" for k, v in s["minimum_by_kind"].items())
            + "):",
            "",
        ]
        lines += [f"- `{path}`: {n:,}" for path, n in s["requests_by_endpoint"].items()]
        lines.append("")
    return lines


def write_doc(results_dir: Path, doc: Path) -> None:
    results = {
        p.stem: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(results_dir.glob("*.json"))
    }
    lines = [
        "# opskpi benchmarks",
        "",
        "Generated by `python -m benchmarks.run --size 100k|1m` (see "
        "[benchmarks/README.md](../benchmarks/README.md) for what each figure measures and "
        "how); the analysis below the figures is `benchmarks/analysis.md`. Every figure is the "
        "median of the runs stated.",
        "",
        "## Targets of issue 14",
        "",
        "Each figure at 1 M incidents is the one the issue sets a target for (medians, one run "
        'of the benchmark; "before" is the issue\'s measurement on main before the work). '
        '"not measured": no run has written that figure into these results yet.',
        "",
        *issue_targets_table(results),
        "",
        "## Targets before issue 14",
        "",
        *targets_table(results),
        "",
        "## Figures",
        "",
    ]
    for size in [s for s in ORDER if s in results] + [s for s in results if s not in ORDER]:
        lines += _section(size, results[size])
    if ANALYSIS.is_file():
        lines += [ANALYSIS.read_text(encoding="utf-8").rstrip(), ""]
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text("\n".join(lines), encoding="utf-8")
