"""The nightly job and its schedule."""

from __future__ import annotations

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    ScheduleDefinition,
    define_asset_job,
)

from pipelines.config import AcaciaConfig

nightly_sync = define_asset_job(
    "nightly_sync",
    selection=AssetSelection.all(),
    description="Sync every source, rebuild the models (with their tests), publish.",
)


rebuild = define_asset_job(
    "rebuild",
    selection=AssetSelection.all() - AssetSelection.groups("ingest"),
    description="Rebuild members and marts from what is landed, and publish (no sync).",
)


def source_sync_job(source: str):
    """One source's ingest and everything downstream of it."""
    return define_asset_job(
        f"sync_{source}",
        selection=AssetSelection.assets(f"{source}_landing").downstream(),
        description=f"Sync {source} only, then rebuild and publish.",
    )


def nightly_schedule(config: AcaciaConfig) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="nightly_sync_schedule",
        job=nightly_sync,
        cron_schedule=config.schedule.nightly_cron,
        execution_timezone=config.schedule.timezone,
        # The sync is meant to run by itself once deployed.
        default_status=DefaultScheduleStatus.RUNNING,
    )
