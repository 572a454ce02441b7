"""Write, or check, the generated Grafana dashboards in grafana/dashboards/.

    python -m opskpi.grafana.generate           # (re)write every dashboard JSON file
    python -m opskpi.grafana.generate --check   # exit 1, naming each file that differs
    python -m opskpi.grafana.generate --config opskpi.toml --output /srv/grafana/dashboards

Panel titles are in a language (`--language`, else the config's `[report] language`, else
pt-BR) and the dashboards link to the opskpi app where the config says it is (`[app] url`, else
http://127.0.0.1:<[app] port>). The committed files are the defaults (pt-BR, the default
config). The JSON is deterministic (`sort_keys=True, indent=2`), so they are golden files: CI
runs `--check` (and tests/test_grafana_dashboards.py calls `stale_files()`).
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

from opskpi.config import Settings, load_settings
from opskpi.config.model import AppSettings
from opskpi.grafana.dashboards_src import incident_kpis, sync_health
from opskpi.grafana.panels.words import DEFAULT_LANGUAGE, LANGUAGES, language

DASHBOARD_DIR = Path(__file__).resolve().parent / "dashboards"

# File name -> builder (taking the app's URL). Every *.json in DASHBOARD_DIR must come from here.
DASHBOARDS: dict[str, Callable[[str], dashboard_models.Dashboard]] = {
    incident_kpis.FILENAME: incident_kpis.build,
    sync_health.FILENAME: sync_health.build,
}


def app_url(app: AppSettings | None = None) -> str:
    """Where people open the opskpi app: ``[app] url``, else the local ``opskpi app``."""
    app = app or AppSettings()
    return app.url or f"http://127.0.0.1:{app.port}"


DEFAULT_APP_URL = app_url()

DIFF_LINES = 40


def render(built: dashboard_models.Dashboard) -> str:
    """The dashboard as committed: sorted keys, two-space indent, trailing newline."""
    return json.dumps(built, cls=JSONEncoder, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def rendered(lang: str = DEFAULT_LANGUAGE, url: str = DEFAULT_APP_URL) -> dict[str, str]:
    """Every dashboard as its file text, with titles in ``lang`` and links to ``url``."""
    with language(lang):
        return {name: render(build(url)) for name, build in sorted(DASHBOARDS.items())}


def write(
    directory: Path = DASHBOARD_DIR, lang: str = DEFAULT_LANGUAGE, url: str = DEFAULT_APP_URL
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered(lang, url).items():
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
    parser.add_argument(
        "--config", help="an opskpi config: its [report] language and [app] url (not with --check)"
    )
    parser.add_argument("--language", choices=LANGUAGES, help="panel titles (default: pt-BR)")
    args = parser.parse_args(argv)
    if args.check and (args.config or args.language):
        parser.error("--check compares the committed defaults: no --config or --language")
    settings: Settings | None = load_settings(args.config) if args.config else None
    lang = args.language or (settings.model.report.language if settings else DEFAULT_LANGUAGE)
    url = app_url(settings.model.app) if settings else DEFAULT_APP_URL
    if not args.check:
        for path in write(args.output, lang, url):
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
