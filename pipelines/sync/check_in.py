"""Checking people in at an event's door (the dashboard's Check-in page).

A check-in is an attendance row like a CSV's (connectors/sources/events/connector.py
:func:`attendance`: the same checks, the same consent rule, the same activity id), landed
at once in the landing zone as the events source's, from the file ``check-in``. So
checking someone in twice is one attendance, and a person the CSV lists too is one
attendance; the event's figures show it after the next build. A person who was
forgotten is never landed again (the suppression list, as for every sync).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from connectors.core.config import AcaciaConfig
from connectors.sources.events.connector import CHECK_IN, SOURCE, ListedEvent, attendance
from pipelines.storage.landing import CursorStore, Lander, LandingZone


@dataclass(frozen=True)
class CheckIn:
    """Who came, as typed at the door."""

    name: str
    email: str
    role: str  # attendee, speaker, organizer or volunteer
    named: bool  # agrees to be named
    first_time: bool  # said it is their first time at one of the community's events


def check_in(config: AcaciaConfig, event: ListedEvent, person: CheckIn) -> bool:
    """Land ``person``'s attendance at ``event`` now. False when it was not landed: the
    person was forgotten (acacia forget) and never lands again. Raises ValueError saying
    what is wrong (no name nor email, an email that is not one, an unknown role)."""
    values = {
        "event": event.event,
        "date": event.day,
        "name": person.name.strip(),
        "email": person.email.strip(),
        "role": person.role,
        "named": "yes" if person.named else "no",
        "first_time": "yes" if person.first_time else "no",
    }
    activity, identity = attendance(CHECK_IN, values, {event.event_id: event.details})
    lander = Lander(
        LandingZone(config.storage.landing()), CursorStore(config.storage.sync_state()), SOURCE
    )
    lander.add([activity], [identity])
    lander.flush()
    return lander.landed["activities"] == 1


def checked_in(config: AcaciaConfig, event_id: str) -> list[dict[str, Any]]:
    """The check-ins landed for an event, the latest first, one per person and role:
    their name (None for a person who asked not to be named), role, whether they said it
    was their first time, and when."""
    zone = LandingZone(config.storage.landing())
    if not zone.names(SOURCE, "activities"):
        return []
    rows = zone.query(
        SOURCE,
        "activities",
        """
        select actor, extra, max(fetched_at) as checked_at
        from landed
        where thread_id = ? and json_extract_string(extra, '$.file') = ?
          and not coalesce(is_deleted, false)
        group by actor, extra
        order by checked_at desc
        """,
        [f"event:{event_id}", CHECK_IN],
    )
    names = dict(
        zone.query(
            SOURCE,
            "identities",
            "select source_user_id, coalesce(display_name, username) from landed "
            "where source_user_id in (select unnest(?)) and not coalesce(json_extract("
            "extra, '$.anonymous')::boolean, false)",
            [sorted({actor for actor, _, _ in rows})],
        )
    )
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for actor, extra, at in rows:
        details = json.loads(extra)
        key = (actor, details["role"])
        if key not in found:
            found[key] = {
                "name": names.get(actor) if details.get("named", True) else None,
                "role": details["role"],
                "first_time": bool(details.get("said_first_time")),
                "at": at,
            }
    return list(found.values())


def email_of(config: AcaciaConfig, identity_keys: list[str]) -> str:
    """The first email address landed for one of a member's accounts (``source:id``
    keys), "" when none has one: what checks in a member found by name, so that their
    attendance is theirs (the warehouse keeps no address)."""
    zone = LandingZone(config.storage.landing())
    by_source: dict[str, list[str]] = {}
    for key in sorted(identity_keys):
        source, user_id = key.split(":", 1)
        by_source.setdefault(source, []).append(user_id)
    for source, user_ids in by_source.items():
        if not zone.names(source, "identities"):
            continue
        found = zone.query(
            source,
            "identities",
            "select min(email) from landed where email is not null and source_user_id in "
            "(select unnest(?))",
            [user_ids],
        )
        if found and found[0][0]:
            return found[0][0]
    return ""
