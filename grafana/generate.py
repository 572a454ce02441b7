"""Write, or check, the generated Grafana dashboards in grafana/dashboards/.

    python -m opskpi.grafana.generate           # (re)write every dashboard JSON file
    python -m opskpi.grafana.generate --check   # exit 1, naming each file that differs

The JSON is deterministic (`sort_keys=True, indent=2`), so the committed files are golden
files: CI runs `--check` (and tests/test_grafana_dashboards.py calls `stale_files()`).
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as dashboard_models

from opskpi.grafana.dashboards_src import incident_kpis, sync_health

DASHBOARD_DIR = Path(__file__).resolve().parent / "dashboards"

# File name -> builder. Every *.json in DASHBOARD_DIR must come from here.
DASHBOARDS: dict[str, Callable[[], dashboard_models.Dashboard]] = {
    incident_kpis.FILENAME: incident_kpis.build,
    sync_health.FILENAME: sync_health.build,
}

DIFF_LINES = 40


def render(built: dashboard_models.Dashboard) -> str:
    """The dashboard as committed: sorted keys, two-space indent, trailing newline."""
    return json.dumps(built, cls=JSONEncoder, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def rendered() -> dict[str, str]:
    return {name: render(build()) for name, build in sorted(DASHBOARDS.items())}


def write(directory: Path = DASHBOARD_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_files(directory: Path = DASHBOARD_DIR) -> dict[str, str]:
    """File name -> why it differs from what the generator produces (empty when all match)."""
    problems: dict[str, str] = {}
    expected = rendered()
    for name, text in expected.items():
        path = directory / name
        if not path.is_file():
            problems[name] = "missing"
            continue
        current = path.read_text(encoding="utf-8")
        if current != text:
            diff = difflib.unified_diff(
                current.splitlines(),
                text.splitlines(),
                f"{name} (committed)",
                f"{name} (generated)",
                lineterm="",
            )
            problems[name] = "differs:\n" + "\n".join(list(diff)[:DIFF_LINES])
    for path in sorted(directory.glob("*.json")):
        if path.name not in expected:
            problems[path.name] = "not produced by grafana.generate (hand-made or renamed?)"
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m opskpi.grafana.generate", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a committed file differs"
    )
    parser.add_argument(
        "--output", type=Path, default=DASHBOARD_DIR, help=f"directory (default {DASHBOARD_DIR})"
    )
    args = parser.parse_args(argv)
    if not args.check:
        for path in write(args.output):
            print(f"wrote {path}")
        return 0
    problems = stale_files(args.output)
    for name, reason in problems.items():
        print(f"{args.output / name}: {reason}", file=sys.stderr)
    if problems:
        print("run `python -m opskpi.grafana.generate` and commit the result", file=sys.stderr)
        return 1
    print(f"{len(DASHBOARDS)} dashboards up to date in {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
