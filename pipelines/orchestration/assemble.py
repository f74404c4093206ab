"""Builds the Definitions of one configuration."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dagster import AssetCheckKey, AssetSelection, Definitions, EnvVar
from dagster_dbt import get_asset_key_for_model

from connectors.core.config import config_path, load_config
from pipelines.orchestration.ingest_assets import build_ingest_asset
from pipelines.orchestration.jobs import (
    alerts,
    alerts_schedule,
    alerts_sensor,
    monthly_schedule,
    monthly_update,
    nightly_schedule,
    nightly_sync_job,
    rebuild,
    refresh_job,
    source_sync_job,
)
from pipelines.orchestration.model_assets import build_model_assets
from pipelines.orchestration.publish_assets import (
    build_directory_asset,
    build_publish_asset,
    build_snapshot_checks,
)
from pipelines.orchestration.resources import AcaciaResource, SourceCredentials


def whole_table_checks(models: Any) -> list[AssetCheckKey]:
    """The asset checks of the dbt tests that check whole tables (pipelines/build
    ``whole_table_tests``): a full build's, not an incremental one's."""
    from pipelines import build

    manifest = build.dbt.manifest()
    names = set(build.whole_table_tests(manifest))
    keys = []
    for node in manifest.nodes.values():
        attached = getattr(node, "attached_node", None)
        if (
            node.resource_type == "test"
            and node.name in names
            and (attached or "").startswith("model.")
        ):
            model = attached.rsplit(".", 1)[-1]
            key = AssetCheckKey(get_asset_key_for_model([models], model), node.name)
            if key in models.check_keys:
                keys.append(key)
    return keys


def credentials(settings: Any) -> SourceCredentials:
    """The source's secrets as EnvVars: their values never enter Dagster's config."""
    values: dict[str, Any] = {}
    env = settings.secret_env
    if env and (settings.secret_required or os.environ.get(env)):
        values["token"] = EnvVar(env)
    if "client_id_env" in settings.other_env_keys:
        values["client_id"] = EnvVar(settings.client_id_env)
    return SourceCredentials(**values)


def build_definitions(path: str | Path | None = None) -> Definitions:
    """Definitions for the configuration at ``path`` (default: $ACACIA_CONFIG)."""
    config = load_config(path)
    models = build_model_assets()
    from pipelines import build

    marts = build.dbt.marts(build.dbt.manifest())
    publish = build_publish_asset([get_asset_key_for_model([models], m) for m in marts])
    resources = {
        "acacia": AcaciaResource(config_path=str(config_path(path))),
    }
    assets = [models, publish, build_directory_asset()]
    whole_table = AssetSelection.checks(*whole_table_checks(models))
    nightly_sync, refresh = nightly_sync_job(whole_table), refresh_job(whole_table)
    jobs = [nightly_sync, rebuild, refresh, monthly_update, alerts]
    for source in config.enabled_sources():
        assets.append(
            build_ingest_asset(source, config.schedule.retries, config.schedule.retry_delay_seconds)
        )
        jobs.append(source_sync_job(source, whole_table))
        resources[f"{source}_credentials"] = credentials(getattr(config.sources, source))
    return Definitions(
        assets=assets,
        asset_checks=build_snapshot_checks(),
        jobs=jobs,
        schedules=[
            nightly_schedule(config, nightly_sync),
            monthly_schedule(config),
            alerts_schedule(config),
        ],
        sensors=[alerts_sensor(config, [nightly_sync, rebuild, refresh])],
        resources=resources,
    )
