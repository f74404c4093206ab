"""Dagster definitions, one module per concern: resources, ingest, models, publish, jobs."""
