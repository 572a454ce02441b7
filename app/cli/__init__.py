"""The ``opskpi`` command line: ``main.py`` parses and turns errors into one line and an exit code;
each command is one module named after it (``kpis.py`` is ``opskpi kpis``; ``web.py`` is
``opskpi app``, ``exporter.py`` is ``serve-metrics`` and ``export-metrics``), registered in
``commands.py``.

May import ``opskpi.app.review``, ``opskpi.app.i18n``, ``opskpi.metrics``, ``opskpi.etl`` (sync,
build, simulator) and ``opskpi.config``; never ``opskpi.app.web``."""
