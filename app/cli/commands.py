"""The commands of ``opskpi``, one module each, in the order ``--help`` lists them."""

from opskpi.app.cli import db, demo, exporter, kpis, report, simulate, sync, web

COMMAND_MODULES = [kpis, db, exporter, web, report, sync, simulate, demo]
