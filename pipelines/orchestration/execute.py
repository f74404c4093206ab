"""Running Acacia's jobs outside `dagster dev`: the same Definitions, executed in this
process, recorded in the same Dagster instance (so runs show up in the UI)."""

from __future__ import annotations

import os
from pathlib import Path

from dagster import DagsterInstance, ExecuteInProcessResult

from connectors.core.config import CONFIG_ENV, AcaciaConfig, load_config
from connectors.core.folders import REPO_ROOT
from pipelines.storage.landing import atomic_write_text


def dagster_environment(config: AcaciaConfig) -> dict[str, str]:
    """Environment for Dagster, whose home is ``<data_dir>/dagster``: its dagster.yaml is
    the repository's (written there again whenever it differs, so the repository's stays
    the one to edit), and what Dagster writes beside it (run history, ``.nux``,
    ``.telemetry``) stays with the workspace's data, out of the repository."""
    home = config.storage.data_dir / "dagster"
    settings = (REPO_ROOT / "dagster.yaml").read_text()
    instance = home / "dagster.yaml"
    if not instance.exists() or instance.read_text() != settings:
        atomic_write_text(instance, settings)
    return {
        "DAGSTER_HOME": str(home),
        "ACACIA_DAGSTER_STORAGE": str(home),
        CONFIG_ENV: str(config.path),
        "DAGSTER_TELEMETRY_DISABLED": "1",
    }


def synced_sources(config: AcaciaConfig, job_name: str) -> list[str] | None:
    """The sources a job syncs (so needs the secrets of), or None for a job that calls no
    source's API (a rebuild, the monthly update)."""
    if job_name == "nightly_sync":
        return config.enabled_sources()
    if job_name.startswith("sync_"):
        return [job_name.removeprefix("sync_")]
    return None


def run_job(
    config_path: str | Path | None = None, job_name: str = "nightly_sync", ephemeral: bool = False
) -> ExecuteInProcessResult:
    """Run a job of the Definitions built from ``config_path`` and return its result."""
    from pipelines.orchestration.assemble import build_definitions  # loads dbt; keep CLI start fast

    config = load_config(config_path)
    syncs = synced_sources(config, job_name)
    if syncs is not None:  # a job that calls APIs: sources and their secrets first
        config.check_sources()
        config.check_secrets(syncs)
    os.environ.update(dagster_environment(config))
    job = build_definitions(config.path).resolve_job_def(job_name)
    run_config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    if ephemeral:
        return job.execute_in_process(run_config=run_config, raise_on_error=False)
    with DagsterInstance.get() as instance:
        return job.execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=False
        )
