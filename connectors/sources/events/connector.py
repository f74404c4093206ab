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

    event,date,city,country,format,organizers,notes,report,photos,recording
    Berlin meetup #12,2026-03-14,Berlin,Germany,meetup,Acacia Berlin,https://…,,,

``format`` is one of FORMATS; ``organizers`` is who ran it, as text (a group, a
company); the last four are links (http or https). An event is its name and date: the
attendance rows of an event carry its list row's details (its place, format, organizers
and links), so changing the list re-reads the attendance. Without a list row an event
is still imported, its place read from the attendance's ``location``.

A file is read again whenever its content (or the list) changes; the same row always
gives the same activity id, so re-reading adds nothing twice. A malformed row is
reported with its file, line and fix, and the rest of the file still imports. People
are identified by email (or, without one, by name); the id is a hash, so no email ever
appears outside the identities table.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from connectors.core.batch import Batch
from connectors.core.errors import SourceError
from connectors.core.records import Activity, Identity

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
)
LINKS = ("notes", "report", "photos", "recording")
FORMATS = ("meetup", "summit", "conference", "workshop", "sprint", "online")
ROLES = {"attendee": "event_attended", "speaker": "event_spoke", "organizer": "event_organized"}
#: What an event not in the list carries: its place from the attendance's location.
UNLISTED = dict.fromkeys(("city", "country", "format", "organizers", *LINKS))
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


def event_id(event: str, day: str) -> str:
    """An event's id: its name and date."""
    return _hash(event, day)


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


def _link(name: str, value: str) -> str | None:
    if not value:
        return None
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
        self.header = (
            [] if 1 in self.not_utf8 else [h.strip().lower() for h in self.reader.fieldnames or []]
        )
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
        attendance, lists = [], []
        for path in sorted(self.folder.glob("*.csv")):
            content = path.read_bytes()
            digest = hashlib.sha256(content).hexdigest()
            seen = state.get(f"{path.name}:rows") or state.get(f"{path.name}:list") or {}
            # A file's problems are reported when it is first read and when it changes.
            found = _Csv(path, content, [] if seen.get("file") == digest else self.problems)
            if "role" in found.header:
                attendance.append((path, digest, found))
                continue
            if "format" in found.header:
                lists.append((path, digest, found))
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
            self._read_list(found, details)
            yield Batch("list", path.name, state={"file": digest})
        # Attendance carries its event's list row: a changed list re-reads every file.
        listed = hashlib.sha256("".join(d for _, d, _ in lists).encode()).hexdigest()
        for path, digest, found in attendance:
            both = hashlib.sha256(f"{digest}:{listed}".encode()).hexdigest()
            if state.get(f"{path.name}:rows", {}).get("sha256") == both:
                continue
            activities, identities = self._read(found, details)
            yield Batch("rows", path.name, activities, identities, {"sha256": both, "file": digest})

    @staticmethod
    def _read_list(found: _Csv, details: dict[str, dict[str, Any]]) -> None:
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
                    **{link: _link(link, values.get(link, "")) for link in LINKS},
                }
            except ValueError as error:
                found.problem(line, str(error), "Fix the row; the other events were read.")
                continue
            lines[key] = line
            details[key] = row

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
                activity, identity = self._row(found.path.name, values, details)
            except ValueError as error:
                found.problem(line, str(error), "Fix the row; the rest of the file imported.")
                continue
            activities[activity.activity_id] = activity
            identities[identity.source_user_id] = identity
        return list(activities.values()), list(identities.values())

    @staticmethod
    def _row(
        file_name: str, values: dict[str, str], details: dict[str, dict[str, Any]]
    ) -> tuple[Activity, Identity]:
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
