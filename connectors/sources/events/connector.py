"""Events imported from CSV files (meetups, summits, workshops, sprints): who came, and
what each event was.

The configured folder holds two kinds of ``*.csv`` file, told apart by their header.
**Attendance** (a ``role`` column): one row per person per event::

    event,date,location,name,email,role,named
    Berlin meetup #12,2026-03-14,Berlin,Ada Lovelace,ada@example.org,organizer,yes

``role`` is ``attendee``, ``speaker`` or ``organizer`` (activities ``event_attended``,
``event_spoke``, ``event_organized``). ``named`` (optional, ``yes`` when empty) is ``no``
for a person who did not consent to be named: the row is imported without their name or
email, as a person of their own (an id hashed from their email in another namespace), so
no page, export or message can ever name them, nor tie the event to their accounts
elsewhere; they are counted like everyone else.

**The event list** (a ``format`` column, no ``role``): one row per event::

    event,date,city,country,format,organizers,notes,report,photos,recording,group,join
    Berlin meetup #12,2026-03-14,Berlin,Germany,meetup,Acacia Berlin,https://…,,,,,

``format`` is one of FORMATS; ``organizers`` is who ran it, as text (a group, a
company); the last four are links (http or https); ``notes`` may instead be a Markdown
or text file in the events folder (``notes/berlin-12.md``): the notes of the group
discussions, whose themes Acacia reads (README, Events, Themes). ``group`` (optional)
names the local group the event belongs to (a series of events in one city: by default
its city's), and ``join`` (optional) is the link to join that group (README, Events,
Local communities). An event is its name and date: the
attendance rows of an event carry its list row's details (its place, format, organizers
and links), so changing the list re-reads the attendance. Without a list row an event
is still imported, its place read from the attendance's ``location``.

**Feedback** (a ``rating`` column naming its scale): one row per response to an
event's survey, as any survey tool exports it::

    event,date,rating (1-5),quote,email,What did you like?,What should we change?
    Berlin meetup #12,2026-03-14,5,yes,ada@example.org,The talks,More time to talk

The scale is in the rating column's header (``rating (1-5)``, ``rating 0-10``). The
event is named by ``event`` (and ``date`` when two events share a name), or, for a file
of one event, by the file's name (``Berlin meetup #12.csv``); it must be in the event
list. ``quote`` (``yes`` only when the respondent agreed; empty is no) says whether the
answers may be quoted; ``email`` or ``name`` (optional) tie the response to the
respondent's attendance, so forgetting them forgets it. Every other column but a
survey tool's own (``timestamp``, ``submitted at``) is a question, its cells the
answers. A response is not an activity: it lands as a records.Feedback.

**Check-ins** on the day (the dashboard's Check-in page) land as attendance rows of the
file ``check-in`` (:func:`attendance`, the same row as a CSV's, so checking someone in
twice, or checking in someone the CSV lists, is one attendance).

A file is read again whenever its content (or the list) changes; the same row always
gives the same activity id, so re-reading adds nothing twice. A malformed row is
reported with its file, line and fix, and the rest of the file still imports. People
are identified by email (or, without one, by name); the id is a hash, so no email ever
appears outside the identities table.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from connectors.core.batch import Batch
from connectors.core.errors import SourceError
from connectors.core.records import (
    EVENT_FORMATS,
    Activity,
    Feedback,
    Identity,
    Listing,
    event_id,
)

SOURCE = "events"
#: The attendance header (``location`` and ``email`` may be left out, ``named`` too).
COLUMNS = ("event", "date", "location", "name", "email", "role", "named")
OPTIONAL = ("location", "email", "named")
#: The event list's header (``event``, ``date`` and ``format`` are required).
EVENT_COLUMNS = (
    "event",
    "date",
    "city",
    "country",
    "format",
    "organizers",
    "notes",
    "report",
    "photos",
    "recording",
    "group",
    "join",
)
LINKS = ("notes", "report", "photos", "recording")
#: A feedback file's known columns; every other is a question (but a survey tool's own).
FEEDBACK_COLUMNS = ("event", "date", "email", "name", "quote")
SURVEY_TOOL_COLUMNS = ("timestamp", "submitted at", "submitted", "start date", "end date")
#: The rating column's header, with its scale: "rating (1-5)", "Rating 0 to 10".
RATING = re.compile(r"rating\s*\(?\s*(\d+)\s*(?:-|–|to)\s*(\d+)\s*\)?\s*$")
#: The file a check-in is landed as (the dashboard's Check-in page).
CHECK_IN = "check-in"
FORMATS = EVENT_FORMATS
ROLES = {
    "attendee": "event_attended",
    "volunteer": "event_attended",
    "speaker": "event_spoke",
    "organizer": "event_organized",
}
#: What an event not in the list carries: its place from the attendance's location.
UNLISTED = dict.fromkeys(("city", "country", "format", "organizers", "group", "join", *LINKS))
YES, NO = ("yes", "y", "true", "1", ""), ("no", "n", "false", "0")


NOT_UTF8 = "not UTF-8 text (the file was probably saved as Latin-1 or Windows-1252)."
RESAVE = (
    "Re-save the file as UTF-8 (Excel: Save As > CSV UTF-8; LibreOffice: Save As > "
    "Text CSV, character set Unicode (UTF-8)); its other rows imported."
)


def _decode(content: bytes) -> tuple[str, set[int]]:
    """The file's text, and the numbers of the lines that are not valid UTF-8 (their
    rows are set aside, not imported with replacement characters)."""
    lines = content.split(b"\n")
    bad = set()
    for number, raw in enumerate(lines, 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            bad.add(number)
    return content.decode("utf-8-sig", errors="replace"), bad


class RowProblem(SourceError):
    """A row that could not be imported; the rest of its file was."""


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def person_id(name: str, email: str, named: bool = True) -> str:
    """The stable id of an attendee: a hash of their email, or of their name without one.
    A person who asked not to be named has an id of another namespace (``u_``): never the
    id of their named rows, so nothing joins the two."""
    email = email.strip().lower()
    kind = "email" if email else "name"
    digest = _hash(kind, email or name.strip().lower())
    return f"p_{digest}" if named else f"u_{_hash('unnamed', digest)}"


def _named(value: str) -> bool:
    value = value.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(f"named {value!r} is not yes or no")


def _day(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"date {value!r} is not YYYY-MM-DD") from None


#: What a notes file beside the event list may be.
NOTES_FILES = (".md", ".txt")


def _link(name: str, value: str, folder: Path | None = None) -> str | None:
    """A link (http or https); for the notes (``folder`` given), a Markdown or text file
    in the events folder too (``notes/berlin-12.md``), which the themes read."""
    if not value:
        return None
    if folder is not None and Path(value).suffix.lower() in NOTES_FILES and "://" not in value:
        path = (folder / value).resolve()
        if not path.is_relative_to(folder.resolve()) or not path.is_file():
            raise ValueError(
                f"{name} {value!r} is not a file in the events folder (give its path from "
                "the folder, e.g. notes/berlin-12.md, or a link)"
            )
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError(f"{name} {value!r} is not a link (https://…)")
    return value


def _country(value: str) -> str | None:
    """The country as written, when the places reader knows it (connectors/core/places.py, the
    same reading as members' locations)."""
    if not value:
        return None
    from connectors.core.places import from_location

    if from_location(value).country_code is None:
        raise ValueError(
            f"country {value!r} is not a country's name or ISO code (Germany, DE, Nigeria, NG)"
        )
    return value


class _Csv:
    """A file's rows as dicts (lower-case header), with their line numbers; the lines
    that are not UTF-8 are reported (never imported with replacement characters)."""

    def __init__(self, path: Path, content: bytes, problems: list[SourceError]) -> None:
        self.path, self.problems = path, problems
        text, self.not_utf8 = _decode(content)
        self.reader = csv.DictReader(io.StringIO(text))
        #: The header as written (questions keep their wording) and lower-cased.
        self.written = (
            [] if 1 in self.not_utf8 else [h.strip() for h in self.reader.fieldnames or []]
        )
        self.header = [h.lower() for h in self.written]
        self.reader.fieldnames = self.header

    def problem(self, line: int, what: str, fix: str) -> None:
        self.problems.append(RowProblem(SOURCE, f"{self.path.name}: line {line}: {what}", fix))

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line, values) of each row: each value stripped, "" when missing."""
        last_line = self.reader.line_num
        for row in self.reader:
            line, first_line, last_line = self.reader.line_num, last_line + 1, self.reader.line_num
            if self.not_utf8 & set(range(first_line, line + 1)):
                # Imported, it would read "J�rg": set aside and said, never silently.
                self.problem(line, NOT_UTF8, RESAVE)
                continue
            yield line, {k: (v or "").strip() for k, v in row.items() if k}


ATTENDANCE_HEADER = ",".join(COLUMNS)
LIST_HEADER = ",".join(EVENT_COLUMNS)


class EventsConnector:
    """Imports the event list and the new or changed attendance files of a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.requests = 0  # files are local: no API requests
        self.problems: list[SourceError] = []
        #: The listed events: id -> (name, day).
        self.listed: dict[str, tuple[str, str]] = {}

    def sync(self, state: dict[str, dict[str, Any]]) -> Iterator[Batch]:
        if not self.folder.is_dir():
            self.problems.append(
                SourceError(
                    SOURCE,
                    f"the events folder {self.folder} does not exist.",
                    "Create it and put the CSV files there, or fix sources.events.folder.",
                )
            )
            return
        attendance, lists, surveys = [], [], []
        for path in sorted(self.folder.glob("*.csv")):
            content = path.read_bytes()
            digest = hashlib.sha256(content).hexdigest()
            seen = next(
                (
                    state[f"{path.name}:{kind}"]
                    for kind in ("rows", "list", "feedback")
                    if f"{path.name}:{kind}" in state
                ),
                {},
            )
            # A file's problems are reported when it is first read and when it changes.
            found = _Csv(path, content, [] if seen.get("file") == digest else self.problems)
            if "role" in found.header:
                attendance.append((path, digest, found))
                continue
            if "format" in found.header:
                lists.append((path, digest, found))
                continue
            if any(h.startswith("rating") for h in found.header):
                surveys.append((path, digest, found))
                continue
            if 1 in found.not_utf8:
                found.problem(1, NOT_UTF8, RESAVE)
            else:
                missing = [c for c in COLUMNS if c not in found.header and c not in OPTIONAL]
                found.problem(
                    1,
                    f"missing column(s) {', '.join(missing)}.",
                    f"An attendance file's header must be: {ATTENDANCE_HEADER} (location, "
                    f"email and named may be left out); the event list's: {LIST_HEADER}",
                )
            yield Batch("rows", path.name, state={"file": digest})
        details: dict[str, dict[str, Any]] = {}
        for path, digest, found in lists:
            listed_here: dict[str, tuple[str, str]] = {}
            self._read_list(found, details, listed_here)
            self.listed.update(listed_here)
            # The list's rows land as listings when the file is new or changed: the
            # event list (models/marts/event_list.sql) reads them with other sources'.
            changed = state.get(f"{path.name}:list", {}).get("listed") != digest
            listings = [
                _listing(path.name, key, *listed_here[key], details[key]) for key in listed_here
            ]
            yield Batch(
                "list",
                path.name,
                state={"file": digest, "listed": digest},
                listings=listings if changed else [],
            )
        # Attendance carries its event's list row: a changed list re-reads every file.
        listed = hashlib.sha256("".join(d for _, d, _ in lists).encode()).hexdigest()
        for path, digest, found in attendance:
            both = hashlib.sha256(f"{digest}:{listed}".encode()).hexdigest()
            if state.get(f"{path.name}:rows", {}).get("sha256") == both:
                continue
            activities, identities = self._read(found, details)
            yield Batch("rows", path.name, activities, identities, {"sha256": both, "file": digest})
        for path, digest, found in surveys:
            both = hashlib.sha256(f"{digest}:{listed}".encode()).hexdigest()
            if state.get(f"{path.name}:feedback", {}).get("sha256") == both:
                continue
            responses = _feedback(found, self.listed)
            yield Batch(
                "feedback", path.name, state={"sha256": both, "file": digest}, feedback=responses
            )

    @staticmethod
    def _read_list(
        found: _Csv, details: dict[str, dict[str, Any]], names: dict[str, tuple[str, str]]
    ) -> None:
        missing = [c for c in ("event", "date", "format") if c not in found.header]
        if missing:
            found.problem(
                1, f"missing column(s) {', '.join(missing)}.", f"The header must be: {LIST_HEADER}"
            )
            return
        lines: dict[str, int] = {}
        for line, values in found.rows():
            try:
                name = values.get("event", "")
                if not name:
                    raise ValueError("the event name is empty")
                day = _day(values.get("date", "")).date().isoformat()
                key = event_id(name, day)
                if key in lines:
                    raise ValueError(
                        f"{name} on {day} is listed twice (first on line {lines[key]})"
                    )
                kind = values.get("format", "").lower()
                if kind not in FORMATS:
                    raise ValueError(
                        f"format {values.get('format')!r} is not one of {', '.join(FORMATS)}"
                    )
                row = {
                    "city": values.get("city") or None,
                    "country": _country(values.get("country", "")),
                    "format": kind,
                    "organizers": values.get("organizers") or None,
                    "group": values.get("group") or None,
                    "join": _link("join", values.get("join", "")),
                    **{
                        link: _link(
                            link,
                            values.get(link, ""),
                            found.path.parent if link == "notes" else None,
                        )
                        for link in LINKS
                    },
                }
            except ValueError as error:
                found.problem(line, str(error), "Fix the row; the other events were read.")
                continue
            lines[key] = line
            details[key] = row
            names[key] = (name, day)

    def _read(
        self, found: _Csv, details: dict[str, dict[str, Any]]
    ) -> tuple[list[Activity], list[Identity]]:
        missing = [c for c in COLUMNS if c not in found.header and c not in OPTIONAL]
        if missing:
            found.problem(
                1,
                f"missing column(s) {', '.join(missing)}.",
                f"The header must be: {ATTENDANCE_HEADER}",
            )
            return [], []
        activities, identities = {}, {}
        for line, values in found.rows():
            try:
                activity, identity = attendance(found.path.name, values, details)
            except ValueError as error:
                found.problem(line, str(error), "Fix the row; the rest of the file imported.")
                continue
            activities[activity.activity_id] = activity
            identities[identity.source_user_id] = identity
        return list(activities.values()), list(identities.values())


