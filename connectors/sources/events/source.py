"""Event attendance (CSV files) as a source: its settings, activity types, and how to
build and check it."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from connectors.core.errors import SourceError
from connectors.core.source import (
    ATTENDANCE,
    Connector,
    Landed,
    Secrets,
    SourceDefinition,
    SourceSettings,
)
from connectors.sources.events.connector import EventsConnector


class EventsSource(SourceSettings):
    """sources.events: a folder of attendance CSV files (relative to the config)."""

    folder: Path = Path("events")

    secret_key: ClassVar[str | None] = None
    path_keys: ClassVar[tuple[str, ...]] = ("folder",)


def build(settings: EventsSource, secrets: Secrets, landed: Landed) -> Connector:
    return EventsConnector(settings.folder)


def check(settings: EventsSource, secrets: Secrets) -> str:
    if not settings.folder.is_dir():
        raise SourceError(
            "events",
            f"the events folder {settings.folder} does not exist.",
            "Create it, or fix sources.events.folder.",
        )
    return f"{len(list(settings.folder.glob('*.csv')))} CSV file(s) in {settings.folder}"


SOURCE = SourceDefinition(
    name="events",
    label="Events",
    color="#56B4E9",
    description="Event attendance from new or changed CSV files.",
    settings=EventsSource,
    activity_types=ATTENDANCE,
    build=build,
    check=check,
    profile_rank=5,
    username_is="name",
    one_identity_per_person=False,
)
