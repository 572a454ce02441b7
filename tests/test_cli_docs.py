"""Every command has help and is documented in docs/cli.md, generated from that help."""

from __future__ import annotations

from opskpi.app.cli.docs import DOC, _subparsers, main, render
from opskpi.app.cli.main import build_parser


def test_docs_cli_is_up_to_date() -> None:
    assert main(["--check"]) == 0, "docs/cli.md is stale: run python -m opskpi.app.cli.docs"


def test_every_command_has_help_and_a_section() -> None:
    text = DOC.read_text(encoding="utf-8")
    commands = _subparsers(build_parser())
    assert {"sync", "kpis", "report", "app", "serve-metrics", "simulate", "demo", "db"} <= set(
        commands
    )
    for name, parser in commands.items():
        assert parser.description or parser.format_help(), name
        assert f"## `opskpi {name}" in text, name
    assert render() == text