def attendance(
    file_name: str, values: dict[str, str], details: dict[str, dict[str, Any]]
) -> tuple[Activity, Identity]:
    """One attendance row (``values`` by the attendance header's columns) as its
    activity and its person's identity, with its event's list row (``details``, by
    event id) when listed. A CSV's rows and the Check-in page's go through here alike:
    the same person at the same event in the same role is always the same activity.
    Raises ValueError saying what is wrong with the row."""
    event, name, email = (
        values.get("event", ""),
        values.get("name", ""),
        values.get("email", "").lower(),
    )
    role = values.get("role", "").lower()
    if not event:
        raise ValueError("the event name is empty")
    if not (name or email):
        raise ValueError("a row needs the attendee's name or email")
    if role not in ROLES:
        raise ValueError(f"role {values.get('role')!r} is not one of {', '.join(ROLES)}")
    day = _day(values.get("date", ""))
    if email and "@" not in email:
        raise ValueError(f"email {email!r} is not an email address")
    named = _named(values.get("named", ""))
    person = person_id(name, email, named)
    key = event_id(event, day.date().isoformat())
    listed = details.get(key)
    place = listed or {**UNLISTED, "city": values.get("location") or None}
    activity = Activity(
        SOURCE,
        f"{key}:{person}:{role}",
        ROLES[role],
        day,
        person,
        event,
        title=event,
        thread_id=f"event:{key}",
        extra={
            "file": file_name,
            "role": role,
            "named": named,
            **({"said_first_time": True} if values.get("first_time") == "yes" else {}),
            "listed": listed is not None,
            **place,
        },
    )
    if not named:
        # Counted, never named: nothing of who they are is landed.
        # Anonymous: identity resolution never matches it by name (all are "Unnamed").
        unnamed = Identity(
            SOURCE, person, "Unnamed attendee", has_profile=True, extra={"anonymous": True}
        )
        return activity, unnamed
    identity = Identity(
        SOURCE,
        person,
        name or email.split("@")[0],
        display_name=name or None,
        email=email or None,
        # The row's location is the event's (on the activity), not where they live.
        has_profile=True,
    )
    return activity, identity


