"""The warehouse file, as its one writer sees it: ``connect.py`` opens it (and migrates it),
``migrate.py`` applies the versioned DDL of ``sql/migrations``, ``landing.py`` upserts what the
connectors fetched into ``raw_objects`` (or ``raw_rejects``), ``build.py`` runs the SQL models and
publishes the read-only snapshot.

May import ``opskpi.config`` and ``opskpi.sql``."""
