"""The sample community's events: monthly meetups and a yearly summit, written as the
CSV files a community team would keep (one row per person per event)."""

from __future__ import annotations

import csv
import random
from datetime import timedelta
from pathlib import Path

from connectors.events.connector import person_id
from pipelines.sample.community import Community, Person

CITIES = ("Berlin", "Lagos", "São Paulo", "Bangalore", "Toronto")


def event_rows(community: Community) -> dict[str, list[dict[str, str]]]:
    """Rows per file name: ``meetups.csv`` and ``summit.csv``."""
    return {name: [row for row, _ in rows] for name, rows in _drawn(community).items()}


def accounts(community: Community) -> dict[str, Person]:
    """Every attendee's identity as the connector lands it (a hash of the email, or of
    the name without one) -> the person: the truth identity resolution is measured
    against."""
    return {
        person_id(row["name"], row["email"]): person
        for rows in _drawn(community).values()
        for row, person in rows
    }


def _drawn(community: Community) -> dict[str, list[tuple[dict[str, str], Person]]]:
    rng = random.Random("events")
    staff = [p for p in community.people if p.organization and p.organization.is_staff]
    files: dict[str, list[tuple[dict[str, str], Person]]] = {"meetups.csv": [], "summit.csv": []}
    # Event days count back from the community's last day, so that every event lies in
    # the year up to it (the first day included) whatever the time of day it ends at.
    last_day = community.end.date()
    for month in range(0, community.days // 30):
        day = last_day - timedelta(days=community.days - 1 - 30 * month - rng.randint(0, 20))
        city = rng.choice(CITIES)
        event = f"{city} meetup #{month + 1}"
        people = rng.sample(community.people, rng.randint(8, 25))
        rows = [(rng.choice(staff), "organizer"), (people[0], "speaker")]
        rows += [(p, "attendee") for p in people[1:]]
        for person, role in rows:
            row = {
                "event": event,
                "date": day.isoformat(),
                "location": city,
                "name": person.name,
                "email": person.email,
                "role": role,
            }
            files["meetups.csv"].append((row, person))
    day = last_day - timedelta(days=rng.randint(20, 60))
    attendees = rng.sample(community.people, min(60, len(community.people)))
    for number, person in enumerate(attendees):
        role = "organizer" if number < 3 else "speaker" if number < 10 else "attendee"
        row = {
            "event": "Acacia Summit",
            "date": day.isoformat(),
            "location": "Lisbon",
            "name": person.name,
            "email": person.email if number % 7 else "",
            "role": role,
        }
        files["summit.csv"].append((row, person))
    return files


def write_event_files(community: Community, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in event_rows(community).items():
        path = folder / name
        with open(path, "w", newline="") as handle:
            writer = csv.DictWriter(
                handle, fieldnames=["event", "date", "location", "name", "email", "role"]
            )
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    return paths
