"""The dbt project as Dagster assets: every model an asset, every dbt test a check.

The build itself is pipelines/build's (one build path for Dagster, the CLI, the
dashboard and Spark): this op asks it for a plan, runs it, and reports what each node
did as a materialization of the model's asset or a result of the test's check.
"""

from collections.abc import Iterator
from typing import Any

from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Config,
    Failure,
    MaterializeResult,
)
from dagster_dbt import DagsterDbtTranslator, DbtProject, dbt_assets, get_asset_key_for_model

from pipelines import build
from pipelines.build.dbt import MODELS_DIR, manifest_path
from pipelines.orchestration.resources import AcaciaResource
from pipelines.sync.connect import SOURCES

dbt_project = DbtProject(project_dir=MODELS_DIR, profiles_dir=MODELS_DIR)
#: The Dagster op of the models (one dbt build over the whole project).
MODELS_OP = "acacia_models"


class AcaciaTranslator(DagsterDbtTranslator):
    """dagster-dbt's translator, with the ledger of landed files (stg_landed_files)
    drawn downstream of every registered source's ingest asset: the models that read
    landed files read the ones it lists."""

    def get_asset_spec(self, manifest: Any, unique_id: str, project: Any) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if manifest["nodes"].get(unique_id, {}).get("name", "") == "stg_landed_files":
            spec = spec.merge_attributes(deps=[AssetKey(f"{source}_landing") for source in SOURCES])
        return spec


class BuildConfig(Config):
    """How the models build: ``full_refresh`` rebuilds everything from the landing zone
    (the ``rebuild`` job); otherwise only what changed since the last build."""

    full_refresh: bool = False


def selection(context: AssetExecutionContext, models: list[str]) -> str | None:
    """The dbt selection of the models whose assets this run materializes (None: all)."""
    keys = {name: get_asset_key_for_model([context.assets_def], name) for name in models}
    chosen = [name for name, key in keys.items() if key in context.selected_asset_keys]
    return None if len(chosen) == len(models) else " ".join(chosen)


def reported(context: AssetExecutionContext, done: build.Build) -> Iterator[Any]:
    """Each node's result as Dagster sees it: a built model as its asset's
    materialization (seconds, rows), a test as its check's result."""
    checks = context.selected_asset_check_keys
    keys = {}
    for result in done.results:
        if result.model not in keys:
            try:
                keys[result.model] = get_asset_key_for_model([context.assets_def], result.model)
            except KeyError:  # a test of a source, or one with no single model
                keys[result.model] = None
        key = keys[result.model]
        if key is None:
            continue
        if result.kind == "model" and result.status == "success":
            metadata = {"seconds": round(result.seconds, 3)}
            if result.rows is not None:
                metadata["rows_affected"] = result.rows
            yield MaterializeResult(asset_key=key, metadata=metadata)
        elif result.kind == "test" and AssetCheckKey(key, result.name) in checks:
            yield AssetCheckResult(
                asset_key=key,
                check_name=result.name,
                passed=result.status == "pass",
                severity=AssetCheckSeverity.WARN
                if result.status == "warn"
                else AssetCheckSeverity.ERROR,
                metadata={"status": result.status, "message": result.message},
            )


def build_model_assets() -> Any:
    """Every dbt model as an asset, built by one build of pipelines/build (identity
    resolution is a model too: int_identities__resolved)."""

    @dbt_assets(
        manifest=manifest_path(),
        project=dbt_project,
        name=MODELS_OP,
        dagster_dbt_translator=AcaciaTranslator(),
    )
    def acacia_models(
        context: AssetExecutionContext, config: BuildConfig, acacia: AcaciaResource
    ) -> Iterator[Any]:
        settings = acacia.load()
        models = [n.name for n in build.dbt.manifest().nodes.values() if n.resource_type == "model"]
        with build.build_lock(settings):
            planned = build.plan(settings, full=config.full_refresh, log=context.log)
            chosen = selection(context, models)
            if chosen:
                planned = build.Plan(planned.full, planned.tests, chosen, planned.reason)
            context.log.info(f"Build plan: {planned.describe()}")
            try:
                done = build.run(settings, planned)
            except build.DbtFailed as error:
                raise Failure(description=str(error)) from error
        context.log.info(f"Built {done.summary()} in {done.seconds:.1f} s; dbt's log: {done.log}")
        yield from reported(context, done)
        try:
            done.raise_if_failed()
        except build.DbtFailed as error:
            # A Failure: Dagster shows its description as the step's error, as is.
            raise Failure(description=str(error)) from error

    return acacia_models
