"""Running Acacia's jobs outside `dagster dev`: the same Definitions, executed in this
process, recorded in the same Dagster instance (so runs show up in the UI)."""

from __future__ import annotations

import os
from pathlib import Path

from dagster import DagsterInstance, ExecuteInProcessResult

from pipelines.config import CONFIG_ENV, AcaciaConfig, load_config

REPO_ROOT = Path(__file__).resolve().parents[1]


def dagster_environment(config: AcaciaConfig) -> dict[str, str]:
    """Environment for Dagster: the instance settings of dagster.yaml, storage in data/."""
    storage = config.storage.data_dir / "dagster"
    storage.mkdir(parents=True, exist_ok=True)
    return {
        "DAGSTER_HOME": str(REPO_ROOT),
        "ACACIA_DAGSTER_STORAGE": str(storage),
        CONFIG_ENV: str(config.path),
        "ACACIA_WAREHOUSE": str(config.storage.warehouse()),
        "ACACIA_LANDING": str(config.storage.landing()),
        "DAGSTER_TELEMETRY_DISABLED": "1",
    }


def run_job(
    config_path: str | Path | None = None, job_name: str = "nightly_sync", ephemeral: bool = False
) -> ExecuteInProcessResult:
    """Run a job of the Definitions built from ``config_path`` and return its result."""
    from pipelines.defs.build import build_definitions  # loads dbt; keep CLI start fast

    config = load_config(config_path)
    config.check_secrets()
    os.environ.update(dagster_environment(config))
    job = build_definitions(config.path).resolve_job_def(job_name)
    run_config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    if ephemeral:
        return job.execute_in_process(run_config=run_config, raise_on_error=False)
    with DagsterInstance.get() as instance:
        return job.execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=False
        )
