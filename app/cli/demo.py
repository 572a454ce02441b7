"""``opskpi demo [--port-base N]``: the whole product on one machine with no accounts.

Starts the API simulator in this process on 127.0.0.1:N (its Opsgenie account moves to JSM
Operations halfway through the history), writes ``data/demo/opskpi.toml``
(the simulator's URLs, demo tokens in files under ``data/demo/secrets/``, the organisation's
services with their Argo CD apps and runbooks, the postmortems folder the simulator writes),
syncs every source into a fresh demo warehouse, builds and publishes the KPIs, then runs
``opskpi app`` (port N+1) and ``opskpi serve-metrics`` (port N+2) as child processes when
those commands exist, prints every URL and waits for Ctrl-C, stopping the children cleanly.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from opskpi.app.cli.common import CommandError
from opskpi.app.cli.simulate import DEFAULT_PORT, DEFAULT_SEED
from opskpi.config.load import DEMO_DIR

CHILD_COMMANDS = ("app", "serve-metrics")
READY_TIMEOUT = 60.0  # seconds a child gets to start listening before a warning
STOP_TIMEOUT = 10.0
DEMO_ALERT_GROUPING = 0.05  # PagerDuty incidents grouping 2+ alerts (the simulator's default: rare)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "demo",
        parents=[common],
        help="simulator + sync + app + exporter on a demo warehouse",
        description=(
            "Serve a synthetic organisation through the API simulator on 127.0.0.1:N, write "
            "data/demo/opskpi.toml for it, sync every source into a fresh demo warehouse, "
            "then run the app on N+1 and the Prometheus exporter on N+2 until Ctrl-C. "
            "Afterwards, commands run in this folder use the demo config by default."
        ),
    )
    parser.add_argument(
        "--port-base",
        type=int,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"simulator port; app N+1, exporter N+2 (default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        metavar="N",
        help=f"organisation seed (default {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--months", type=int, default=12, metavar="N", help="months of history (default 12)"
    )
    parser.set_defaults(handler=run)


def available_commands() -> set[str]:
    """The subcommand names this opskpi registers (others add ``app``, ``serve-metrics``)."""
    from opskpi.app.cli.commands import COMMAND_MODULES

    subparsers = argparse.ArgumentParser().add_subparsers()
    common = argparse.ArgumentParser(add_help=False)
    for module in COMMAND_MODULES:
        module.register(subparsers, common)
    return set(subparsers.choices)


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def demo_config_text(sim: Any, org: Any, app_port: int, metrics_port: int) -> str:
    """The demo config: relative paths resolve against ``data/demo``."""
    from opskpi.simulator.pagerduty import RELEASE_FIELD, ROOT_CAUSE_FIELD

    lines = [
        "# Written by `opskpi demo`: the simulator's URLs and demo tokens (not real secrets).",
        "[report]",
        f"timezone = {_toml_string(org.account_timezone)}",
        "",
        "[warehouse]",
        'path = "opskpi.duckdb"',
        "",
        "[sources.pagerduty]",
        f"base_url = {_toml_string(sim.pagerduty_url)}",
        'token_file = "secrets/pagerduty.token"',
        "# the simulator has no rate limit (PagerDuty's: 960 requests a minute, the default)",
        "max_requests_per_minute = 0",
        "",
        "[sources.opsgenie]",
        f"base_url = {_toml_string(sim.opsgenie_url)}",
        'api_key_file = "secrets/opsgenie.key"',
        "",
        *_jsm_lines(sim, org),
        "[sources.argocd]",
        f"base_url = {_toml_string(sim.argocd_url)}",
        'token_file = "secrets/argocd.token"',
        "",
        "[postmortems]",
        'path = "postmortems"',
        'actions_csv = "postmortems/actions.csv"',
        "",
        "# the simulated organisation fills in these PagerDuty custom fields (one request each",
        "# per incident: opt-in)",
        "[taxonomy]",
        f"pagerduty_field = {_toml_string(ROOT_CAUSE_FIELD)}",
        "",
        "[releases]",
        f"pagerduty_field = {_toml_string(RELEASE_FIELD)}",
        "",
        "[app]",
        f"port = {app_port}",
        "",
        "[exporter]",
        f"port = {metrics_port}",
    ]
    for name, entry in sorted(org.services_config().items()):
        lines += ["", f"[services.{_toml_string(name)}]"]
        apps = ", ".join(_toml_string(a) for a in entry.get("argocd_apps", []))
        lines.append(f"argocd_apps = [{apps}]")
        if entry.get("team"):
            lines.append(f"team = {_toml_string(str(entry['team']))}")
        if entry.get("runbook_url"):
            lines.append(f"runbook_url = {_toml_string(str(entry['runbook_url']))}")
    return "\n".join(lines) + "\n"


def _jsm_lines(sim: Any, org: Any) -> list[str]:
    """``[sources.jsm]`` when the organisation's Opsgenie account moved to JSM Operations: the
    cutover is the migration's date (docs/migration-opsgenie-to-jsm.md)."""
    if org.jsm_migrated_at is None:
        return []
    from zoneinfo import ZoneInfo

    day = org.jsm_migrated_at.astimezone(ZoneInfo(org.account_timezone)).date()
    return [
        "# the Opsgenie account moved to JSM Operations on this date: Opsgenie before, JSM after",
        "[sources.jsm]",
        f"base_url = {_toml_string(sim.jsm_url)}",
        f"site = {_toml_string(sim.jsm_site_url)}",
        'email_file = "secrets/jsm.email"',
        'api_token_file = "secrets/jsm.token"',
        f'cutover = "{day.isoformat()}"',
        "",
    ]


