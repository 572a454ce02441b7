"""The commands of ``opskpi``, one module each (see ``app/cli.py``)."""

from app.commands import app_cmd, db, demo, kpis, metrics_cmd, report, simulate, sync

COMMAND_MODULES = [kpis, db, metrics_cmd, app_cmd, report, sync, simulate, demo]
