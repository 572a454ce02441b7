"""``opskpi report [--week YYYY-Www] [--format md|html] [--output FILE]``: the weekly operational
review (docs/kpis.md §9), the same document as the app's "Revisão semanal" page.

Extensions: ``--as-of TIME`` (judge open/overdue at that instant; default now) and the filters of
``opskpi kpis`` (``--severity``, ``--service``, ``--team``, ``--source``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from opskpi.app.cli.common import (
    CommandError,
    add_filter_options,
    check_filters,
    filters_of,
    parse_instant,
    settings_of,
)

FORMATS = ("md", "html")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "report",
        parents=[common],
        help="write the weekly operational review",
        description=(
            "Write the weekly operational review of an ISO week: every KPI with its change from "
            "the week before, top services, the incidents of the week, incidents without a "
            "runbook, overdue and upcoming corrective actions, late or missing postmortems. "
            "By default the last full ISO week before --as-of, as Markdown on stdout."
        ),
    )
    parser.add_argument("--week", metavar="YYYY-Www", help="ISO week, e.g. 2026-W10")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="md or html (default: from the --output suffix, else md)",
    )
    parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    parser.add_argument("--as-of", metavar="TIME", help="ISO-8601 instant to judge open/overdue at")
    add_filter_options(parser)
    parser.set_defaults(handler=run)


def output_format(explicit: str | None, output: str | None) -> str:
    if explicit:
        return explicit
    if output and Path(output).suffix.lower() in (".html", ".htm"):
        return "html"
    return "md"


def run(args: argparse.Namespace) -> int:
    from opskpi.app.i18n.translator import translator_for
    from opskpi.app.review.build import weekly_review
    from opskpi.app.review.document import render
    from opskpi.metrics.period import now_utc, parse_week, previous_full_week
    from opskpi.metrics.snapshot import open_settings_snapshot

    settings = settings_of(args)
    as_of = parse_instant(args.as_of, "--as-of") if args.as_of else now_utc()
    timezone = settings.model.report.timezone
    week = args.week or previous_full_week(as_of.astimezone(ZoneInfo(timezone)).date())
    if parse_week(week) is None:
        raise CommandError(f"--week: expected an ISO week like 2026-W10, got {week!r}")
    filters = filters_of(args)
    con = open_settings_snapshot(settings)
    try:
        check_filters(con, filters)
        doc = weekly_review(con, week.upper(), as_of, translator_for(settings), filters)
    finally:
        con.close()
    text = render(doc, output_format(args.format, args.output))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"opskpi report: wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
