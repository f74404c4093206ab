"""Event attendance imported from CSV files (meetups, conferences, sprints).

Every ``*.csv`` file in the configured folder has one row per person per event::

    event,date,location,name,email,role
    Berlin meetup #12,2026-03-14,Berlin,Ada Lovelace,ada@example.org,organizer

``role`` is ``attendee``, ``speaker`` or ``organizer`` (activities ``event_attended``,
``event_spoke``, ``event_organized``). A file is read again whenever its content changes
(the same row always gives the same activity id, so re-reading adds nothing twice). A
malformed row is reported with its file and line number, and the rest of the file still
imports. People are identified by email (or, without one, by name); the id is a hash, so
no email ever appears outside the identities table.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.batch import Batch
from connectors.errors import SourceError
from connectors.records import Activity, Identity

SOURCE = "events"
COLUMNS = ("event", "date", "location", "name", "email", "role")
ROLES = {"attendee": "event_attended", "speaker": "event_spoke", "organizer": "event_organized"}


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


def person_id(name: str, email: str) -> str:
    """The stable id of an attendee: a hash of their email, or of their name without one."""
    email = email.strip().lower()
    return f"p_{_hash('email', email) if email else _hash('name', name.strip().lower())}"


class EventsConnector:
    """Imports new or changed CSV files of a folder."""

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
        for path in sorted(self.folder.glob("*.csv")):
            content = path.read_bytes()
            digest = hashlib.sha256(content).hexdigest()
            if state.get(f"{path.name}:rows", {}).get("sha256") == digest:
                continue
            activities, identities = self._read(path, content)
            yield Batch("rows", path.name, activities, identities, {"sha256": digest})

    def _read(self, path: Path, content: bytes) -> tuple[list[Activity], list[Identity]]:
        text, not_utf8 = _decode(content)
        if 1 in not_utf8:
            self.problems.append(RowProblem(SOURCE, f"{path.name}: line 1: {NOT_UTF8}", RESAVE))
            return [], []
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in COLUMNS if c not in header and c not in ("location", "email")]
        if missing:
            self.problems.append(
                RowProblem(
                    SOURCE,
                    f"{path.name}: line 1: missing column(s) {', '.join(missing)}.",
                    f"The header must be: {','.join(COLUMNS)}",
                )
            )
            return [], []
        reader.fieldnames = header
        activities, identities = {}, {}
        last_line = reader.line_num
        for row in reader:
            line, first_line, last_line = reader.line_num, last_line + 1, reader.line_num
            if not_utf8 & set(range(first_line, line + 1)):
                # Imported, it would read "J�rg": set aside and said, never silently.
                self.problems.append(
                    RowProblem(SOURCE, f"{path.name}: line {line}: {NOT_UTF8}", RESAVE)
                )
                continue
            try:
                activity, identity = self._row(path.name, row)
            except ValueError as error:
                self.problems.append(
                    RowProblem(
                        SOURCE,
                        f"{path.name}: line {line}: {error}",
                        "Fix the row; the rest of the file imported.",
                    )
                )
                continue
            activities[activity.activity_id] = activity
            identities[identity.source_user_id] = identity
        return list(activities.values()), list(identities.values())

    @staticmethod
    def _row(file_name: str, row: dict[str, str | None]) -> tuple[Activity, Identity]:
        values = {k: (v or "").strip() for k, v in row.items() if k}
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
        try:
            day = datetime.strptime(values.get("date", ""), "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise ValueError(f"date {values.get('date')!r} is not YYYY-MM-DD") from None
        if email and "@" not in email:
            raise ValueError(f"email {email!r} is not an email address")
        person = person_id(name, email)
        event_id = _hash(event, day.date().isoformat())
        activity = Activity(
            SOURCE,
            f"{event_id}:{person}:{role}",
            ROLES[role],
            day,
            person,
            event,
            title=event,
            thread_id=f"event:{event_id}",
            extra={"file": file_name, "role": role, "location": values.get("location")},
        )
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
