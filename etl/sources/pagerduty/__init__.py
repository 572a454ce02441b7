"""The PagerDuty connector: ``connector.py`` plans the sync, ``client.py`` wraps the official
``pagerduty`` client with opskpi's HTTP policy, ``windows.py`` splits time spans under the
10,000-record cap, ``details.py`` fetches per-incident details (alerts, custom fields).

May import ``opskpi.etl`` (context, errors, http, warehouse landing) and ``opskpi.config``."""
