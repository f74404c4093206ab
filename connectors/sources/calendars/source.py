"""Calendar feeds as a source: their settings, and how to build and check them. A feed
lists events (records.Listing) and records no one's activity, so the source declares no
activity types."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, field_validator

from connectors.core.fetch import FileClient, fetch_settings
from connectors.core.records import EVENT_FORMATS
from connectors.core.source import (
    ApiSourceSettings,
    Connector,
    Landed,
    Secrets,
    SourceDefinition,
    Strict,
)
from connectors.sources.calendars.connector import SOURCE as NAME
from connectors.sources.calendars.connector import CalendarConnector, CalendarFeed


class Feed(Strict):
    """One feed: the name it is shown by, its ``url`` (the calendar's public iCal
    address, or a path to an .ics file relative to acacia.yml), what its events are
    (``format``) and the local group that holds them (``group``)."""

    name: str = Field(min_length=1)
    url: str = Field(min_length=1)
    format: str = "meetup"
    group: str | None = None

    @field_validator("format")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in EVENT_FORMATS:
            raise ValueError(f"format {value!r} is not one of {', '.join(EVENT_FORMATS)}")
        return value

    @property
    def is_path(self) -> bool:
        return not self.url.startswith(("http://", "https://"))

    def feed(self) -> CalendarFeed:
        return CalendarFeed(self.name, self.url, self.format, self.group)


class CalendarsSource(ApiSourceSettings):
    """sources.calendars: the feeds to read, and the window of occurrences listed."""

    feeds: list[Feed] = Field(min_length=1)
    #: How far back, and ahead, a recurring event's occurrences are listed (days).
    past_days: int = Field(365, ge=0)
    future_days: int = Field(365, ge=1)

    secret_key: ClassVar[str | None] = None  # public feeds: their address is the key

    def relative_to(self, folder: Path) -> Any:
        """A feed given by path is relative to acacia.yml."""
        feeds = [
            each.model_copy(update={"url": str((folder / each.url).resolve())})
            if each.is_path and not Path(each.url).is_absolute()
            else each
            for each in self.feeds
        ]
        return self.model_copy(update={"feeds": feeds}) if feeds != self.feeds else self


def client(settings: CalendarsSource, **overrides: Any) -> FileClient:
    return FileClient(
        NAME,
        "Check the feed's url under sources.calendars.feeds (the calendar's public iCal address)",
        fetch_settings(settings, **overrides),
        # A private calendar's address holds its key: errors name the feed instead.
        hide_urls=True,
    )


def build(settings: CalendarsSource, secrets: Secrets, landed: Landed) -> Connector:
    return CalendarConnector(
        client(settings),
        [each.feed() for each in settings.feeds],
        past_days=settings.past_days,
        future_days=settings.future_days,
    )


def check(settings: CalendarsSource, secrets: Secrets) -> str:
    """One request per feed: it answers and parses."""
    connector = CalendarConnector(
        client(settings, retries=1),
        [],
        past_days=settings.past_days,
        future_days=settings.future_days,
    )
    return "; ".join(connector.probe(each.feed()) for each in settings.feeds)


SOURCE = SourceDefinition(
    name=NAME,
    label="Calendar",
    color="#AA4499",
    description="Events of calendar feeds (iCal), into the event list.",
    settings=CalendarsSource,
    activity_types=(),
    build=build,
    check=check,
)
