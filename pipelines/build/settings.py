"""What a build runs with: the as-of day, its batch, the weights and scoring of
acacia.yml, the registry, and a print of each incremental model's code.

The settings reach the SQL models as dbt vars (macros/settings.sql ``setting``): dbt is
handed a parsed manifest (pipelines/build/dbt.py), so new vars cost no parse. The
Python models and the landing-zone plugin, which run in this process, read the build's
configuration and settings from :func:`current`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from connectors.core import clock, registry
from pipelines.storage.landing import atomic_write_text


@dataclass(frozen=True)
class Running:
    """The build running in this process: its configuration and settings."""

    config: Any
    settings: dict[str, Any]


_running: list[Running] = []


@contextmanager
def running(config: Any, settings: dict[str, Any]) -> Iterator[None]:
    """Make ``config`` and ``settings`` the running build's while in the block."""
    _running.append(Running(config, settings))
    try:
        yield
    finally:
        _running.pop()


def current() -> Running:
    """The build running in this process (the Python models call this)."""
    if not _running:
        raise RuntimeError(
            "No Acacia build is running: build the models through acacia "
            "(acacia rebuild, or the Dagster job), which hands them their settings."
        )
    return _running[-1]


def registry_vars(config: Any) -> dict[str, Any]:
    """What the models know of the sources, all from the registry (connectors/core/registry.py)
    and acacia.yml's overrides: the sources (in the order their profiles are preferred),
    the activity types, which count as contributions, and which open or answer a thread
    (response times)."""
    kinds = registry.activity_types().values()
    return {
        "acacia_sources": list(registry.sources()),
        # The sources whose activities are attendance (they declare the events' types).
        "attendance_sources": registry.attendance_sources(),
        "acacia_activity_types": sorted(k.name for k in kinds),
        "contribution_types": config.contribution_types(),
        "thread_openers": {k.name: k.item for k in kinds if k.thread == "opens"},
        "thread_openers_if_replied": {
            k.name: k.item for k in kinds if k.thread == "opens_if_replied"
        },
        "thread_replies": sorted(k.name for k in kinds if k.thread == "replies"),
        "thread_items": sorted({k.item for k in kinds if k.item}),
        "accepted_answer_types": sorted(k.name for k in kinds if k.accepted_answer),
        "resolution_columns": resolution_columns(),
        "landing_columns": landing_columns(),
    }


DUCKDB_TYPES = {
    "string": "varchar",
    "bool": "boolean",
    "date32[day]": "date",
    "double": "double",
    "int64": "bigint",
    "timestamp[s, tz=UTC]": "timestamptz",
    "timestamp[us, tz=UTC]": "timestamptz",
}


def columns(schemas: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Each table's columns as the models read them, (name, DuckDB type), from its Arrow
    schema."""
    return {
        name: [(f.name, DUCKDB_TYPES[str(f.type)]) for f in schema]
        for name, schema in schemas.items()
    }


def landing_columns() -> dict[str, list[tuple[str, str]]]:
    """The landed tables' columns (one definition: the record contract,
    connectors/core/records.py CONTRACT, as the landing zone stores it)."""
    from pipelines.storage.landing import SCHEMAS

    return columns(SCHEMAS)


def resolution_columns() -> dict[str, list[tuple[str, str]]]:
    """Identity resolution's results' columns (one definition:
    pipelines/identity/results.py SCHEMAS)."""
    from pipelines.identity.results import SCHEMAS

    return columns(SCHEMAS)


def build_settings(config: Any, batch: int, prints: dict[str, str]) -> dict[str, Any]:
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
        # The thresholds only: the message is filled where it is shown.
        "outreach": config.outreach.model_dump(exclude={"message"}),
        "ambassadors": config.ambassadors.model_dump(exclude={"tag"}),
        "insights": config.insights.model_dump(),
        "code_prints": prints,
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


def code_prints(manifest: Any) -> dict[str, str]:
    """A print of each incremental model's code (``manifest``, as dbt parsed it: a run
    adds to a node's macros, pipelines/build/dbt.py keeps the prints of the parse): its
    SQL and the macros it uses, all the way down (a new Acacia that changes how a model
    counts changes its print). Stored rows made by other code cannot be kept: see
    pipelines/build/__init__.py ``stale_models``."""
    macros = manifest.macros

    def used(names: list[str], seen: set[str]) -> set[str]:
        for name in names:
            if name in macros and name not in seen:
                seen.add(name)
                used(macros[name].depends_on.macros, seen)
        return seen

    prints = {}
    for node in manifest.nodes.values():
        if node.resource_type != "model" or node.config.materialized != "incremental":
            continue
        code = [node.raw_code]
        code += [macros[m].macro_sql for m in sorted(used(node.depends_on.macros, set()))]
        prints[node.name] = hashlib.sha256("\0".join(code).encode()).hexdigest()[:16]
    return prints


def next_batch(config: Any) -> int:
    """A number larger than every earlier build's of this workspace: the real time in
    microseconds, or one more than the last when the clock went back. Recorded in
    ``<state>/build.json`` before the build starts."""
    path = config.storage.state() / "build.json"
    last = json.loads(path.read_text())["batch"] if path.exists() else 0
    batch = max(int(clock.arrival_time().timestamp() * 1_000_000), last + 1)
    atomic_write_text(path, json.dumps({"batch": batch}))
    return batch


def dbt_environment(config: Any) -> dict[str, str]:
    """What dbt's profile reads from the environment: the warehouse and the data folder
    (DuckDB's file search path)."""
    return {
        "ACACIA_WAREHOUSE": str(config.storage.warehouse()),
        "ACACIA_DATA_DIR": str(config.storage.data_dir),
    }
