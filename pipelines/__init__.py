"""Acacia's orchestration: configuration, landing zone, publishing, Dagster definitions
and the ``acacia`` command line."""
