"""Dagster: the assets, jobs, schedules and resources (:mod:`assemble` puts them together,
:mod:`definitions` is what ``dagster dev`` loads) and running a job in this process
(:mod:`execute`).

May import: :mod:`pipelines.build`, :mod:`pipelines.delivery`, :mod:`pipelines.sync`,
:mod:`pipelines.storage`, :mod:`connectors.core`. Nothing below it imports Dagster.
"""
