"""The weekly operational review (``docs/kpis.md`` §9): ``build.py`` assembles
the document from the KPI API, ``document.py`` is the document model and its Markdown and HTML
renderings. ``opskpi report`` and the app's "Revisão semanal" page both use it.

May import ``opskpi.app.i18n``, ``opskpi.metrics`` and ``opskpi.config``; never ``opskpi.app.cli``
or ``opskpi.app.web``."""