def _scale(header: list[str]) -> tuple[str, float, float] | None:
    """The rating column and its scale, from the header ("rating (1-5)")."""
    for column in header:
        found = RATING.match(column)
        if found:
            low, high = float(found.group(1)), float(found.group(2))
            if low < high:
                return column, low, high
    return None


def _which_event(found: _Csv, values: dict[str, str], names: dict[str, tuple[str, str]]) -> str:
    """The listed event a feedback row is about: by its ``event`` (and ``date``), or by
    the file's name."""
    name = values.get("event") or found.path.stem
    day = values.get("date", "")
    if day:
        day = _day(day).date().isoformat()
    matches = [
        key
        for key, (listed, on) in names.items()
        if listed.casefold() == name.casefold() and (not day or on == day)
    ]
    if not matches:
        where = f"{name!r} on {day}" if day else repr(name)
        raise ValueError(f"the event {where} is not in the event list")
    if len(matches) > 1:
        raise ValueError(f"{name!r} names {len(matches)} events: give the date in a date column")
    return matches[0]


def _feedback(found: _Csv, names: dict[str, tuple[str, str]]) -> list[Feedback]:
    """A feedback file's responses; each bad row is reported (file, line, fix)."""
    scale = _scale(found.header)
    if scale is None:
        found.problem(
            1,
            "the rating column does not say its scale.",
            'Name it with its scale, e.g. "rating (1-5)" or "rating (0-10)".',
        )
        return []
    column, low, high = scale
    written = dict(zip(found.header, found.written, strict=True))
    questions = [
        h
        for h in found.header
        if h and h != column and h not in FEEDBACK_COLUMNS and h not in SURVEY_TOOL_COLUMNS
    ]
    fix = "Fix the row; the file's other responses were read."
    responses = []
    for line, values in found.rows():
        try:
            key = _which_event(found, values, names)
            raw = values.get(column, "")
            rating = None
            if raw:
                try:
                    rating = float(raw.replace(",", "."))
                except ValueError:
                    raise ValueError(f"rating {raw!r} is not a number") from None
                if not low <= rating <= high:
                    raise ValueError(f"rating {raw} is outside the scale {low:g} to {high:g}")
            quote = values.get("quote", "").strip().lower()
            if quote and quote not in YES and quote not in NO:
                raise ValueError(f"quote {values.get('quote')!r} is not yes or no")
            email = values.get("email", "").lower()
            if email and "@" not in email:
                raise ValueError(f"email {email!r} is not an email address")
            name = values.get("name", "")
            respondent = person_id(name, email) if (email or name) else None
        except ValueError as error:
            found.problem(line, str(error), fix)
            continue
        answers = {written[q]: values[q] for q in questions if values.get(q)}
        responses.append(
            Feedback(
                SOURCE,
                _hash(found.path.name, str(line)),
                key,
                respondent,
                rating,
                low,
                high,
                may_quote=bool(quote) and quote in YES,
                answers=answers,
                extra={"file": found.path.name, "line": line},
            )
        )
    return responses


