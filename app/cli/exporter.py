"""``opskpi serve-metrics`` (the Prometheus exporter) and ``opskpi export-metrics --textfile F``.

Families and labels: docs/metrics-exporter.md.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from opskpi.app.cli.common import CommandError, settings_of


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    serve = subparsers.add_parser(
        "serve-metrics",
        parents=[common],
        help="serve the KPIs to Prometheus on /metrics",
        description=(
            "Serve the KPIs of the published snapshot on http://ADDR:N/metrics (families: "
            "docs/metrics-exporter.md). Values are recomputed when a sync publishes a new "
            "snapshot, or after [exporter] refresh; a scrape never queries the warehouse."
        ),
    )
    serve.add_argument(
        "--port", type=int, metavar="N", help="port (default: [exporter] port, 9464)"
    )
    serve.add_argument(
        "--bind", metavar="ADDR", help="address to listen on (default: [exporter] bind, 127.0.0.1)"
    )
    serve.set_defaults(handler=run_serve)

    export = subparsers.add_parser(
        "export-metrics",
        parents=[common],
        help="write the KPIs once as a Prometheus text file",
        description=(
            "Write the exposition of serve-metrics once to a file, atomically (for "
            "node_exporter's textfile collector: give it a .prom name in that directory)."
        ),
    )
    export.add_argument("--textfile", metavar="F", required=True, help="file to (re)write")
    export.set_defaults(handler=run_export)


def run_serve(args: argparse.Namespace) -> int:
    from opskpi.metrics.exporter.server import Exporter, serve

    settings = settings_of(args)
    if args.port is not None and not 0 <= args.port <= 65535:
        raise CommandError(f"--port: expected 0..65535, got {args.port}")
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )

    def ready(exporter: Exporter) -> None:
        host = f"[{exporter.bind}]" if ":" in exporter.bind else exporter.bind
        print(
            f"opskpi serve-metrics: http://{host}:{exporter.port}/metrics "
            f"(snapshot {exporter.cache.path})",
            file=sys.stderr,
            flush=True,
        )

    try:
        serve(settings, args.port, args.bind, on_ready=ready)
    except OSError as exc:
        port = settings.model.exporter.port if args.port is None else args.port
        bind = settings.model.exporter.bind if args.bind is None else args.bind
        raise CommandError(f"cannot listen on {bind}:{port}: {exc.strerror or exc}") from None
    return 0


def run_export(args: argparse.Namespace) -> int:
    from opskpi.metrics.exporter.server import write_textfile

    settings = settings_of(args)
    samples = write_textfile(settings, Path(args.textfile))
    print(f"opskpi export-metrics: {samples} samples written to {args.textfile}", file=sys.stderr)
    return 0
