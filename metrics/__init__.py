"""Everything that reads the published snapshot and turns it into numbers: ``snapshot.py`` opens it
read-only, ``period.py`` holds periods and filters, ``kpis.py`` runs one ``sql/kpis`` model per KPI
group, ``lists.py`` the lists behind pages and the review, and ``exporter/`` the Prometheus
exporter.

May import ``opskpi.config`` and ``opskpi.sql``; never ``opskpi.etl`` (it never writes) or
``opskpi.app``."""
