"""The commands of ``opskpi``, one module each (see ``app/cli.py``)."""

from app.commands import db, kpis, metrics_cmd

COMMAND_MODULES = [kpis, db, metrics_cmd]
