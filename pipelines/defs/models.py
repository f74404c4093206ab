"""The dbt project as Dagster assets: every model an asset, every dbt test a check.

dbt runs the way dagster-dbt supports it: ``DbtCliResource.cli([...]).stream()`` in a
subprocess, over a manifest prepared once (``ensure_manifest``). What a build runs with
(the as-of day, the batch, the weights, the registry) reaches the models in the
environment, read only while they run (``ACACIA_BUILD``, macros/settings.sql): passed as
``--vars`` it would make dbt parse the whole project again every night. So every build
of a workspace reuses dbt's parse state and parses only what changed.
"""

import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec, Config
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from connectors import clock, registry
from pipelines.defs.resources import AcaciaResource
from pipelines.identity.scope import forget_state
from pipelines.landing import atomic_write_text, file_lock
from pipelines.sources import SOURCES

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
dbt_project = DbtProject(project_dir=MODELS_DIR, profiles_dir=MODELS_DIR)
#: The environment variable that carries the build settings to the models.
BUILD_ENV = "ACACIA_BUILD"
#: The Dagster op of the models (one dbt build over the whole project).
MODELS_OP = "acacia_models"


def registry_vars(config: Any) -> dict[str, Any]:
    """What the models know of the sources, all from the registry (connectors/registry.py)
    and acacia.yml's overrides: the sources (in the order their profiles are preferred),
    the activity types, which count as contributions, and which open or answer a thread
    (response times)."""
    kinds = registry.activity_types().values()
    return {
        "acacia_sources": list(SOURCES),
        "acacia_activity_types": sorted(k.name for k in kinds),
        "contribution_types": config.contribution_types(),
        "thread_openers": {k.name: k.item for k in kinds if k.thread == "opens"},
        "thread_openers_if_replied": {
            k.name: k.item for k in kinds if k.thread == "opens_if_replied"
        },
        "thread_replies": sorted(k.name for k in kinds if k.thread == "replies"),
        "thread_items": sorted({k.item for k in kinds if k.item}),
        "resolution_columns": resolution_columns(),
    }


DUCKDB_TYPES = {
    "string": "varchar",
    "bool": "boolean",
    "date32[day]": "date",
    "double": "double",
    "int64": "bigint",
    "timestamp[s, tz=UTC]": "timestamptz",
}


def resolution_columns() -> dict[str, list[tuple[str, str]]]:
    """The columns of identity resolution's results, as the models read them (one
    definition: pipelines/identity/run.py SCHEMAS)."""
    from pipelines.identity.run import SCHEMAS

    return {
        name: [(f.name, DUCKDB_TYPES[str(f.type)]) for f in schema]
        for name, schema in SCHEMAS.items()
    }


def build_settings(config: Any, batch: int) -> dict[str, Any]:
    """The settings of one build (macros/settings.sql): the as-of day from the clock, the
    build's batch number, the weights and scoring of acacia.yml, the registry, and the
    print of each incremental model's code (recorded with its watermark)."""
    return {
        "as_of_date": clock.today().isoformat(),
        "batch": batch,
        "landing": landing_for_models(config),
        "activity_weights": config.activity_weights(),
        "scoring": config.scoring.model_dump(),
        "events": {**config.events.model_dump(), "priority_places": config.events.priority()},
        "code_prints": code_prints(),
        **registry_vars(config),
    }


def landing_for_models(config: Any) -> str:
    """The landing zone as the models read it (the ``landing`` build setting): ``landing``
    by default, relative to the data folder (DuckDB's file search path; Spark's
    ``data_path`` macro prefixes it), else a path or a URL."""
    landing = config.storage.landing()
    if landing.is_local and landing.local_path() == config.storage.data_dir / "landing":
        return "landing"
    return landing.uri()


def code_prints() -> dict[str, str]:
    """A print of each incremental model's code: its SQL and the macros it uses, all the
    way down (a new Acacia that changes how a model counts changes its print). Stored
    rows made by other code cannot be kept: see :func:`stale_models`."""
    manifest = json.loads(ensure_manifest().read_text())
    macros = manifest["macros"]

    def used(names: list[str], seen: set[str]) -> set[str]:
        for name in names:
            if name in macros and name not in seen:
                seen.add(name)
                used(macros[name]["depends_on"]["macros"], seen)
        return seen

    prints = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["config"]["materialized"] != "incremental":
            continue
        code = [node["raw_code"]]
        code += [macros[m]["macro_sql"] for m in sorted(used(node["depends_on"]["macros"], set()))]
        prints[node["name"]] = hashlib.sha256("\0".join(code).encode()).hexdigest()[:16]
    return prints


def stale_models(config: Any, prints: dict[str, str]) -> list[str]:
    """The incremental models whose stored rows were made by other code than this
    Acacia's (an upgrade changed the model or a macro it uses; a warehouse from before
    the prints were kept): their rows cannot be merged with new ones, so the build
    rebuilds everything, as ``acacia rebuild`` would. None on a first build."""
    warehouse = config.storage.warehouse()
    if not warehouse.exists():
        return []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'staging' "
            "and table_name = 'build_watermarks'"
        ).fetchall()
        if not found:
            return []
        columns = {c[0] for c in con.execute("describe staging.build_watermarks").fetchall()}
        code = "code" if "code" in columns else "null"
        recorded = dict(
            con.execute(f"select model, {code} from staging.build_watermarks").fetchall()
        )
    return sorted(m for m, p in recorded.items() if m in prints and p != prints[m])


