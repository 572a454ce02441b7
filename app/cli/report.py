"""``opskpi report [--week YYYY-Www] [--format md|html] [--output FILE] [--send]``: the weekly
operational review (docs/kpis.md §9), the same document as the app's "Revisão semanal" page.

Extensions: ``--as-of TIME`` (judge open/overdue at that instant; default now) and the filters of
``opskpi kpis`` (``--severity``, ``--service``, ``--team``, ``--source``). Written to a file, a
capped list's full rows go to CSVs beside it. ``--send`` writes the file first (``--output``, else
``[report.delivery] output_dir``), then delivers it per ``[report.delivery]``
(docs/weekly-review.md): a failed delivery is one line on stderr and exit 1, the file stays.
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
            "Write the weekly operational review of an ISO week: first the briefing (sev1/sev2 "
            "of the week against their targets, incidents open past target now, must-fix "
            "actions overdue this week by owner, postmortems now late, KPIs past their target "
            "or a threshold), then every KPI with its change from the week before and its "
            "trend, top services, the incidents of the week, incidents without a runbook, "
            "overdue and upcoming corrective actions, late or missing postmortems. By default "
            "the last full ISO week before --as-of, as Markdown on stdout. Written to a file, "
            "the full rows of a capped list go to CSV files beside it."
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
    parser.add_argument(
        "--send",
        action="store_true",
        help=(
            "write the file (--output, else [report.delivery] output_dir), then post the "
            "briefing to the webhook and/or e-mail the HTML per [report.delivery]"
        ),
    )
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
    from opskpi.app.review.context import ReviewOptions
    from opskpi.app.review.document import render
    from opskpi.app.review.links import ListLinks
    from opskpi.metrics.period import now_utc, parse_week, previous_full_week
    from opskpi.metrics.snapshot import open_settings_snapshot

    settings = settings_of(args)
    as_of = parse_instant(args.as_of, "--as-of") if args.as_of else now_utc()
    report = settings.model.report
    week = args.week or previous_full_week(as_of.astimezone(ZoneInfo(report.timezone)).date())
    if parse_week(week) is None:
        raise CommandError(f"--week: expected an ISO week like 2026-W10, got {week!r}")
    week = week.upper()
    delivery = report.delivery
    if args.send and delivery.webhook is None and delivery.email is None:
        raise CommandError(
            "--send: nothing to send to: configure [report.delivery.webhook] and/or "
            "[report.delivery.email] (docs/weekly-review.md)"
        )
    output = Path(args.output) if args.output else None
    if args.send and output is None:
        suffix = "md" if args.format == "md" else "html"
        output = settings.resolve(delivery.output_dir) / f"opskpi-review-{week}.{suffix}"
    fmt = output_format(args.format, str(output) if output else None)
    links = ListLinks(
        app_url=settings.model.app.url,
        csv_prefix=output.stem if output is not None else None,
    )
    filters = filters_of(args)
    con = open_settings_snapshot(settings)
    try:
        check_filters(con, filters)
        doc = weekly_review(
            con,
            week,
            as_of,
            translator_for(settings),
            filters,
            options=ReviewOptions.from_settings(settings),
            links=links,
        )
    finally:
        con.close()
    text = render(doc, fmt)
    if output is None:
        sys.stdout.write(text)
        return 0
    written = write_files(output, text, doc)
    print(f"opskpi report: wrote {', '.join(str(p) for p in written)}", file=sys.stderr)
    if not args.send:
        return 0
    report_link = links.app_link("weekly", week, filters, as_of, {"review_week": week})
    return send(settings, doc, output, report_link)


def write_files(output: Path, text: str, doc: Any) -> list[Path]:
    """The report, then each full list as a CSV beside it; the paths written."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    written = [output]
    for attachment in doc.attachments:
        path = output.with_name(attachment.name)
        path.write_text(attachment.to_csv(), encoding="utf-8")
        written.append(path)
    return written


def send(settings: Any, doc: Any, output: Path, report_link: str | None) -> int:
    """Every configured delivery, each failure one line on stderr; 0 only if all succeeded."""
    from opskpi.app.review.delivery import Attached, DeliveryError, post_webhook, send_email

    delivery = settings.model.report.delivery
    failed = 0
    if delivery.webhook is not None:
        try:
            done = post_webhook(delivery.webhook, settings.base_dir, doc, report_link)
            print(f"opskpi report: {done}", file=sys.stderr)
        except DeliveryError as exc:
            failed += 1
            _failed(exc, output)
    if delivery.email is not None:
        attached = [
            Attached(a.name, a.to_csv().encode("utf-8"), "text/csv") for a in doc.attachments
        ]
        try:
            done = send_email(delivery.email, settings.base_dir, doc, attached)
            print(f"opskpi report: {done}", file=sys.stderr)
        except DeliveryError as exc:
            failed += 1
            _failed(exc, output)
    return 1 if failed else 0


def _failed(exc: Exception, output: Path) -> None:
    print(f"opskpi report: delivery failed: {exc} (the report is in {output})", file=sys.stderr)
