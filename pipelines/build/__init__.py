"""One build path: plan what a build of a workspace runs, and run it.

Every build goes through here: the nightly Dagster job
(pipelines/orchestration/model_assets.py wraps :func:`run` and reports each node's result
as an asset materialization or check), a decision applied from the CLI or the dashboard
(pipelines/build/decisions.py), and the Spark build (pipelines/build/spark.py, with
another dbt target). dbt runs in this process
over a manifest parsed once (pipelines/build/dbt.py).

A plan says how much to build:

- **incremental** (every night): each model reads what changed since its watermark
  (landed files, accounts whose member changed), and only the data tests that check
  the rows this build wrote run (their ``where`` names ``__batch__``): a night's tests
  cost what it wrote. The tests of whole tables run in a full build;
- **full** (``acacia rebuild``, a workspace's first build, or when the code of a model
  whose rows are stored changed): every model from the whole landing zone, every test
  on every row;
- **decision** (a merge, a rejection, a split): identity resolution and the models
  after it, incrementally, without the data tests (they ran on the same code the night
  before and run again the next night); identity resolution re-resolves only the
  members the decisions touch, and the marts recount what those members' activities
  count in. Staging and places are not run: a decision changes no landed file. When
  something landed since the last build (a check-in at an event's door), every model
  runs, incrementally, still without the tests.

The package also holds the identity step of a build (:mod:`identity_step`), applying the
team's decisions now (:mod:`decisions`), the Spark build (:mod:`spark`) and the
dbt-duckdb plugin that lets the models read a landing zone in object storage
(:mod:`duckdb_plugin`).

May import: :mod:`pipelines.identity`, :mod:`pipelines.delivery` (a decision republishes
the directory), :mod:`pipelines.storage`, :mod:`connectors.core`; never Dagster.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb

from pipelines.build import dbt
from pipelines.build.dbt import DbtFailed, NodeResult
from pipelines.build.settings import build_settings, dbt_environment, next_batch, running
from pipelines.storage.landing import atomic_write_text, file_lock

__all__ = ["Build", "DbtFailed", "NodeResult", "Plan", "build_lock", "plan", "run"]

#: What a decision changes: identity resolution and every model after it, and the build's
#: own settings (its day and batch, the weights). Staging and places read only landed
#: files, which a decision does not change.
DECIDED = "int_identities__resolved+ build_info activity_types"
#: What each node of the last build did (name, kind, status, seconds, rows), beside dbt's
#: log in the artifacts folder.
NODES = "nodes.json"
#: The folder (under the data folder's ``dbt``) of a build's artifacts and dbt's log.
ARTIFACTS = "acacia_models"


@dataclass(frozen=True)
class Plan:
    """What a build runs: ``full`` rebuilds every model from the whole landing zone,
    ``tests`` runs the data tests after their models, ``select`` limits it to a dbt
    selection (None: every model), ``reason`` says why, in words."""

    full: bool = False
    tests: bool = True
    select: str | None = None
    reason: str = "what changed since the last build"
    #: Nodes left out (the tests of whole tables, in an incremental build).
    exclude: tuple[str, ...] = ()

    def command(self) -> str:
        """The dbt command, without the list of nodes left out."""
        args = self.args()
        return " ".join(args[: -len(self.exclude) - 1] if self.exclude else args)

    def describe(self) -> str:
        """The plan in a line: why, and what dbt runs."""
        left = f"; {len(self.exclude)} tests of whole tables left to full builds"
        return f"{self.reason}: dbt {self.command()}{left if self.exclude else ''}"

    def args(self) -> list[str]:
        """The dbt command of this plan."""
        args = ["build" if self.tests else "run"]
        if self.full:
            args.append("--full-refresh")
        if self.select:
            args += ["--select", self.select]
        if self.exclude:
            args += ["--exclude", *self.exclude]
        return args


@dataclass
class Build:
    """What a build did: each node's result, its seconds, and where dbt's log is."""

    plan: Plan
    results: list[NodeResult] = field(default_factory=list)
    seconds: float = 0.0
    log: Path | None = None

    @property
    def failed(self) -> list[NodeResult]:
        return [r for r in self.results if r.failed]

    def summary(self) -> str:
        models = sum(r.kind == "model" and r.status == "success" for r in self.results)
        tests = sum(r.kind == "test" for r in self.results)
        return f"{models} models" + (f", {tests} tests" if tests else "")

    def raise_if_failed(self) -> None:
        """Raise :class:`DbtFailed` naming each failed node and where dbt's log is."""
        if self.failed:
            names = "; ".join(f"{r.name}: {r.message}" for r in self.failed[:5])
            raise DbtFailed(f"dbt {self.plan.command()} failed: {names}; dbt's log: {self.log}")


def build_lock(config: Any) -> AbstractContextManager[None]:
    """One writer of a workspace's warehouse at a time: the models' build, publishing,
    and a decision applied from the dashboard or the CLI take turns (DuckDB lets one
    process write a file, and a second writer would fail on its lock)."""
    return file_lock(config.storage.data_dir / "build.lock")


def plan(config: Any, full: bool = False, decision: bool = False, log: Any | None = None) -> Plan:
    """The plan of the next build of ``config``'s workspace: a full rebuild when asked
    or when a model's stored rows were made by other code (a new version of Acacia,
    which ``log`` is told), else an incremental one (without tests for a decision)."""
    if full:
        return Plan(full=True, reason="a full rebuild was asked for")
    if not config.storage.warehouse().exists():
        return Plan(full=True, reason="the first build")
    stale = stale_models(config, dbt.code_prints())
    if stale:
        reason = (
            "Rebuilding every model from the landing zone: the code of "
            f"{', '.join(stale)} changed since the last build (a new version of Acacia)."
        )
        (log or logging.getLogger("acacia.build")).warning(reason)
        return Plan(full=True, reason=reason)
    if decision and not landed_since_last_build(config):
        return Plan(tests=False, select=DECIDED, reason="the team's decisions")
    if decision:
        # Something landed from the dashboard (a check-in at an event's door): every
        # model, incrementally, reads it; the tests wait for the night.
        return Plan(tests=False, reason="the team's decisions and check-ins")
    return Plan(exclude=whole_table_tests(dbt.manifest()))


