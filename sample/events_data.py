"""The sample community's events, written as the CSV files a community team would keep:
the event list (``event-list.csv``: place, format, organizers, links) and the attendance
(one row per person per event).

The events tell the stories a team lives with:

- a **Lagos meetup series that grows**, month after month, mostly people who live there;
- a **Berlin meetup series that fades**, and stops;
- a **summit in Lisbon** that brings newcomers: people whose first activity in the
  community is the summit, who stay active after it (their activity starts on its day);
- a few **online workshops**, and a **sprint** a partner (Globex) hosts;
- **guests who did not consent to be named** (``named`` is ``no``): people known only
  from events, counted and never named, each at several meetups and one at the summit;
- **the organizer's kit** (README, Events, The organizer's kit): the Lagos series' next
  meetup is on the community's last day, with no attendance file: people are checked in
  at its door (CHECK_INS: locals, one twice, one who does not want to be named, and two
  walk-in newcomers), and the one after it is listed, upcoming; three events have
  their participants' feedback (FEEDBACK: ratings, answers, some not to be quoted, some
  anonymous) in the files survey tools export.

Every draw is relative to the community's last day and from the community's people and
its own seeded generator, so the events are the same whenever they are drawn.
"""

from __future__ import annotations

import csv
import dataclasses
import random
from datetime import date, datetime, timedelta
from pathlib import Path

from connectors.sources.events.connector import COLUMNS, EVENT_COLUMNS, person_id
from sample import ambassadors
from sample.community import Community, Person
from sample.names import FIRST, LAST

LIST = "event-list.csv"
#: The attendance files, by what they hold.
FILES = ("meetups.csv", "summit.csv", "workshops.csv")
#: How many people come to the growing series' first meetup and to its last, of the
#: community's size (the fading series the other way round).
SMALL, LARGE = 0.04, 0.2


@dataclasses.dataclass(frozen=True)
class Event:
    name: str
    day: date
    city: str | None
    country: str | None
    format: str
    organizers: str
    file: str
    links: dict[str, str] = dataclasses.field(default_factory=dict)
    #: The local group it belongs to (the list's ``group`` column; "": its city's).
    group: str = ""

    def row(self) -> dict[str, str]:
        return {
            "event": self.name,
            "date": self.day.isoformat(),
            "city": self.city or "",
            "country": self.country or "",
            "format": self.format,
            "organizers": self.organizers,
            **{
                link: self.links.get(link, "")
                for link in ("notes", "report", "photos", "recording")
            },
            "group": self.group,
            "join": self.links.get("join", ""),
        }


@dataclasses.dataclass(frozen=True)
class Drawn:
    """The sample's events: the list, and each attendance row with its person."""

    events: list[Event]
    attendance: list[tuple[Event, dict[str, str], Person]]
    #: The summit, and the people it brought in (their first activity anywhere).
    summit: Event
    newcomers: list[Person]
    #: The guests who did not consent to be named.
    unnamed: list[Person]
    #: Listed events without attendance: the Lagos meetup on the last day (its people
    #: are checked in at the door) and the next one, upcoming.
    upcoming: list[Event] = dataclasses.field(default_factory=list)
    #: The check-ins at the first upcoming event, in order: (values as typed, person).
    check_ins: list[tuple[dict[str, str], Person]] = dataclasses.field(default_factory=list)
    #: The walk-in newcomers among them: people the community never saw before.
    walk_ins: list[Person] = dataclasses.field(default_factory=list)
    #: The notes of two events, as Markdown files beside the event list: path -> text.
    notes: dict[str, str] = dataclasses.field(default_factory=dict)
    #: Feedback: (event, the survey file, the response's values, the respondent or None).
    feedback: list[tuple[Event, str, dict[str, str], Person | None]] = dataclasses.field(
        default_factory=list
    )


def event_rows(community: Community) -> dict[str, list[dict[str, str]]]:
    """Rows per file name: the event list and the attendance files."""
    drawn = draw(community)
    listed = [*drawn.events, *drawn.upcoming]
    files: dict[str, list[dict[str, str]]] = {LIST: [e.row() for e in listed]}
    for event, row, _ in drawn.attendance:
        files.setdefault(event.file, []).append(row)
    for _, file, row, _ in drawn.feedback:
        files.setdefault(file, []).append(row)
    return files


def accounts(community: Community) -> dict[str, Person]:
    """Every attendee's identity as the connector lands it (a hash of the email, or of
    the name without one; another namespace for the unnamed) -> the person: the truth
    identity resolution is measured against."""
    return {
        person_id(row["name"], row["email"], row["named"] != "no"): person
        for _, row, person in draw(community).attendance
    }


