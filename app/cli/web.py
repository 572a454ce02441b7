"""``opskpi app [--port N]``: the Streamlit app on 127.0.0.1, headless.

It runs ``streamlit run app/streamlit_app.py`` in place of this process (so stopping it stops
the server) and hands the config file over in ``$OPSKPI_CONFIG``: the app loads the same
settings as every other command.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from opskpi.app.cli.common import CommandError, settings_of

APP_FILE = Path(__file__).resolve().parents[1] / "web" / "main.py"
BIND = "127.0.0.1"


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "app",
        parents=[common],
        help="run the Streamlit app",
        description=(
            "Run the Streamlit app on http://127.0.0.1:N (headless: no browser is opened). "
            "It reads the published KPI snapshot only, so it keeps working while a sync runs."
        ),
    )
    parser.add_argument("--port", type=int, metavar="N", help="port (default: [app] port, 8501)")
    parser.set_defaults(handler=run)


def streamlit_command(port: int, app_file: Path = APP_FILE) -> list[str]:
    """The ``streamlit run`` command line: loopback only, headless, no telemetry, no reloads."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_file),
        "--server.address",
        BIND,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        # the grid's own CSV export writes cells as they are; the app's CSV downloads make
        # formula-like cells inert (app/escaping.py)
        "--client.disableDataExport",
        "true",
    ]


def app_environment(config_origin: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the server: ``$OPSKPI_CONFIG`` names the config file (absolute) when
    the settings came from a file; otherwise the app finds the same defaults itself."""
    env = dict(os.environ if base is None else base)
    origin = Path(config_origin)
    if origin.is_file():
        env["OPSKPI_CONFIG"] = str(origin.resolve())
    return env


def run(args: argparse.Namespace) -> int:
    settings = settings_of(args)  # a bad config fails here, in one line, not in the browser
    port = settings.model.app.port if args.port is None else args.port
    if not 1 <= port <= 65535:
        raise CommandError(f"--port: expected 1..65535, got {port}")
    command = streamlit_command(port)
    env = app_environment(settings.origin)
    print(
        f"opskpi app: http://{BIND}:{port}  (config: {settings.origin}; "
        f"snapshot: {settings.serving_path})",
        file=sys.stderr,
        flush=True,
    )
    os.execve(sys.executable, command, env)
    return 0  # not reached