def landed_since_last_build(config: Any) -> bool:
    """Whether the landing zone holds a file the last build did not read (its ledger,
    stg_landed_files, holds fewer): landed files are only ever added, but when a member
    is forgotten, which rebuilds everything."""
    from connectors.core import registry
    from connectors.core.records import CONTRACT
    from pipelines.storage.landing import LandingZone

    zone = LandingZone(config.storage.landing())
    landed = sum(
        len(zone.names(source, table)) for source in registry.sources() for table in CONTRACT
    )
    with duckdb.connect(str(config.storage.warehouse()), read_only=True) as con:
        found = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'staging' "
            "and table_name = 'stg_landed_files'"
        ).fetchone()[0]
        read = (
            con.execute("select count(*) from staging.stg_landed_files").fetchone()[0]
            if found
            else 0
        )
    return landed > read


def whole_table_tests(manifest: Any) -> tuple[str, ...]:
    """The data tests that check every row of a table (their ``where`` does not name
    ``__batch__``, this build's rows): an incremental build leaves them to full ones."""
    return tuple(
        sorted(
            node.name
            for node in manifest.nodes.values()
            if node.resource_type == "test" and "__batch__" not in (node.config.where or "")
        )
    )


def stale_models(config: Any, prints: dict[str, str]) -> list[str]:
    """The incremental models whose stored rows were made by other code than this
    Acacia's (an upgrade changed the model or a macro it uses; a warehouse from before
    the prints were kept): their rows cannot be merged with new ones. None on a first
    build. ``prints``: this Acacia's (pipelines/build/dbt.py ``code_prints``)."""
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


def artifacts(config: Any, name: str = ARTIFACTS) -> Path:
    """The workspace's folder of a build's artifacts, emptied of the last run's log (dbt
    appends to it; like the other artifacts, it keeps the last run only)."""
    target = config.storage.data_dir / "dbt" / name
    target.mkdir(parents=True, exist_ok=True)
    (target / "dbt.log").unlink(missing_ok=True)
    return target


def settings_for(config: Any, target: str = "local", **extra: Any) -> dict[str, Any]:
    """The settings of a new build of ``config``'s workspace on dbt's ``target`` (a new
    batch number), with ``extra`` settings (the Spark build's)."""
    parse_dir = dbt.PARSE_DIR if target == "local" else artifacts(config, target)
    prints = dbt.code_prints(target, parse_dir)
    return {**build_settings(config, next_batch(config), prints), **extra}


def start(config: Any, planned: Plan) -> None:
    """What a build does to the workspace before dbt runs: a full one drops the state
    incremental identity resolution goes on from, so every identity is resolved again."""
    from pipelines.identity.scope import forget_state

    if planned.full:
        forget_state(config.storage.resolution())


@contextmanager
def held_open(config: Any, target: str) -> Iterator[None]:
    """The warehouse held open for the length of a local build. dbt-duckdb opens it for
    each model and closes it after (the profile's ``keep_open: false``, so that nothing
    holds it once the build is done); DuckDB closes a database when its last connection
    in the process closes, and a close writes a checkpoint: 0.1–0.2 s a model at a
    million activities. Connections of one process to one file share its database, so
    this one keeps it open and DuckDB checkpoints as it needs to and once at the end."""
    if target != "local":
        yield
        return
    try:
        held = duckdb.connect(str(config.storage.warehouse()))
    except duckdb.Error:  # another process writes it: dbt says so, naming the build
        yield
        return
    with held:
        yield


def explained(config: Any, result: NodeResult) -> NodeResult:
    """A data test that failed, its message saying what its query finds: the checks of
    a model that failed, with how many rows each (models/tests/generic/checks.sql)."""
    if not result.query:
        return result
    try:
        with duckdb.connect(str(config.storage.warehouse())) as con:
            found = con.execute(result.query).fetchmany(10)
    except duckdb.Error:  # the message as dbt gave it; the query is in dbt's log
        return result
    said = "; ".join(
        f"{row[0]} ({row[1]} rows)" if len(row) == 2 else ", ".join(map(str, row)) for row in found
    )
    return replace(result, message=f"{result.message}: {said}" if said else result.message)


def run(
    config: Any, planned: Plan, target: str = "local", settings: dict[str, Any] | None = None
) -> Build:
    """Run ``planned`` on ``config``'s workspace (the caller holds :func:`build_lock`)
    with ``settings`` (default: a new build's, :func:`settings_for`); returns what each
    node did (a failed node is in the results: see :meth:`Build.raise_if_failed`)."""
    import json
    import os

    started = time.monotonic()
    start(config, planned)
    settings = settings or settings_for(config, target)
    target_path = artifacts(config, ARTIFACTS if target == "local" else target)
    os.environ.update(dbt_environment(config))
    with running(config, settings), held_open(config, target):
        results = dbt.invoke([*planned.args(), "--vars", json.dumps(settings)], target_path, target)
        results = [explained(config, result) for result in results]
    done = Build(planned, results, time.monotonic() - started, target_path / "dbt.log")
    atomic_write_text(target_path / NODES, json.dumps([asdict(r) for r in results], indent=1))
    return done
