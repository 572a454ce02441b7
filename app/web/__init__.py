"""The Streamlit app: ``main.py`` is the entrypoint (``streamlit run``), ``app_pages/`` one
script per page, ``state.py`` the view kept in the URL, ``sidebar.py`` and ``components.py``
what pages share, ``data.py`` the cached reads, ``figures.py`` the Plotly figures (pure
functions).

May import ``opskpi.app.review``, ``opskpi.app.i18n``, ``opskpi.metrics`` and ``opskpi.config``;
never ``opskpi.etl`` (the app only reads the published snapshot)."""
