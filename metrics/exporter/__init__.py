"""The Prometheus exporter: ``families.py`` names every family (the Grafana dashboards read these
names), ``snapshot_kpis.py`` reads the KPI rows of a snapshot, ``samples.py`` maps them onto
families and labels, ``cache.py`` keeps them fresh off the scrape path, ``collector.py`` yields
them, ``server.py`` serves ``/metrics`` and writes textfiles.

May import ``opskpi.metrics`` and ``opskpi.config``."""
