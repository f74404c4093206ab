"""What the calendar-feed connector reads, and how it stays incremental.

Each feed in ``sources.calendars.feeds`` is one iCalendar file (RFC 5545), by URL (a
Meetup group's feed, a shared Google or Nextcloud calendar's public address) or path.
A sync reads it only when it changed (ETag / Last-Modified answered with ``304 Not
Modified``; a local file's size and modification time): a quiet sync is one request
per feed.

Its events become **listings** (records.Listing): the event list's rows, beside the
events folder's list and Meetup's events. A feed has no attendance. Each occurrence is
listed once:

- **recurring events** are expanded by ``recurring-ical-events`` over the feed's window
  (``past_days`` back, ``future_days`` ahead): RRULE, RDATE, EXDATE and the occurrences
  a feed moves or changes (RECURRENCE-ID) as RFC 5545 says;
- **time zones** are the feed's own (VTIMEZONE, a TZID, Google's X-WR-TIMEZONE): the
  event's day is its date where it is held, its start is stored in UTC; an all-day
  event has a day and no start;
- **cancelled** occurrences (STATUS:CANCELLED, on the series or one occurrence) are
  listed as cancelled, and the event list leaves them out; an upcoming occurrence that
  disappears from a feed is cancelled too. A past one that leaves the feed stays listed
  (many feeds, Meetup's among them, list only what is ahead): it was held.
- **the place**: LOCATION as written, read into a city and a country where its last
  parts name them ("Betahaus, Rudi-Dutschke-Str. 23, 10969 Berlin, Germany": Berlin,
  Germany); a link, or the word "online", makes the event an online one.

An occurrence's scope (records.Listing) is the feed, its UID and its original start, so
a renamed or moved occurrence replaces its earlier row. A VEVENT that cannot be read (no
start, a rule that does not parse) is set aside as a reject and the others are read.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from connectors.core import clock
from connectors.core.batch import UNREADABLE, Batch, Reject, SavedState, each_stream, why
from connectors.core.errors import SourceError
from connectors.core.fetch import FileClient, Validated
from connectors.core.places import from_location
from connectors.core.records import Listing, event_id

log = logging.getLogger(__name__)
SOURCE = "calendars"
#: A part of an address that is no place's name: a street number, a postcode.
NUMBERED = re.compile(r"\d")
ONLINE = re.compile(r"https?://|\bonline\b|\bvirtual\b|\bzoom\b|\bjitsi\b", re.IGNORECASE)


@dataclass(frozen=True)
class CalendarFeed:
    """One feed to read: the name it is shown by, where it is (a URL or a path), the
    format its events are (meetup, workshop…), and the local group that holds them."""

    name: str
    where: str
    format: str = "meetup"
    group: str | None = None


@dataclass(frozen=True)
class FeedState(SavedState, Validated):
    """A feed's saved state (``<feed>:feed``): what tells whether it changed, and the
    upcoming occurrences last listed ([scope, listing_id, event, day]), so that one
    that disappears is listed as cancelled."""

    etag: str | None = None
    modified: str | None = None
    upcoming: tuple = ()


def place(location: str | None) -> tuple[str | None, str | None, bool]:
    """A LOCATION as (city, country, online): its last parts that name a country (and a
    city), read as members' locations are."""
    text = (location or "").strip()
    if not text:
        return None, None, False
    if ONLINE.search(text):
        return None, None, True
    parts = [
        " ".join(w for w in part.split() if not NUMBERED.search(w))
        for part in text.replace("\n", ",").split(",")
    ]
    parts = [p for p in parts if p]
    for take in (2, 1):
        found = from_location(", ".join(parts[-take:])) if len(parts) >= take else None
        if found is not None and found.country_code:
            return found.city, found.country, False
    return None, None, False


def _text(component: Any, key: str) -> str | None:
    value = component.get(key)
    return str(value).strip() or None if value is not None else None


