"""Syncing: each source's connector built from acacia.yml (:mod:`connect`) and run into
the landing zone, one batch at a time, with its cursor and status (:mod:`ingest`).

May import: :mod:`pipelines.storage`, :mod:`connectors`.
"""
