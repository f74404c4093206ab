"""The dbt project as Dagster assets: every model an asset, every dbt test a check."""

import fcntl
import hashlib
import importlib.metadata
import json
import shutil
import sys
from collections.abc import Iterator, Sequence
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult
from dagster._utils import pushd
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.asset_utils import (
    get_manifest_and_translator_from_dbt_assets,
    get_updated_cli_invocation_params_for_context,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from connectors import clock, registry
from pipelines.defs.resources import AcaciaResource
from pipelines.landing import LandingZone
from pipelines.sources import SOURCES

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
dbt_project = DbtProject(project_dir=MODELS_DIR, profiles_dir=MODELS_DIR)
# The two dbt steps (their artifacts live in <data_dir>/dbt/<step>).
STAGING_STEP, MARTS_STEP = "acacia_staging", "acacia_marts"
MARTS = "path:models/marts"


def run_dbt(argv: Sequence[str], callbacks: Sequence[Any] = ()) -> Any:
    """``dbt <argv>`` in this process (dbt's ``dbtRunner``), from the project folder.

    A dbt subprocess cost about 4 s to start and parsed the project again, twice a run.
    dbt-duckdb keeps its database open after a run, so it is closed here: the steps
    after dbt open the warehouse themselves. dbt records ``sys.argv`` as the run's
    command (run_results.json, dbt.log): for the run it is ``dbt <argv>``, never the
    command that started it (``acacia forget <email>`` would land the email there)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    command = [*argv, "--project-dir", str(MODELS_DIR), "--profiles-dir", str(MODELS_DIR)]
    started_as = sys.argv
    try:
        sys.argv = ["dbt", *command]
        with pushd(str(MODELS_DIR)):
            return dbtRunner(callbacks=list(callbacks)).invoke(command)
    finally:
        sys.argv = started_as
        with DuckDBConnectionManager._LOCK:
            if DuckDBConnectionManager._ENV is not None:
                DuckDBConnectionManager._ENV.close()
                DuckDBConnectionManager._ENV = None


class AcaciaDbtResource(DbtCliResource):
    """dagster-dbt's dbt resource, with builds run in this process (``build``)."""

    def build(
        self, context: AssetExecutionContext, args: Sequence[str], target: Path
    ) -> Iterator[Any]:
        """Run ``dbt <args>`` over the step's selection in this process (``run_dbt``) and
        yield its models as materializations and its tests as asset checks, as
        ``cli().stream()`` would: dagster-dbt still decides what to select and turns
        dbt's results into Dagster events; only the subprocess is gone. dbt's callbacks
        run on its worker threads, so the events are yielded once dbt is done; its log
        lines still print as they happen."""
        from dbt_common.events.functions import msg_to_dict

        manifest, translator, _ = get_manifest_and_translator_from_dbt_assets([context.assets_def])
        params = get_updated_cli_invocation_params_for_context(
            context=context, manifest=manifest, dagster_dbt_translator=translator
        )
        _prepare_target(target)
        argv = [
            *args,
            *params.selection_args,
            *(
                ["--indirect-selection", params.indirect_selection]
                if params.indirect_selection
                else []
            ),
            *("--target-path", str(target), "--log-path", str(target), "--no-use-colors"),
        ]
        results: list[dict[str, Any]] = []
        errors: list[str] = []

        def collect(event: Any) -> None:
            if event.info.name in ("LogModelResult", "LogTestResult"):
                results.append(msg_to_dict(event))
            elif event.info.level == "error":
                errors.append(event.info.msg)

        context.log.info(f"Running dbt in this process: dbt {' '.join(argv)}")
        outcome = run_dbt(argv, [collect])
        for raw in results:
            yield from DbtCoreCliEventMessage(
                raw_event=raw, event_history_metadata={}
            ).to_default_asset_events(
                manifest=params.manifest,
                dagster_dbt_translator=params.dagster_dbt_translator,
                context=context,
                target_path=target,
                project=params.dbt_project,
            )
        if not outcome.success:
            reasons = errors or [str(outcome.exception or "dbt reported a failure")]
            raise DagsterDbtCliRuntimeError(
                description=f"dbt {args[0]} failed (its log: {target / 'dbt.log'}):\n"
                + "\n".join(reasons)
            )


def build_marts(config: Any, target: Path) -> None:
    """``dbt build`` of the marts alone, in this process, without Dagster (for applying
    the team's decisions, pipelines/apply.py); raises with dbt's errors when it fails.
    The marts' step runs the same build under Dagster."""
    _prepare_target(target)
    errors: list[str] = []

    def collect(event: Any) -> None:
        if event.info.level == "error":
            errors.append(event.info.msg)

    argv = ["build", "--select", MARTS, "--vars", dbt_vars(config)]
    argv += ["--target-path", str(target), "--log-path", str(target), "--no-use-colors"]
    outcome = run_dbt(argv, [collect])
    if not outcome.success:
        raise RuntimeError(
            f"dbt build of the marts failed (its log: {target / 'dbt.log'}):\n"
            + "\n".join(errors or [str(outcome.exception or "dbt reported a failure")])
        )


def _prepare_target(target: Path) -> None:
    """A step's artifacts folder before a dbt run: there, with no log of an earlier run
    (dbt appends to its log; it holds the last run only, like the other artifacts), and
    seeded with the workspace's parse state."""
    target.mkdir(parents=True, exist_ok=True)
    (target / "dbt.log").unlink(missing_ok=True)
    _seed_partial_parse(target)


def _seed_partial_parse(target: Path) -> None:
    """Give a step's first dbt run the parse state of another step of the same workspace
    (same variables and profile), so it parses only what changed; dbt checks that the
    state matches and parses everything when it does not."""
    seed = target / "partial_parse.msgpack"
    if seed.exists():
        return
    others = sorted(target.parent.glob("*/partial_parse.msgpack"), key=lambda p: p.stat().st_mtime)
    if others:
        shutil.copyfile(others[-1], seed)


def dbt_resource() -> AcaciaDbtResource:
    """The resource; DbtCliResource checks that a dbt executable exists, so it gets this
    environment's (works without an activated virtualenv)."""
    executable = Path(sys.executable).parent / "dbt"
    return AcaciaDbtResource(
        project_dir=dbt_project, dbt_executable=str(executable) if executable.exists() else "dbt"
    )


def project_files() -> list[Path]:
    """The dbt project's own files (models, macros, tests, settings), in a stable order."""
    return sorted(
        p
        for p in MODELS_DIR.rglob("*")
        if p.suffix in {".sql", ".yml"} and "target" not in p.parts and "logs" not in p.parts
    )


def views_fingerprint(vars_json: str) -> str:
    """What the staging and intermediate views are made of: every file of the dbt
    project, the run's variables (the landing path among them) and the dbt versions."""
    digest = hashlib.sha256(vars_json.encode())
    for package in ("dbt-core", "dbt-duckdb"):
        digest.update(importlib.metadata.version(package).encode())
    for path in project_files():
        digest.update(path.relative_to(MODELS_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def views_exist(warehouse: Path, keys: Sequence[AssetKey]) -> bool:
    """Whether the warehouse has a view for each asset key (``<schema>/<view>``)."""
    if not warehouse.exists():
        return False
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            present = set(
                con.execute(
                    "select schema_name, view_name from duckdb_views() where not internal"
                ).fetchall()
            )
    except duckdb.Error:  # locked or unreadable: build them
        return False
    return all(tuple(key.path) in present for key in keys)


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than any model file.

    ``dagster dev`` would do this through ``prepare_if_dev``; the CLI and tests load the
    definitions outside it. A file lock keeps parallel test workers from parsing at once.
    """
    manifest = dbt_project.manifest_path
    newest = max(p.stat().st_mtime for p in project_files())
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return manifest
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with open(manifest.parent / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not manifest.exists() or manifest.stat().st_mtime < newest:
            target = str(dbt_project.target_path)
            outcome = run_dbt(["parse", "--quiet", "--target-path", target, "--log-path", target])
            if not outcome.success:
                raise RuntimeError(f"dbt could not parse {MODELS_DIR}: {outcome.exception}")
    return manifest


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


def dbt_vars(config: Any) -> str:
    """The dbt variables of a run, from the registry, acacia.yml and the clock (the as-of
    day)."""
    return json.dumps(
        {
            "as_of_date": clock.today().isoformat(),
            "activity_weights": config.activity_weights(),
            "landing_path": str(config.storage.landing()),
            "resolution_path": str(config.storage.resolution()),
            "scoring": config.scoring.model_dump(),
            **registry_vars(config),
        }
    )


class AcaciaTranslator(DagsterDbtTranslator):
    """dagster-dbt's translator, with the staging models drawn downstream of every
    registered source's ingest asset (they read each source's landed files)."""

    def get_asset_spec(self, manifest: Any, unique_id: str, project: Any) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if manifest["nodes"].get(unique_id, {}).get("name", "").startswith("stg_landing__"):
            spec = spec.merge_attributes(deps=[AssetKey(f"{source}_landing") for source in SOURCES])
        return spec


def _unchanged_views(
    context: AssetExecutionContext, stamp: Path, fingerprint: str, warehouse: Path
) -> list[AssetKey]:
    """The step's views, dependencies first (the order Dagster expects them reported),
    when the last build's fingerprint matches and they are all in the warehouse; else
    nothing."""
    if not stamp.exists() or stamp.read_text() != fingerprint:
        return []
    selected = context.selected_asset_keys
    deps = context.assets_def.asset_deps
    graph = {key: deps.get(key, set()) & selected for key in sorted(selected)}
    keys = list(TopologicalSorter(graph).static_order())
    return keys if views_exist(warehouse, keys) else []


def _dbt_step(name: str, select: str, *, views_only: bool = False) -> Any:
    """One dbt build over the models ``select`` picks, as Dagster assets.

    ``views_only``: the models are views over the landed files, so they only need
    building when the project, the variables or dbt changed, or a view is missing.
    Otherwise the step reports them unchanged without starting dbt (about 7 s of every
    nightly run, most of it dbt starting up)."""

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        name=name,
        select=select,
        dagster_dbt_translator=AcaciaTranslator(),
    )
    def step(
        context: AssetExecutionContext, dbt: AcaciaDbtResource, acacia: AcaciaResource
    ) -> Iterator[Any]:
        config = acacia.export_paths()
        variables = dbt_vars(config)
        # One artifacts folder per step, beside the workspace's data and overwritten each
        # run (dagster-dbt would otherwise add a folder under models/target every night).
        target = config.storage.data_dir / "dbt" / name
        stamp = target / "views.sha256"
        if views_only:
            # Every source's views read files, landed or not (LandingZone.prepare).
            LandingZone(config.storage.landing()).prepare(SOURCES)
            fingerprint = views_fingerprint(variables)
            unchanged = _unchanged_views(context, stamp, fingerprint, config.storage.warehouse())
            if unchanged:
                context.log.info(
                    f"{len(unchanged)} views unchanged since the last build; dbt not run"
                )
                for key in unchanged:
                    yield MaterializeResult(asset_key=key, metadata={"unchanged": True})
                return
            stamp.unlink(missing_ok=True)
        yield from dbt.build(context, ["build", "--vars", variables], target)
        if views_only:
            stamp.write_text(fingerprint)

    return step


def build_model_assets() -> tuple[Any, Any]:
    """Two dbt steps around identity resolution: staging and intermediate models first
    (what resolution reads), then the marts (which read its results)."""
    ensure_manifest()
    return (
        _dbt_step(STAGING_STEP, "path:models/staging path:models/intermediate", views_only=True),
        _dbt_step(MARTS_STEP, MARTS),
    )
