"""Generate ``docs/cli.md`` from the commands' own ``--help`` (so the reference cannot drift).

``python -m opskpi.app.cli.docs`` rewrites the file; ``--check`` exits 1 when it is stale (a
test runs the check, as sqlite-utils does with cog).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from opskpi.app.cli.main import build_parser

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
WIDTH = "100"

HEADER = """# Command-line reference

Generated from `opskpi <command> --help` by `python -m opskpi.app.cli.docs`; do not edit by hand.
Every command takes `--config FILE` (default `$OPSKPI_CONFIG`, else `./opskpi.toml`, else the
demo defaults). Errors are one line on stderr and a non-zero exit.
"""


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse has no public accessor for sub-commands
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def render() -> str:
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        parser = build_parser()
        parts = [HEADER]
        for name, sub in _subparsers(parser).items():
            children = _subparsers(sub)
            targets = [(f"{name} {child}", p) for child, p in children.items()] or [(name, sub)]
            for title, target in targets:
                usage = target.format_help().rstrip()
                parts.append(f"\n## `opskpi {title}`\n\n```\n{usage}\n```\n")
        return "".join(parts)
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous


def main(argv: list[str] | None = None) -> int:
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    text = render()
    if check:
        if not DOC.is_file() or DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} is stale: run python -m opskpi.app.cli.docs", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
