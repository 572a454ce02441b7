"""``opskpi db migrate | info | build``: schema migrations, what the warehouse holds, and a
rebuild of the models and the published snapshot from the raw tables (no API calls)."""

from __future__ import annotations

import argparse
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table

from opskpi.app.cli.common import settings_of
from opskpi.etl.warehouse.connect import open_writer
from opskpi.sql.session import scalar


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("db", parents=[common], help="warehouse maintenance")
    db_commands = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    migrate = db_commands.add_parser(
        "migrate", parents=[common], help="apply pending schema migrations"
    )
    migrate.set_defaults(handler=run_migrate)
    info = db_commands.add_parser(
        "info", parents=[common], help="schema version, row counts and the last sync runs"
    )
    info.set_defaults(handler=run_info)
    build = db_commands.add_parser(
        "build",
        parents=[common],
        help="rebuild the models from the raw tables and publish the KPI snapshot",
        description=(
            "Bring the models up to date with the raw tables and publish the KPI snapshot (no "
            "API calls). Only what changed since the last build is re-modelled, and only the "
            "changed tables are published, unless --full is given or the last build is unknown "
            "(the first build, an upgrade); a changed config rebuilds what depends on it."
        ),
    )
    build.add_argument(
        "--full",
        action="store_true",
        help="rebuild every model from the raw tables, and publish the whole snapshot",
    )
    build.set_defaults(handler=run_build)


def run_migrate(args: argparse.Namespace) -> int:
    from opskpi.etl.warehouse.migrate import migrate
    from opskpi.sql.session import current_version

    settings = settings_of(args)
    path = settings.warehouse_path
    con = open_writer(path, memory_limit=settings.model.warehouse.memory_limit)
    try:
        applied = migrate(con, where=str(path))  # open_writer already migrated: usually none
        version = current_version(con)
    finally:
        con.close()
    note = f"applied {applied}" if applied else "nothing to apply"
    print(f"{path}: schema version {version} ({note})")
    return 0


def run_build(args: argparse.Namespace) -> int:
    from opskpi.etl.warehouse.build import build_and_publish

    settings = settings_of(args)
    result = build_and_publish(settings, full=args.full)
    print(
        f"built {result.models} models in {result.seconds:.2f} s: {result.incidents} incidents, "
        f"{result.deploys} deploys; published {settings.serving_path}"
    )
    print(result.summary())
    return 0


def _open_for_info(settings: Any) -> tuple[duckdb.DuckDBPyConnection, str]:
    from opskpi.metrics.snapshot import open_reader
    from opskpi.sql.session import WarehouseMissingError

    path = settings.warehouse_path
    if not path.is_file():
        raise WarehouseMissingError(
            f"no warehouse at {path}: run 'opskpi sync' (or 'opskpi demo') first"
        )
    try:
        con = duckdb.connect(str(path), read_only=True)
        return con, str(path)
    except duckdb.IOException:
        # a sync holds the warehouse: describe the published snapshot instead
        return open_reader(settings.serving_path), f"{settings.serving_path} (a sync is running)"


def run_info(args: argparse.Namespace) -> int:
    from opskpi.sql.session import code_version, current_version

    settings = settings_of(args)
    con, where = _open_for_info(settings)
    console = Console()
    try:
        console.print(f"[bold]{where}[/]  config: {settings.origin}")
        console.print(f"schema version {current_version(con)} (this opskpi: {code_version()})")
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        counts = Table(title="Rows", title_justify="left")
        counts.add_column("table")
        counts.add_column("rows", justify="right")
        if "raw_objects" in tables:
            for source, object_type, n in con.execute(
                "select source, object_type, count(*) from raw_objects where deleted_at is null "
                "group by all order by all"
            ).fetchall():
                counts.add_row(f"raw {source} {object_type}", f"{n:,}")
        for table in (
            "raw_rejects",
            "incidents",
            "deploys",
            "postmortems",
            "corrective_actions",
            "data_quality_issues",
        ):
            if table in tables:
                n = scalar(con, f"select count(*) from {table}")
                counts.add_row(table, f"{n:,}")
        console.print(counts)
        if "sync_runs" in tables:
            runs = Table(title="Last sync runs", title_justify="left")
            for column in ("run", "source", "started", "finished", "status", "records", "error"):
                runs.add_column(column)
            for row in con.execute(
                "select run_id, source, started_at, finished_at, status, records, error "
                "from sync_runs order by started_at desc, source limit 12"
            ).fetchall():
                runs.add_row(*["" if v is None else str(v) for v in row])
            console.print(runs)
    finally:
        con.close()
    return 0
