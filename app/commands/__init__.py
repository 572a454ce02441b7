"""The commands of ``opskpi``, one module each (see ``app/cli.py``)."""

from app.commands import app_cmd, db, kpis, metrics_cmd, report

COMMAND_MODULES = [kpis, db, metrics_cmd, app_cmd, report]
