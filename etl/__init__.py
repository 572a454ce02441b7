"""Everything that writes the warehouse: the connectors (``sources/``, one per source) over one
HTTP policy (``http/``), the sync runs (``sync.py``, ``context.py``), and the warehouse itself
(``warehouse/``: opening for writing, migrations, landing, the model build and the publish of
the snapshot readers open).

May import ``opskpi.config`` and ``opskpi.sql``; never ``opskpi.metrics`` or ``opskpi.app``."""
