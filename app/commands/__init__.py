"""The commands of ``opskpi``, one module each (see ``app/cli.py``)."""

from app.commands import db, kpis

COMMAND_MODULES = [kpis, db]
