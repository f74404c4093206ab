"""Source connectors: plain Python that talks to each community platform through its
real SDK and yields normalized records (see :mod:`connectors.records`).

Connectors know nothing about Dagster or DuckDB, so they can be tested and reused alone.
"""
