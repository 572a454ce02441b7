"""What people use: the ``opskpi`` command line (``cli/``), the Streamlit app (``web/``) and the
weekly operational review (``review/``, shared by both), with their words and number formats
(``i18n/``).

May import ``opskpi.metrics`` (every number comes from there), ``opskpi.config``, and
``opskpi.etl`` only from the commands that start a sync, a build or the simulator. Never the
other way round: nothing below ``app`` imports it."""
