"""The ``opskpi`` command line: thin over ``etl`` and ``metrics``.

Each command lives in ``app/commands/<name>.py`` with a ``register(subparsers, common)``
function. Errors a user can act on are one line on stderr and exit 1 — never a traceback
(set ``OPSKPI_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

import duckdb

from opskpi.app.cli.commands import COMMAND_MODULES
from opskpi.app.cli.common import CommandError
from opskpi.config import ConfigError
from opskpi.config.secrets import SecretError
from opskpi.etl.errors import ConnectorError
from opskpi.sql.session import (
    SchemaTooNewError,
    WarehouseAccessError,
    WarehouseBusyError,
    WarehouseMissingError,
)

USER_ERRORS: tuple[type[BaseException], ...] = (
    ConfigError,
    SecretError,
    ConnectorError,
    WarehouseBusyError,
    WarehouseMissingError,
    WarehouseAccessError,
    SchemaTooNewError,
    FileNotFoundError,
    PermissionError,
    ValueError,
    duckdb.Error,
)
# what a shell shows for a command that wrote into a pipe whose reader had gone (128 + SIGPIPE)
EXIT_BROKEN_PIPE = 141


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="config file (default: $OPSKPI_CONFIG, else ./opskpi.toml, else the demo defaults)",
    )
    parser = argparse.ArgumentParser(
        prog="opskpi",
        description="Incident KPIs from PagerDuty, Opsgenie and Argo CD, in DuckDB.",
        parents=[common],
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "config"):
        args.config = None
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("opskpi: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of stdout went away (`opskpi kpis --json | head`): nothing more to say,
        # and nothing for the interpreter to flush into the closed pipe on its way out
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except CommandError as exc:
        print(f"opskpi {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except USER_ERRORS as exc:
        if os.environ.get("OPSKPI_DEBUG"):
            traceback.print_exc()
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"opskpi {args.command}: {message}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: still one line, with how to see more
        if os.environ.get("OPSKPI_DEBUG"):
            traceback.print_exc()
        print(
            f"opskpi {args.command}: internal error ({type(exc).__name__}: {exc}); "
            "run with OPSKPI_DEBUG=1 for the traceback",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
