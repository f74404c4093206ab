"""The sources: one package per platform, each declared by its ``source.py`` (settings,
activity types, thread roles, colour; docs/new-source.md). Adding a source is adding a
folder here.

May import: :mod:`connectors.core` and the platform's SDK; never another source, never
:mod:`pipelines` or :mod:`dashboard`.
"""