def prepare_folder(folder: Path, sim: Any, org: Any, app_port: int, metrics_port: int) -> Path:
    """Write secrets, postmortems and the config; drop the previous demo warehouse."""
    from opskpi.simulator import write_postmortems

    secrets = folder / "secrets"
    secrets.mkdir(parents=True, exist_ok=True)
    tokens = sim.tokens
    files = [
        ("pagerduty.token", tokens.pagerduty),
        ("opsgenie.key", tokens.opsgenie),
        ("argocd.token", tokens.argocd),
    ]
    if org.jsm_migrated_at is not None:
        files += [("jsm.email", tokens.jsm_email), ("jsm.token", tokens.jsm_api_token)]
    for name, value in files:
        path = secrets / name
        path.write_text(value + "\n", encoding="utf-8")
        path.chmod(0o600)
    shutil.rmtree(folder / "postmortems", ignore_errors=True)
    write_postmortems(org, folder / "postmortems")
    # a fresh warehouse each time: the organisation is regenerated up to this hour
    for stale in ("opskpi.duckdb", "opskpi.duckdb.wal", "opskpi.serving.duckdb"):
        (folder / stale).unlink(missing_ok=True)
    config = folder / "opskpi.toml"
    config.write_text(demo_config_text(sim, org, app_port, metrics_port), encoding="utf-8")
    return config


def start_child(command: str, config: Path, port: int, logs: Path) -> subprocess.Popen[bytes]:
    logs.mkdir(parents=True, exist_ok=True)
    log = open(logs / f"{command}.log", "wb")  # noqa: SIM115 (kept open for the child's life)
    argv = [
        sys.executable,
        "-m",
        "opskpi.app.cli",
        command,
        "--config",
        str(config),
        "--port",
        str(port),
    ]
    return subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches the demo, which stops its children in order
    )


