"""The JSM Operations connector (Opsgenie's successor): ``connector.py`` plans the sync,
``windows.py`` splits the alert listing by time under its 20,000 offset cap, ``links.py`` reads
the API's (possibly relative) next links.

May import ``opskpi.etl`` (context, errors, http, warehouse landing) and ``opskpi.config``."""
