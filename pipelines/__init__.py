"""What runs Acacia, one package per responsibility (docs/architecture.md):

- :mod:`pipelines.sync`: each source's connector built from acacia.yml, run into the
  landing zone;
- :mod:`pipelines.storage`: the landing zone, the published snapshot, forgetting a person,
  the team's store;
- :mod:`pipelines.identity`: accounts into members, members into organizations (plain
  Python);
- :mod:`pipelines.delivery`: the monthly update, alerts, Slack posting, the directory;
- :mod:`pipelines.build`: the one build path (identity resolution, dbt, publishing), also
  for a decision applied now;
- :mod:`pipelines.orchestration`: Dagster's assets, jobs and schedules over the above;
- :mod:`pipelines.cli`: the ``acacia`` command line, the top of everything.

Each package imports only the packages listed below it, and :mod:`connectors`
(pyproject.toml's import-linter contracts, run by ``make test``).
"""
