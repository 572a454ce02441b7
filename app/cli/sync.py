"""``opskpi sync [--source NAME]... [--full]``: pull the configured sources, then rebuild the
models and publish the KPI snapshot on the same writer connection.

Progress (records received per source and object type) goes to stderr; the summary of what
changed goes to stdout. Exit 0 only if every requested source synced.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from opskpi.app.cli.common import settings_of


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "sync",
        parents=[common],
        help="pull incidents, deploys and postmortems into the warehouse",
        description=(
            "Pull what is new or changed from the configured sources (from each source's "
            "watermark minus [sync] lookback), rebuild the models and publish the KPI "
            "snapshot. Exit 0 only if every requested source synced."
        ),
    )
    parser.add_argument(
        "--source",
        action="append",
        metavar="NAME",
        help="only this source (repeatable): pagerduty, opsgenie, jsm, argocd, postmortems",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="re-read everything since [sync] initial_lookback instead of the watermark",
    )
    parser.set_defaults(handler=run)


class RichProgress:
    """One line per (source, object type) with the records received so far."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[tuple[str, str], TaskID] = {}

    def advance(self, source: str, object_type: str, received: int) -> None:
        key = (source, object_type)
        if key not in self.tasks:
            self.tasks[key] = self.progress.add_task(f"{source} {object_type}", total=None)
        self.progress.advance(self.tasks[key], received)


def progress_bars(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<32}"),
        TextColumn("{task.completed:>9,.0f} received"),
        TimeElapsedColumn(),
        console=console,
    )


def setup_logging(console: Console) -> None:
    """Warnings (a skipped incident, a retry budget spent) above the progress bars."""
    logging.basicConfig(  # a no-op when the caller already set logging up
        level=logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False, show_time=False)],
    )


def summary_line(result: Any) -> str:
    if not result.ok:
        return f"{result.source}: FAILED: {result.error}"
    changed = f"{result.records:,} new or changed" if result.records else "no changes"
    requests = result.counts.get("requests", 0)
    extra = f", {requests:,} requests" if requests else ""
    return f"{result.source}: {changed}{extra} ({result.seconds:.1f} s)"


def run(args: argparse.Namespace) -> int:
    from opskpi.etl.sync import run_sync
    from opskpi.etl.warehouse.build import build_and_publish
    from opskpi.etl.warehouse.connect import open_writer

    settings = settings_of(args)
    console = Console(stderr=True)
    setup_logging(console)
    con = open_writer(settings.warehouse_path, memory_limit=settings.model.warehouse.memory_limit)
    try:
        with progress_bars(console) as bars:
            report = run_sync(
                settings,
                sources=args.source,
                full=args.full,
                progress=RichProgress(bars),
                con=con,
            )
        for result in report.results:
            print(summary_line(result), file=sys.stdout if result.ok else sys.stderr)
        built = build_and_publish(settings, con)
    finally:
        con.close()
    print(
        f"built {built.models} models: {built.incidents:,} incidents, {built.deploys:,} deploys; "
        f"published {settings.serving_path}"
    )
    print(built.summary())
    if not report.ok:
        print(
            f"opskpi sync: {len(report.failed)} source(s) failed: {', '.join(report.failed)}",
            file=sys.stderr,
        )
        return 1
    return 0
