"""Every source Acacia knows: each package under connectors/ that declares a ``SOURCE``
in its ``source`` module (connectors/core/source.py says what it holds).

Everything else is derived from here: the ``sources`` section of acacia.yml, the
default weights and categories of the activity types, the Dagster ingest assets, the
credential check, and the variables that tell the dbt models which sources exist and
what their types mean. Adding a source is adding a package (docs/new-source.md).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path

from connectors.core.source import ActivityType, SourceDefinition

#: The sources' folder: one package per source.
PACKAGE = Path(__file__).resolve().parents[1] / "sources"


@cache
def sources() -> dict[str, SourceDefinition]:
    """Every source by name, in the order their profiles are preferred (GitHub first)."""
    found = []
    for module in pkgutil.iter_modules([str(PACKAGE)]):
        if not module.ispkg or not (PACKAGE / module.name / "source.py").exists():
            continue
        definition = importlib.import_module(f"connectors.sources.{module.name}.source").SOURCE
        if definition.name != module.name:
            raise RuntimeError(
                f"connectors/sources/{module.name}/source.py declares the source "
                f"{definition.name!r}; a source's name is its package's name"
            )
        found.append(definition)
    found.sort(key=lambda d: (d.profile_rank, d.name))
    _check_unique_types(found)
    return {d.name: d for d in found}


def _check_unique_types(found: list[SourceDefinition]) -> None:
    owner: dict[str, str] = {}
    for definition in found:
        for kind in definition.activity_types:
            # One name may be shared (a "comment" is a comment on Reddit and Stack
            # Exchange), as long as it means the same everywhere.
            if kind.name in owner and activity_type(kind.name, found) != kind:
                raise RuntimeError(
                    f"the activity type {kind.name!r} of {definition.name} differs from "
                    f"the one of {owner[kind.name]}: give it another name"
                )
            owner.setdefault(kind.name, definition.name)


def activity_type(name: str, found: list[SourceDefinition] | None = None) -> ActivityType:
    for definition in found if found is not None else sources().values():
        for kind in definition.activity_types:
            if kind.name == name:
                return kind
    raise KeyError(name)


def activity_types() -> dict[str, ActivityType]:
    """Every activity type by name (a name shared by two sources once)."""
    return {k.name: k for d in sources().values() for k in d.activity_types}


def contribution_types() -> frozenset[str]:
    """The activity types that count as contributions by default (every other type is a
    conversation; acacia.yml may move a type, pipelines' config says how)."""
    return frozenset(n for n, k in activity_types().items() if k.category == "contribution")


def source_activity_types() -> dict[str, tuple[str, ...]]:
    return {name: tuple(k.name for k in d.activity_types) for name, d in sources().items()}


def attendance_sources() -> list[str]:
    """The sources whose activities are attendance (they declare the events' activity
    types, connectors/core/source.py ATTENDANCE): the events folder, Meetup."""
    return [
        name
        for name, definition in sources().items()
        if any(kind.family == "Events" for kind in definition.activity_types)
    ]


def labels() -> dict[str, str]:
    return {name: d.label for name, d in sources().items()}


def source_label(name: str) -> str:
    """How a source reads to a person ("discourse" -> "Forum"); its name if unknown."""
    return labels().get(name, name)


def type_label(name: str) -> str:
    """How an activity type reads ("pr_merged" -> "PR merged"), as its source declares
    it; a type no source declares reads as its name in words."""
    kind = activity_types().get(name)
    if kind:
        return kind.label
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]