class CalendarConnector:
    """Reads each feed when it changed and yields one :class:`Batch` of its listings."""

    def __init__(
        self,
        client: FileClient,
        feeds: list[CalendarFeed],
        *,
        past_days: int = 365,
        future_days: int = 365,
        today: date | None = None,
    ) -> None:
        self.client = client
        self.feeds = feeds
        self.today = today or clock.today()
        self.past_days, self.future_days = past_days, future_days
        self.problems: list[SourceError] = []

    @property
    def start(self) -> date:
        """The window's first day: occurrences from it are listed."""
        return self.today - timedelta(days=self.past_days)

    @property
    def stop(self) -> date:
        """The day after the window's last."""
        return self.today + timedelta(days=self.future_days + 1)

    @property
    def requests(self) -> int:
        return self.client.requests

    def sync(self, state: dict[str, dict[str, Any]]) -> Iterator[Batch]:
        yield from each_stream(
            (
                (f"feed {each.name}", partial(self._feed, each, state.get(f"{each.name}:feed")))
                for each in self.feeds
            ),
            self.problems,
        )

    def probe(self, feed: CalendarFeed) -> str:
        """A line for ``acacia check``: the feed answers and parses (one request)."""
        try:
            fetched = self.client.get(feed.where)
            if fetched is None:
                raise SourceError(
                    SOURCE,
                    f"{self.client.shown(feed.where)} was not found (404).",
                    self._fix(feed),
                )
            listings, rejects = self.read(feed, fetched.data)
        except SourceError as error:
            raise error.within(f"feed {feed.name}") from None
        upcoming = sum(1 for each in listings if each.day >= self.today.isoformat())
        unread = f", {len(rejects)} unreadable" if rejects else ""
        return f"{feed.name}: {len(listings)} events in the window, {upcoming} upcoming{unread}"

    def _feed(self, feed: CalendarFeed, raw: dict[str, Any] | None) -> Iterator[Batch]:
        state = FeedState.load(raw or {})
        fetched = self.client.get(feed.where, state.validators())
        if fetched is None:
            return
        listings, rejects = self.read(feed, fetched.data)
        today = self.today.isoformat()
        now = {each.scope for each in listings}
        # An upcoming occurrence the feed no longer has is cancelled.
        for scope, listing_id, name, day in state.upcoming:
            if scope not in now and day >= today:
                listings.append(Listing(SOURCE, listing_id, scope, name, day, is_cancelled=True))
        upcoming = sorted(
            [each.scope, each.listing_id, each.event, each.day]
            for each in listings
            if each.day >= today and not each.is_cancelled
        )
        yield Batch(
            "feed",
            feed.name,
            state=state.dump(
                upcoming=tuple(upcoming), etag=fetched.etag, modified=fetched.modified
            ),
            rejects=rejects,
            listings=listings,
        )

    def read(self, feed: CalendarFeed, data: bytes) -> tuple[list[Listing], list[Reject]]:
        """A feed's occurrences in the window as listings, and the events it could not
        read."""
        import icalendar
        import recurring_ical_events

        try:
            calendar = icalendar.Calendar.from_ical(data)
        except ValueError as error:
            raise SourceError(
                SOURCE,
                f"feed {feed.name!r} is not an iCalendar file ({error}).",
                self._fix(feed),
            ) from None
        listings: dict[str, Listing] = {}
        rejects: list[Reject] = []
        # One series at a time: a series that cannot be read is set aside, not the feed.
        series: dict[str, list[Any]] = {}
        for component in calendar.walk("VEVENT"):
            series.setdefault(str(component.get("UID", "")), []).append(component)
        zones = calendar.walk("VTIMEZONE")
        for uid, components in series.items():
            one = icalendar.Calendar()
            for key, value in calendar.property_items(recursive=False):
                if key not in ("BEGIN", "END"):
                    one.add(key, value)
            for part in [*zones, *components]:
                one.add_component(part)
            try:
                found = recurring_ical_events.of(one).between(self.start, self.stop)
                for occurrence in found:
                    listing = self._listing(feed, occurrence)
                    listings[listing.scope] = listing
            except UNREADABLE as error:  # the library's errors are ValueErrors
                log.warning("set aside an event of feed %s: %s", feed.name, why(error))
                summary = {k: _text(components[0], k) for k in ("UID", "SUMMARY", "DTSTART")}
                rejects.append(Reject("feed", feed.name, why(error), {**summary, "UID": uid}))
        return list(listings.values()), rejects

    def _listing(self, feed: CalendarFeed, event: Any) -> Listing:
        begins = event["DTSTART"]  # none: a reject ("missing field 'DTSTART'")
        start = begins.dt
        if isinstance(start, datetime):
            # A floating time (no zone) is taken as UTC; a zoned one keeps its own date.
            day = start.date()
            starts_at = (start if start.tzinfo else start.replace(tzinfo=UTC)).astimezone(UTC)
        else:
            day, starts_at = start, None
        name = _text(event, "SUMMARY") or "Untitled event"
        location = _text(event, "LOCATION")
        city, country, online = place(location)
        url = _text(event, "URL")
        original = event.get("RECURRENCE-ID") or begins
        uid = _text(event, "UID") or hashlib.sha256(f"{name}{start}".encode()).hexdigest()[:16]
        key = f"{feed.name}:{uid}:{_stamp(original.dt)}"
        status = (_text(event, "STATUS") or "").upper()
        return Listing(
            SOURCE,
            event_id(name, day.isoformat()),
            key,
            name,
            day.isoformat(),
            starts_at=starts_at,
            city=city,
            country=country,
            location=location,
            format="online" if online else feed.format,
            # The calendar runs it: a person's name in a feed (ORGANIZER) is not theirs
            # to publish, and nothing could forget it, so it is not kept.
            organizers=feed.name,
            local_group=None if online else feed.group,
            url=url,
            is_cancelled=status == "CANCELLED",
            extra={"feed": feed.name},
        )

    @staticmethod
    def _fix(feed: CalendarFeed) -> str:
        return (
            f"Check feed {feed.name!r} under sources.calendars.feeds: its url is the "
            "calendar's iCal address (a public .ics link), or a path to an .ics file."
        )


def _stamp(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
        return value.strftime("%Y%m%dT%H%M%SZ")
    return value.isoformat()