def wait_listening(port: int, child: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and child.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return True
        time.sleep(0.2)
    return False


def stop_children(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children.values():
        try:
            child.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    from opskpi.app.cli.sync import RichProgress, progress_bars, setup_logging, summary_line
    from opskpi.config import load_settings
    from opskpi.etl.sync import run_sync
    from opskpi.etl.warehouse.build import build_and_publish
    from opskpi.etl.warehouse.connect import open_writer
    from opskpi.simulator import SimulatorServer, generate
    from opskpi.simulator.generate import GenerateParams
    from opskpi.simulator.jsm import mid_period
    from opskpi.simulator.timeutil import ACCOUNT_TZ_NAME

    base = args.port_base
    if not 1 <= base <= 65533:
        raise CommandError(f"--port-base: expected 1..65533, got {base}")
    console = Console(stderr=True)
    setup_logging(console)
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    window = GenerateParams(seed=args.seed, end=end, months=args.months)
    migration = mid_period(window.start_utc, window.end_utc, ACCOUNT_TZ_NAME)
    # more PagerDuty alert grouping than the default, so the demo shows alerts per incident
    org = generate(
        args.seed,
        end,
        months=args.months,
        alert_grouping_rate=DEMO_ALERT_GROUPING,
        jsm_migration_at=migration,
    )
    try:
        sim = SimulatorServer(org, port=base).start()
    except OSError as exc:
        raise CommandError(f"cannot listen on 127.0.0.1:{base}: {exc.strerror or exc}") from None
    children: dict[str, subprocess.Popen[bytes]] = {}
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        folder = Path.cwd() / DEMO_DIR
        config = prepare_folder(folder, sim, org, base + 1, base + 2)
        settings = load_settings(config)
        console.print(
            f"[bold]opskpi demo[/]: {len(org.incidents):,} incidents, "
            f"{len(org.deploys):,} deploys, {len(org.postmortems):,} postmortems "
            f"(seed {args.seed}); config {config}"
        )
        con = open_writer(settings.warehouse_path)
        try:
            with progress_bars(console) as bars:
                report = run_sync(
                    settings, progress=RichProgress(bars), con=con, now=lambda: sim.now
                )
            for result in report.results:
                console.print(summary_line(result))
            build_and_publish(settings, con)
        finally:
            con.close()
        commands = available_commands()
        ports = {"app": base + 1, "serve-metrics": base + 2}
        for command in CHILD_COMMANDS:
            if command in commands:
                children[command] = start_child(command, config, ports[command], folder / "logs")
        for command, child in children.items():
            if not wait_listening(ports[command], child, READY_TIMEOUT):
                console.print(
                    f"[yellow]{command} is not answering yet; see "
                    f"{folder / 'logs' / (command + '.log')}[/]"
                )
        print_urls(sim, children, ports, config)
        while True:
            for command, child in list(children.items()):
                if child.poll() is not None:
                    console.print(
                        f"[yellow]{command} stopped (exit {child.returncode}); "
                        f"see {folder / 'logs' / (command + '.log')}[/]"
                    )
                    del children[command]
            time.sleep(0.5)
    except KeyboardInterrupt:
        console.print("stopping the demo…")
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop_children(children)
        sim.stop()
    return 0


def print_urls(sim: Any, children: dict[str, Any], ports: dict[str, int], config: Path) -> None:
    lines = [
        f"  PagerDuty API   {sim.pagerduty_url}",
        f"  Opsgenie API    {sim.opsgenie_url}",
        f"  JSM Ops API     {sim.jsm_url}/jsm/ops/api",
        f"  Argo CD API     {sim.argocd_url}",
        f"  Simulator       {sim.url}/_sim/summary",
    ]
    if "app" in children:
        lines.append(f"  App             http://127.0.0.1:{ports['app']}")
    if "serve-metrics" in children:
        lines.append(f"  Metrics         http://127.0.0.1:{ports['serve-metrics']}/metrics")
    lines.append(f"  Config          {config}  (opskpi kpis / sync / report use it from here)")
    lines.append("Ctrl-C to stop.")
    print("\n".join(lines), flush=True)
