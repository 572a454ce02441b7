"""``opskpi kpis``: every KPI of docs/kpis.md §3–8, 10 and 11 for a period, as a table, JSON or
CSV."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from opskpi.app.cli.common import (
    CommandError,
    add_filter_options,
    check_filters,
    filters_of,
    parse_date,
    parse_instant,
    settings_of,
    team_deploys_note,
)

if TYPE_CHECKING:
    from opskpi.metrics.period import Period
    from opskpi.metrics.report import KpiReport


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "kpis",
        parents=[common],
        help="print every KPI for a period",
        description=(
            "Print every KPI for a period. --since is inclusive and --until exclusive, both "
            "dates in the reporting time zone; by default the last 28 full days before --as-of."
        ),
    )
    parser.add_argument("--since", metavar="DATE", help="first day (inclusive)")
    parser.add_argument("--until", metavar="DATE", help="end day (exclusive)")
    parser.add_argument("--as-of", metavar="TIME", help="ISO-8601 instant to judge open/overdue at")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON object (shape: docs/kpis.md)")
    fmt.add_argument("--csv", action="store_true", help="long CSV: group,key,metric,value")
    add_filter_options(parser)
    parser.set_defaults(handler=run)


def period_of(args: argparse.Namespace, timezone: str) -> Period:
    from opskpi.metrics.period import Period, now_utc

    as_of = parse_instant(args.as_of, "--as-of") if args.as_of else now_utc()
    default = Period.last_full_days(28, as_of, timezone)
    since = parse_date(args.since, "--since") if args.since else None
    until = parse_date(args.until, "--until") if args.until else None
    if since is None and until is None:
        return default
    if until is None:
        assert since is not None
        until = default.until if since < default.until else since + timedelta(days=28)
    if since is None:
        since = until - timedelta(days=28)
    if until <= since:
        raise CommandError(f"--until ({until}) must be after --since ({since})")
    return Period(since, until, as_of)


def run(args: argparse.Namespace) -> int:
    from opskpi.metrics.kpis import build_report
    from opskpi.metrics.lists import taxonomy_labels
    from opskpi.metrics.snapshot import open_settings_snapshot

    settings = settings_of(args)
    period = period_of(args, settings.model.report.timezone)
    filters = filters_of(args)
    con = open_settings_snapshot(settings)
    try:
        check_filters(con, filters)
        report = build_report(con, period, filters)
        note = team_deploys_note(con, period, filters)
        labels = taxonomy_labels(con)
    finally:
        con.close()
    if note:
        print(f"opskpi kpis: {note}", file=sys.stderr)
    if args.json:
        json.dump(report.to_json(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.csv:
        write_csv(report)
    else:
        from opskpi.app.cli.kpi_table import print_report
        from opskpi.app.i18n.translator import Translator

        # English until tests/test_cli_kpis.py stops asserting "no data" on a pt-BR config;
        # then translator_for(settings), as the report does (the table is ready for it)
        print_report(report, tr=Translator("en"), labels=labels)
    return 0


def write_csv(report: KpiReport) -> None:
    """The long CSV: one row per number of the report (``KpiReport.long_rows``), then each
    source's status (group ``sources``). Text cells a spreadsheet would evaluate as a formula
    are made inert (``app/escaping.py``)."""
    from opskpi.app.escaping import csv_cell

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["as_of", "since", "until", "group", "key", "metric", "value"])
    as_of, since, until = (
        report.as_of.isoformat(),
        report.since.isoformat(),
        report.until.isoformat(),
    )
    rows: list[tuple[str, str, str, object]] = list(report.long_rows())
    for source in report.sources:
        for metric, value in source.to_json().items():
            if metric != "source":
                rows.append(("sources", source.source, metric, _csv_value(value)))
    for group, key, metric, value in rows:
        cells = [as_of, since, until, group, key, metric, "" if value is None else value]
        writer.writerow([csv_cell(cell) for cell in cells])


def _csv_value(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
