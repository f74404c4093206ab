"""What every part of Acacia stands on, and the sources.

- :mod:`connectors.core`: the shared core (the record contract, the registry of sources,
  the clock, redaction, text escaping, errors, retries, places, folders, configuration and
  the figures' definitions). It imports nothing of Acacia's outside itself.
- :mod:`connectors.sources`: one package per platform (GitHub, Slack, …), each talking to
  its platform through the real SDK and yielding normalized records. A source imports only
  the core, never another source.

Nothing here knows Dagster, dbt or the warehouse, and nothing here imports
:mod:`pipelines` or :mod:`dashboard` (the import-linter contracts in pyproject.toml).
"""