def _listing(file_name: str, key: str, name: str, day: str, row: dict[str, Any]) -> Listing:
    """A row of a list file as the event list's record."""
    return Listing(
        source=SOURCE,
        listing_id=key,
        scope=file_name,
        event=name,
        day=day,
        city=row["city"],
        country=row["country"],
        location=", ".join(p for p in (row["city"], row["country"]) if p) or None,
        format=row["format"],
        organizers=row["organizers"],
        local_group=row["group"],
        join_url=row["join"],
        extra={link: row[link] for link in LINKS if row[link]},
    )


@dataclasses.dataclass(frozen=True)
class ListedEvent:
    """An event of the event list (connectors' reading of it: the same checks)."""

    event_id: str
    event: str
    day: str
    details: dict[str, Any]


def read_event_list(folder: Path) -> tuple[list[ListedEvent], list[SourceError]]:
    """The event list of an events folder (every list file in it), the latest first, and
    the problems of its rows: what the Check-in page offers to pick from."""
    details: dict[str, dict[str, Any]] = {}
    names: dict[str, tuple[str, str]] = {}
    problems: list[SourceError] = []
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else ():
        found = _Csv(path, path.read_bytes(), problems)
        if "format" in found.header and "role" not in found.header:
            EventsConnector._read_list(found, details, names)
    events = [ListedEvent(key, *names[key], details[key]) for key in details]
    return sorted(events, key=lambda e: (e.day, e.event), reverse=True), problems
