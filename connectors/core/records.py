"""The normalized records shared by every connector: the contract with the models.

Every source maps onto one activity vocabulary, so that scoring, dashboards and the
Slack update never need to know where an activity came from (DESIGN.md, Normalized
records). The landing zone stores these fields as columns, and the dbt staging models
read exactly these columns, so a change here is a change of the contract.
"""

from __future__ import annotations

import hashlib
import json
import typing
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from functools import cache
from typing import Any

from connectors.core import registry


@dataclass(slots=True)
class Identity:
    """One account in one source."""

    source: str
    source_user_id: str  # stable id, never the display name
    username: str
    display_name: str | None = None
    email: str | None = None
    company: str | None = None
    location: str | None = None
    timezone: str | None = None
    is_bot: bool = False
    is_deleted: bool = False  # the account was deleted in its source
    is_staff: bool = False  # an admin or moderator of the platform (e.g. forum staff)
    profile_url: str | None = None
    avatar_url: str | None = None
    #: True when the full profile was read (company, location, email), False when only
    #: the short user object embedded in another payload was seen.
    has_profile: bool = False
    #: Source-specific (e.g. reputation). ``"anonymous": True``: the account stands for
    #: someone who asked not to be named; it is never matched with another by name.
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Activity:
    """One thing one identity did."""

    source: str
    activity_id: str  # unique within the source
    type: str  # one of the types the source declares (registry.source_activity_types())
    occurred_at: datetime  # UTC
    actor: str  # the identity's source_user_id
    channel: str  # repo / Slack channel / forum category / subreddit / tag
    url: str | None = None
    title: str | None = None
    thread_id: str | None = None
    parent_id: str | None = None
    body: str | None = None  # only kept when the source is configured to store bodies
    extra: dict[str, Any] = field(default_factory=dict)  # source-specific fields
    #: A deletion: the source says the item is gone (a Slack message's tombstone). It
    #: replaces every earlier fetch of the activity, which then counts nowhere.
    is_deleted: bool = False

    def __post_init__(self) -> None:
        if self.type not in _types_of(self.source):
            raise ValueError(f"unknown activity type {self.type!r} for source {self.source!r}")


@dataclass(slots=True)
class Feedback:
    """One response to an event's feedback survey: a rating on the scale its survey
    declares, free-text answers per question, and whether they may be quoted. Not an
    activity: a response is often anonymous, and answering a survey is not a person's
    work in the community; an anonymous response belongs to nobody, so it makes no
    member. Any source of events may land it (the CSV files today)."""

    source: str
    response_id: str  # unique within the source
    event_id: str  # the event's id (its attendance's thread is ``event:<event_id>``)
    #: Who answered: the source_user_id of their attendance (so forgetting them forgets
    #: their answers too); None for an anonymous response.
    respondent: str | None
    rating: float | None
    scale_min: float
    scale_max: float
    #: The respondent agreed that their answers be quoted (in reports, on pages).
    may_quote: bool
    #: Free-text answers, by question (stored as JSON).
    answers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Listing:
    """One event as a source lists it (a row of the events folder's list, a Meetup
    event, a calendar feed's occurrence), past or upcoming: what the event list shows.
    Not an activity: being listed is nobody's work in the community. The rows of a
    ``scope``'s latest fetch are the truth for that scope (a list file, a feed, a
    group's event): an event taken out of it, or cancelled, is no longer listed."""

    source: str
    #: The event's id (event_id: its name and day), the same in every source.
    listing_id: str
    #: What was read whole, at once: the list file, the feed's occurrence, the Meetup
    #: event; unique within the source.
    scope: str
    event: str  # the event's name
    #: The event's date where it is held (YYYY-MM-DD), which its id is made of.
    day: str
    starts_at: datetime | None = None  # UTC, when the source gives a time
    city: str | None = None
    country: str | None = None
    #: The place as the source wrote it (a venue's address, "Online").
    location: str | None = None
    format: str | None = None  # meetup, summit, conference, workshop, sprint, online
    organizers: str | None = None
    local_group: str | None = None  # the local group that holds it
    url: str | None = None  # the event's own page
    join_url: str | None = None  # where to sign up, or to join the group
    is_cancelled: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # links: notes, report, photos…


#: What an event may be (the event list's ``format``, whichever source lists it).
EVENT_FORMATS = ("meetup", "summit", "conference", "workshop", "sprint", "online")


def event_id(event: str, day: str) -> str:
    """An event's id, whichever source lists it or records its attendance: its name and
    date (``day``, YYYY-MM-DD), so the same event in two sources is one event."""
    return hashlib.sha256("\x1f".join((event, day)).encode()).hexdigest()[:16]


@cache
def _types_of(source: str) -> tuple[str, ...]:
    return registry.source_activity_types().get(source, ())


IDENTITY_COLUMNS = [f.name for f in fields(Identity)]
ACTIVITY_COLUMNS = [f.name for f in fields(Activity)]

#: What the landing zone adds to every record: when it was fetched, and by which sync.
BOOKKEEPING = (("fetched_at", "timestamp"), ("run_id", "text"))


def _kind(annotation: Any) -> str:
    """How a field is stored: ``timestamp``, ``boolean``, ``number``, or ``text``
    (``extra`` and ``answers`` as JSON)."""
    found = set(typing.get_args(annotation)) or {annotation}
    if datetime in found:
        return "timestamp"
    if float in found:
        return "number"
    return "boolean" if bool in found else "text"


def _columns(record: type) -> tuple[tuple[str, str], ...]:
    hints = typing.get_type_hints(record)
    return (*((f.name, _kind(hints[f.name])) for f in fields(record)), *BOOKKEEPING)


#: The record contract: each landed table's columns, in order, as (name, kind). The one
#: definition: the landing zone's Parquet schemas (pipelines/storage/landing.py) and the
#: models' typed reads (models/macros/landing.sql ``landing_columns``, handed the columns
#: by the build, pipelines/build/settings.py) are derived from it.
CONTRACT: dict[str, tuple[tuple[str, str], ...]] = {
    "activities": _columns(Activity),
    "identities": _columns(Identity),
    "feedback": _columns(Feedback),
    "listings": _columns(Listing),
}


#: The fields stored as JSON text.
JSON_FIELDS = ("extra", "answers")


def as_row(record: Identity | Activity | Feedback | Listing) -> dict[str, Any]:
    """A record as a flat dict ready for the landing zone (``extra`` and ``answers`` as
    JSON text)."""
    row = asdict(record)
    for name in JSON_FIELDS:
        if name in row:
            row[name] = json.dumps(row[name], sort_keys=True, default=str)
    return row