def draw(community: Community) -> Drawn:
    rng = random.Random("events")
    last_day = community.end.date()
    first_day = last_day - timedelta(days=community.days - 1)
    people = community.people
    staff = [p for p in people if p.organization and p.organization.is_staff]
    lead = ambassadors.champion(community)
    guests = _guests(rng, community)
    events: list[Event] = []
    attendance: list[tuple[Event, dict[str, str], Person]] = []

    def add(event: Event, roles: list[tuple[Person, str]], unnamed: list[Person] = ()) -> None:
        events.append(event)
        for person, role in roles:
            attendance.append((event, _row(event, person, role, named=True), person))
        for person in unnamed:
            attendance.append((event, _row(event, person, "attendee", named=False), person))

    def before_end(moment: datetime) -> float:
        """How many days before the community's end: what decides who is active on an
        event's day, whatever the time of day the community ends at."""
        return (community.end - moment) / timedelta(days=1)

    def active(day: date, pool: list[Person]) -> list[Person]:
        back = (last_day - day).days
        return [p for p in pool if before_end(p.active_from) >= back >= before_end(p.active_until)]

    def meetup(series: str, city: str, country: str, number: int, day: date, size: int):
        around = active(day, people)
        local = [p for p in around if p.location and p.location.startswith(city)]
        chosen = rng.sample(local, min(len(local), round(size * 0.7)))
        others = [p for p in around if p not in chosen]
        chosen += rng.sample(others, min(len(others), max(0, size - len(chosen))))
        if len(chosen) < 2:
            return
        event = Event(
            f"{city} meetup #{number}",
            day,
            city,
            country,
            "meetup",
            f"{series} meetup group",
            "meetups.csv",
            {
                "notes": f"https://meetup.example.org/{city.lower()}/{number}/notes",
                "join": f"https://meetup.example.org/acacia-{city.lower()}",
            },
            group=f"Acacia {city}",
        )
        # The Lagos series' champion speaks whenever they can (sample/ambassadors.py).
        if city == ambassadors.CITY and lead in around:
            chosen = [lead, *(p for p in chosen if p is not lead)][: max(len(chosen), 1)]
        roles = [(rng.choice(staff), "organizer"), (chosen[0], "speaker")]
        roles += [(p, "attendee") for p in chosen[1:]]
        add(event, roles, unnamed=guests[number % len(guests) : number % len(guests) + 1])

    months = community.days // 30
    n = len(people)
    for month in range(months):
        day = first_day + timedelta(days=30 * month + rng.randint(3, 20))
        growing = round(n * (SMALL + (LARGE - SMALL) * month / max(1, months - 1)))
        meetup("Lagos", "Lagos", "Nigeria", month + 1, day, growing)
        if month < months - 3:
            fading = round(n * (LARGE - (LARGE - SMALL) * month / max(1, months - 4)))
            meetup("Berlin", "Berlin", "DE", month + 1, day + timedelta(days=2), fading)

    # The summit: newcomers (whose activity starts on its day and goes on), and members.
    summit = Event(
        "Acacia Summit",
        last_day - timedelta(days=rng.randint(110, 150)),
        "Lisbon",
        "Portugal",
        "summit",
        "Acacia Foundation",
        "summit.csv",
        {
            "report": "https://acacia.example.org/summit/report",
            "recording": "https://video.example.org/acacia-summit",
            "photos": "https://photos.example.org/acacia-summit",
        },
    )
    back = (last_day - summit.day).days
    late = [
        p for p in people if before_end(p.active_from) < back and p.active_until == community.end
    ]
    newcomers = sorted(late, key=lambda p: p.active_from)[: max(3, n // 20)]
    members = rng.sample(active(summit.day, people), min(50, n // 3))
    roles = [(p, "organizer") for p in staff[:3]]
    roles += [(p, "speaker") for p in members[:7] if p not in staff[:3]]
    roles += [(p, "attendee") for p in members[7:] + newcomers if p not in staff[:3]]
    add(summit, roles, unnamed=guests[-1:])

    # Online workshops (no place) and a sprint.
    for number, back in enumerate((300, 200, 100, 40), 1):
        day = last_day - timedelta(days=back + rng.randint(0, 9))
        if day < first_day:
            continue
        event = Event(
            f"Online workshop #{number}",
            day,
            None,
            None,
            "online",
            "Acacia Foundation",
            "workshops.csv",
            {"recording": f"https://video.example.org/workshop-{number}"},
        )
        chosen = rng.sample(active(day, people), min(12, n // 10))
        add(event, [(rng.choice(staff), "organizer"), *((p, "attendee") for p in chosen)])
    day = last_day - timedelta(days=rng.randint(60, 80))
    sprint = Event("São Paulo sprint", day, "São Paulo", "BR", "sprint", "Globex", "workshops.csv")
    chosen = rng.sample(active(day, people), min(10, n // 12))
    # Hosted by a partner: two of its people organize it (the directory's event hosts).
    hosts = [p for p in active(day, people) if p.organization and p.organization.name == "Globex"]
    hosts = hosts[:2]
    add(
        sprint,
        [(p, "organizer") for p in hosts] + [(p, "attendee") for p in chosen if p not in hosts],
    )
    drawn = Drawn(events, attendance, summit, newcomers, guests)
    _organizers_kit(community, drawn, staff, active)
    return drawn


def _guests(rng: random.Random, community: Community) -> list[Person]:
    """People known only from events who did not consent to be named."""
    return [
        events_only(
            community,
            100_000 + number,
            f"{first} {last}",
            f"{first.lower()}.{last.lower()}.guest{number}@example.net",
            since=community.end - timedelta(days=community.days),
        )
        for number, (first, last) in enumerate(
            (rng.choice(FIRST), rng.choice(LAST)) for _ in range(4)
        )
    ]


def events_only(
    community: Community,
    key: int,
    name: str,
    email: str,
    *,
    since: datetime,
    location: str | None = None,
    timezone: str | None = None,
) -> Person:
    """A person known only from events (a guest, a walk-in): no account anywhere else."""
    return Person(
        key=key,
        login="",
        name=name,
        email=email,
        organization=None,
        company=None,
        location=location,
        timezone=timezone,
        propensity=0,
        active_from=since,
        active_until=community.end,
    )


def _row(event: Event, person: Person, role: str, *, named: bool) -> dict[str, str]:
    return {
        "event": event.name,
        "date": event.day.isoformat(),
        "location": event.city or "",
        "name": person.name_on("events"),
        "email": person.email,
        "role": role,
        "named": "yes" if named else "no",
    }


def write_event_files(community: Community, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, notes in draw(community).notes.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(notes)
        paths.append(path)
    for name, rows in event_rows(community).items():
        path = folder / name
        with open(path, "w", newline="") as handle:
            header = EVENT_COLUMNS if name == LIST else COLUMNS if "role" in rows[0] else rows[0]
            writer = csv.DictWriter(handle, fieldnames=list(header))
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    return paths


#: What the check-in event's people typed at the door, besides the locals: two walk-ins.
WALK_INS = (("Chiamaka", "Obi"), ("Tunde", "Bakare"))
#: The feedback surveys: (event's key in the draw, file, the rating column, the weights
#: of each rating from the scale's bottom, whether the file names the event).
QUESTIONS = ("What did you like most?", "What should we change?")


def _organizers_kit(community: Community, drawn: Drawn, staff: list[Person], active) -> None:
    """The upcoming events, the check-ins at the first, and three events' feedback, from
    a generator of their own (the rest of the draw is as it was)."""
    from sample.themes import Said, answers

    rng = random.Random("organizer's kit")
    said = Said()
    last_day = community.end.date()
    lagos = [e for e in drawn.events if e.name.startswith("Lagos meetup #")]
    number = max(int(e.name.rsplit("#", 1)[1]) for e in lagos) if lagos else 0
    for at, days in ((1, 0), (2, 28)):
        drawn.upcoming.append(
            Event(
                f"Lagos meetup #{number + at}",
                last_day + timedelta(days=days),
                "Lagos",
                "Nigeria",
                "meetup",
                "Lagos meetup group",
                "meetups.csv",
                {"join": "https://meetup.example.org/acacia-lagos"},
                group="Acacia Lagos",
            )
        )
    # The notes of the Lagos series' last meetup and the Berlin series' last, as files.
    noted = [e for e in drawn.events if e.name.startswith("Berlin meetup #")][-1:] + lagos[-1:]
    for event in noted:
        path = f"notes/{event.name.lower().replace(' ', '-').replace('#', '')}.md"
        written = Said()
        lines = [f"# {event.name}: notes of the group discussions", ""]
        lines += [f"- {written.next(event.city)}" for _ in range(10)]
        drawn.notes[path] = "\n".join(lines) + "\n"
        noted_event = dataclasses.replace(event, links={**event.links, "notes": path})
        drawn.events[drawn.events.index(event)] = noted_event
        drawn.attendance[:] = [
            (noted_event if e is event else e, row, p) for e, row, p in drawn.attendance
        ]
    lagos = [e for e in drawn.events if e.name.startswith("Lagos meetup #")]

    # At the door: a staff organizer, locals active today (one checked in twice, one who
    # does not want to be named, one volunteer), and two walk-ins.
    locals_ = [
        p
        for p in active(last_day, community.people)
        if p.location and p.location.startswith("Lagos") and p not in staff
    ]
    chosen = rng.sample(locals_, min(6, len(locals_)))
    roles = ["speaker", "volunteer"] + ["attendee"] * (len(chosen) - 2)

    def typed(person: Person, role: str, named: bool = True, first: bool = False) -> dict:
        return {
            "name": person.name_on("events"),
            "email": person.email,
            "role": role,
            "named": "yes" if named else "no",
            "first_time": "yes" if first else "no",
        }

    organizer = rng.choice(staff) if staff else None
    if organizer is not None:
        drawn.check_ins.append((typed(organizer, "organizer"), organizer))
    for index, (person, role) in enumerate(zip(chosen, roles, strict=True)):
        drawn.check_ins.append((typed(person, role, named=index != len(chosen) - 1), person))
    for key, (first, last) in enumerate(WALK_INS):
        person = events_only(
            community,
            200_000 + key,
            f"{first} {last}",
            f"{first.lower()}.{last.lower()}@gmail.com",
            since=community.end,
            location="Lagos, Nigeria",
            timezone="Africa/Lagos",
        )
        drawn.walk_ins.append(person)
        drawn.check_ins.append((typed(person, "attendee", first=True), person))
    if chosen:  # checked in twice: the organizer at the door did not see the first
        drawn.check_ins.append(drawn.check_ins[1])

    # Feedback for three events, each survey as its tool exports it.
    past = [e for e in lagos if e.day < last_day]
    workshops = [e for e in drawn.events if e.format == "online"]
    surveys = [
        (drawn.summit, f"{drawn.summit.name}.csv", (1, 5), (0, 0, 1, 3, 4), False),
        (past[-1], "meetup-feedback.csv", (1, 5), (0, 1, 2, 4, 2), True),
    ]
    if workshops:
        surveys.append(
            (
                workshops[-1],
                "workshop-feedback.csv",
                (0, 10),
                (0,) * 4 + (1, 1, 2, 3, 3, 2, 1),
                True,
            )
        )
    for event, file, (low, high), weights, names_event in surveys:
        came = [p for e, row, p in drawn.attendance if e is event and row["named"] == "yes"]
        respondents: list[Person | None] = rng.sample(came, max(2, len(came) * 3 // 5))
        respondents += [None, None]  # two answered without saying who they are
        place = event.city or "online"
        for number, person in enumerate(respondents):
            rating = rng.choices(range(low, high + 1), weights=weights)[0]
            liked, change = answers(said, place)
            row = {"event": event.name, "date": event.day.isoformat()} if names_event else {}
            if file == "workshop-feedback.csv":
                row.pop("date", None)  # the workshop's name is enough
            row |= {
                "timestamp": f"{event.day.isoformat()} 2{number % 4}:1{number % 10}:00",
                "email": person.email if person else "",
                f"rating ({low}-{high})": str(rating),
                "quote": "yes" if number % 3 != 2 else "no",
                QUESTIONS[0]: liked,
                QUESTIONS[1]: change,
            }
            drawn.feedback.append((event, file, row, person))


def check_in_everyone(community: Community, config_path: Path) -> int:
    """Check in the drawn CHECK_INS at the first upcoming event, as an organizer at the
    door would (pipelines/sync/check_in.py); returns how many were landed."""
    from connectors.core.config import load_config
    from connectors.sources.events.connector import read_event_list
    from pipelines.sync.check_in import CheckIn, check_in

    config = load_config(config_path)
    drawn = draw(community)
    event = drawn.upcoming[0]
    listed, _ = read_event_list(config.sources.events.folder)
    found = next(e for e in listed if e.event == event.name and e.day == event.day.isoformat())
    return sum(
        check_in(
            config,
            found,
            CheckIn(
                values["name"],
                values["email"],
                values["role"],
                values["named"] == "yes",
                values["first_time"] == "yes",
            ),
        )
        for values, _ in drawn.check_ins
    )
