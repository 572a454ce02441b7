"""``opskpi simulate [--port N] [--seed N]``: the PagerDuty, Opsgenie, JSM Operations and Argo CD
simulator on 127.0.0.1, serving a seeded synthetic organisation until Ctrl-C."""

from __future__ import annotations

import argparse
from typing import Any

from opskpi.app.cli.common import CommandError

DEFAULT_PORT = 8900
DEFAULT_SEED = 42


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "simulate",
        parents=[common],
        help="serve the PagerDuty, Opsgenie, JSM Operations and Argo CD API simulator",
        description=(
            "Serve a seeded synthetic organisation (a year of incidents, deploys, "
            "postmortems; the Opsgenie account moves to JSM Operations halfway) through "
            "simulated PagerDuty, Opsgenie, JSM Operations and Argo CD APIs on "
            "http://127.0.0.1:N, with their paging, caps and errors, until Ctrl-C. "
            "The printed URLs and demo tokens go into a config's [sources.*] tables."
        ),
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"port (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        metavar="N",
        help=f"organisation seed (default {DEFAULT_SEED}); equal seeds give equal data",
    )
    parser.add_argument(
        "--months", type=int, default=12, metavar="N", help="months of history (default 12)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from opskpi.simulator import run as serve

    if not 0 <= args.port <= 65535:
        raise CommandError(f"--port: expected 0..65535, got {args.port}")
    if args.months < 1:
        raise CommandError(f"--months: expected at least 1, got {args.months}")
    try:
        serve(args.port, args.seed, months=args.months)
    except OSError as exc:
        raise CommandError(
            f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}"
        ) from None
    return 0
