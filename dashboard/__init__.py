"""The Streamlit dashboard: the entry point (``app.py``, run by ``serve.py`` through
``st.App``) with the navigation, the password gate and the sidebar (``page.py``); the
pages (``Overview.py``, ``views/``); the snapshot's data access (``data.py``); charts,
words and colours (``charts.py``, ``vocabulary.py``); the team's actions (``team.py``).

May import: :mod:`connectors.core` (the figures, the configuration, text escaping) and
:mod:`pipelines.storage` (the snapshot, the team's store); never Dagster or dbt: a
decision is applied by the build's own process (``python -m pipelines.build.decisions``).
"""
