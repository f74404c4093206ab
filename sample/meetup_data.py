"""The sample community's Meetup group, ``acacia-bangalore`` ("Acacia Bangalore"), as
Meetup's GraphQL API serves it: a monthly meetup in Bangalore over the community's
last ten months and the next two, each with its hosts and RSVPs, and what real groups
have besides:

- the members who live in Bangalore come most, as the name they give Meetup (some write
  it their own way); a few Meetup-only people come too (no account anywhere else);
- attendance was taken at some meetups (``ATTENDED`` / ``NO_SHOW``) and not at others
  (then who said ``YES`` came); people say ``NO`` and sit on the ``WAITLIST``;
- a host who did not RSVP, and one who did (counted once, as the organizer);
- one meetup was cancelled; one is online; one starts at 00:30 in Bangalore (the day
  before in UTC: its day is Bangalore's);
- the tech day has more than 100 RSVPs (a second page of them), most of them
  Meetup-only people;
- an RSVP of an account that was deleted (no ``member``), and a member whose name has
  spaces around it.

Drawn from a generator of its own (not the community's), so adding Meetup changes no
other source's draw; its time is the community's (every day relative to its last).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

from sample.community import Community, Person
from sample.events_data import events_only

URLNAME = "acacia-bangalore"
GROUP = "Acacia Bangalore"
CITY, COUNTRY = "Bangalore", "in"
ZONE = timezone(timedelta(hours=5, minutes=30))
VENUE = {"name": "Koramangala Social", "address": "118 Koramangala 7th Block", "city": CITY}
HOST_KEY = 300_000
ONLY_KEY = 310_000


@dataclass
class Rsvp:
    id: str
    person: Person | None  # None: the account was deleted
    status: str  # YES, NO, WAITLIST, ATTENDED, NO_SHOW
    member_id: str | None
    name: str | None  # as the member wrote it on Meetup


@dataclass
class MEvent:
    id: str
    title: str
    day: date
    at: time
    status: str = "ACTIVE"  # ACTIVE (upcoming), PAST, CANCELLED
    online: bool = False
    hosts: list[tuple[str, str, Person]] = field(default_factory=list)  # (id, name, person)
    rsvps: list[Rsvp] = field(default_factory=list)

    @property
    def local(self) -> datetime:
        return datetime.combine(self.day, self.at, ZONE)

    @property
    def recorded(self) -> bool:
        return any(r.status in ("ATTENDED", "NO_SHOW") for r in self.rsvps)


class MeetupData:
    """The group's events as drawn, with the truth the tests compare with."""

    def __init__(self, community: Community) -> None:
        self.community = community
        self.rng = random.Random("acacia-meetup")
        self.last_day = community.end.date()
        self.events: list[MEvent] = []
        self.member_ids: dict[int, str] = {}
        self._draw()

    # -- drawing ------------------------------------------------------------------------
    def _member(self, person: Person) -> str:
        if person.key not in self.member_ids:
            self.member_ids[person.key] = str(270_000_000 + len(self.member_ids) * 7919)
        return self.member_ids[person.key]

    def _draw(self) -> None:
        people = self.community.people
        locals_ = [p for p in people if p.location and p.location.startswith(CITY)]
        others = [p for p in people if p not in locals_ and not p.is_bot]
        staff = [p for p in people if p.organization and p.organization.is_staff]
        host = staff[0]
        co_host = events_only(
            self.community,
            HOST_KEY,
            "Divya Raman",
            "divya.raman@example.in",
            since=self.community.start,
            location="Bangalore, India",
        )
        only = [
            events_only(
                self.community,
                ONLY_KEY + n,
                f"{first} {last}",
                f"{first.lower()}.{last.lower()}{n}@example.in",
                since=self.community.start,
                location="Bangalore, India",
            )
            for n, (first, last) in enumerate(
                (self.rng.choice(FIRST_IN), self.rng.choice(LAST_IN)) for _ in range(120)
            )
        ]
        self.only = only
        number = 0
        for month in range(-9, 3):
            day = self.last_day + timedelta(days=30 * month + self.rng.randint(-3, 3))
            number += 1
            title = f"Acacia Bangalore meetup #{number}"
            at = time(18, 30)
            status = "PAST" if day <= self.last_day - timedelta(days=1) else "ACTIVE"
            online = False
            if month == -6:
                status = "CANCELLED"
            if month == -4:
                title, online = "Acacia Bangalore online hour", True
            if month == -2:
                at = time(0, 30)  # a late-night hack session: the day before in UTC
                title = "Acacia Bangalore midnight hack"
            event = MEvent(str(310_100_000 + number), title, day, at, status, online)
            event.hosts.append((self._member(host), host.name, host))
            if month % 2 == 0:
                event.hosts.append((self._member(co_host), co_host.name, co_host))
            self.events.append(event)
            if status != "PAST":
                if status == "ACTIVE":  # upcoming: RSVPs so far
                    for person in self.rng.sample(locals_, min(4, len(locals_))):
                        event.rsvps.append(self._rsvp(person, "YES"))
                continue
            when = datetime.combine(day, at, ZONE)
            around = [p for p in locals_ if p.active_at(when)]
            chosen = self.rng.sample(around, min(len(around), 8))
            chosen += self.rng.sample([p for p in others if p.active_at(when)], 3)
            chosen += self.rng.sample(only[:20], 4)
            record = month % 3 == 0
            for person in chosen:
                roll = self.rng.random()
                if roll < 0.1:
                    status_ = "NO"
                elif roll < 0.2:
                    status_ = "WAITLIST"
                elif record:
                    status_ = "NO_SHOW" if roll < 0.3 else "ATTENDED"
                else:
                    status_ = "YES"
                event.rsvps.append(self._rsvp(person, status_))
            if month == -8:  # the host who RSVPs too: counted once, as the organizer
                event.rsvps.append(self._rsvp(host, "ATTENDED" if record else "YES"))
            if month == -7:  # a deleted account's RSVP
                event.rsvps.append(Rsvp(f"r-{event.id}-gone", None, "YES", None, None))
        # The tech day: more than 100 RSVPs, most of them Meetup-only people.
        day = self.last_day - timedelta(days=75)
        tech = MEvent("310199999", "Bangalore Tech Day", day, time(10, 0), "PAST")
        tech.hosts.append((self._member(co_host), co_host.name, co_host))
        for person in [*self.rng.sample(locals_, min(5, len(locals_))), *only]:
            tech.rsvps.append(self._rsvp(person, "YES"))
        self.events.append(tech)
        self.events.sort(key=lambda e: e.local)

    def _rsvp(self, person: Person, status: str) -> Rsvp:
        member = self._member(person)
        name = person.name_on("meetup")
        if person.key == ONLY_KEY + 3:
            name = f"  {name} "  # spaces around it, as typed
        return Rsvp(f"r-{member}-{self.rng.getrandbits(32):08x}", person, status, member, name)

    # -- the truth ----------------------------------------------------------------------
    def held(self) -> list[MEvent]:
        return [e for e in self.events if e.status == "PAST"]

    def attendance(self) -> list[tuple[MEvent, str, Person | None, str]]:
        """(event, role, person or None for a deleted account, member id) of every
        attendance the connector lands: the hosts, then who came."""
        found = []
        for event in self.held():
            hosts = {member for member, _, _ in event.hosts}
            for member, _, person in event.hosts:
                found.append((event, "organizer", person, member))
            came = "ATTENDED" if event.recorded else "YES"
            for r in event.rsvps:
                if r.status == came and r.member_id not in hosts:
                    found.append((event, "attendee", r.person, r.member_id or "former-member"))
        return found

    def activities(self) -> list[tuple[str, Person | None, datetime, str]]:
        """(type, person, when, member id) of every attendance, as activities."""
        return [
            (
                "event_organized" if role == "organizer" else "event_attended",
                person,
                datetime.combine(event.day, time(), UTC),
                member,
            )
            for event, role, person, member in self.attendance()
        ]

    def accounts(self) -> dict[str, Person]:
        """member id -> person, as the connector lands named members (the truth of
        identity resolution; a deleted account is nobody)."""
        return {
            member: person
            for _, _, person, member in self.attendance()
            if person is not None and member != "former-member"
        }


FIRST_IN = (
    "Aarav", "Ananya", "Vihaan", "Diya", "Arjun", "Isha", "Kabir", "Meera", "Rohan", "Saanvi",
)  # fmt: skip
LAST_IN = ("Sharma", "Iyer", "Reddy", "Nair", "Rao", "Gupta", "Menon", "Patel", "Kumar", "Das")