def next_batch(config: Any) -> int:
    """A number larger than every earlier build's of this workspace: the real time in
    microseconds, or one more than the last when the clock went back. Recorded in
    ``<state>/build.json`` before the build starts."""
    path = config.storage.state() / "build.json"
    last = json.loads(path.read_text())["batch"] if path.exists() else 0
    batch = max(int(clock.arrival_time().timestamp() * 1_000_000), last + 1)
    atomic_write_text(path, json.dumps({"batch": batch}))
    return batch


def dbt_environment(config: Any, batch: int) -> dict[str, str]:
    """What dbt's profile and the models read from the environment: the warehouse, the
    data folder (DuckDB's file search path), the configuration and the build settings."""
    return {
        "ACACIA_WAREHOUSE": str(config.storage.warehouse()),
        "ACACIA_DATA_DIR": str(config.storage.data_dir),
        "ACACIA_CONFIG": str(config.path),
        BUILD_ENV: json.dumps(build_settings(config, batch)),
    }


def prepare_build(config: Any) -> Path:
    """Everything a dbt build needs before it starts; returns its artifacts folder.

    The build's settings go into the environment (the dbt subprocess inherits it), and
    the artifacts folder is emptied of the last run's log (dbt appends to it; it keeps
    the last run only, like the other artifacts). The folder is the workspace's own,
    kept between runs: dbt's parse state stays there."""
    os.environ.update(dbt_environment(config, next_batch(config)))
    target = config.storage.data_dir / "dbt" / MODELS_OP
    target.mkdir(parents=True, exist_ok=True)
    (target / "dbt.log").unlink(missing_ok=True)
    return target


def build_args(config: Any, full_refresh: bool, log: Any) -> list[str]:
    """``dbt build``: every model, then its tests. ``--full-refresh`` rebuilds the
    incremental models from the whole landing zone: when asked (``acacia rebuild``), or
    when a model's stored rows were made by other code (:func:`stale_models`), which
    ``log`` (a logger) is told. A full refresh resolves every identity again too (it
    drops the state incremental resolution goes on from, pipelines/identity/scope.py)."""
    if not full_refresh:
        stale = stale_models(config, json.loads(os.environ[BUILD_ENV])["code_prints"])
        if stale:
            log.warning(
                "Rebuilding every model from the landing zone: the code of "
                f"{', '.join(stale)} changed since the last build (a new version of Acacia)."
            )
        full_refresh = bool(stale)
    if full_refresh:
        forget_state(config.storage.resolution())
    return ["build", *(["--full-refresh"] if full_refresh else [])]


def build_lock(config: Any) -> AbstractContextManager[None]:
    """One writer of a workspace's warehouse at a time: the models' build, publishing,
    and a decision applied from the dashboard or the CLI take turns (DuckDB lets one
    process write a file, and a second writer would fail on its lock)."""
    return file_lock(config.storage.data_dir / "build.lock")


def dbt_resource() -> DbtCliResource:
    """The resource; DbtCliResource checks that a dbt executable exists, so it gets this
    environment's (works without an activated virtualenv)."""
    executable = Path(sys.executable).parent / "dbt"
    return DbtCliResource(
        project_dir=dbt_project, dbt_executable=str(executable) if executable.exists() else "dbt"
    )


def build_models(config: Any, full_refresh: bool = False) -> float:
    """``dbt build`` of the whole project without Dagster (for applying the team's
    decisions at once, pipelines/apply.py); returns its seconds. The caller holds the
    build lock. Raises dagster-dbt's error, with dbt's messages, when it fails."""
    started = time.monotonic()
    target = prepare_build(config)
    args = build_args(config, full_refresh, logging.getLogger("acacia.models"))
    dbt_resource().cli(args, target_path=target).wait()
    return time.monotonic() - started


def project_files() -> list[Path]:
    """The dbt project's own files (models, macros, tests, settings), in a stable order."""
    return sorted(
        p
        for p in MODELS_DIR.rglob("*")
        if p.suffix in {".sql", ".yml", ".py"}
        and "target" not in p.parts
        and "logs" not in p.parts
        and "__pycache__" not in p.parts
    )


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than any model file.

    ``dagster dev`` would do this through ``prepare_if_dev``; the CLI and tests load the
    definitions outside it. The parse state it leaves (models/target) is where each
    workspace's first build starts from. A file lock keeps parallel test workers from
    parsing at once."""
    manifest = dbt_project.manifest_path
    newest = max(p.stat().st_mtime for p in project_files())
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return manifest
    with file_lock(manifest.parent / ".parse.lock"):
        if not manifest.exists() or manifest.stat().st_mtime < newest:
            target = MODELS_DIR / dbt_project.target_path
            dbt_resource().cli(["parse", "--quiet"], target_path=target).wait()
    return manifest


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


def build_model_assets() -> Any:
    """Every dbt model as an asset, built by one ``dbt build`` (identity resolution is a
    model too: int_identities__resolved)."""
    ensure_manifest()

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        name=MODELS_OP,
        dagster_dbt_translator=AcaciaTranslator(),
    )
    def acacia_models(
        context: AssetExecutionContext,
        config: BuildConfig,
        dbt: DbtCliResource,
        acacia: AcaciaResource,
    ) -> Iterator[Any]:
        settings = acacia.load()
        with build_lock(settings):
            target = prepare_build(settings)
            args = build_args(settings, config.full_refresh, context.log)
            yield from dbt.cli(args, context=context, target_path=target).stream()

    return acacia_models
