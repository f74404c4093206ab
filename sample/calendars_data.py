"""The sample community's calendar feeds, written as real feeds are (RFC 5545: folded
lines, escaped commas, VTIMEZONE blocks, a Meetup-style feed and a shared calendar's):

- ``lagos``: the Lagos meetup group's feed, as Meetup publishes it: the series' last two
  meetups and its upcoming ones, **the same events as the event list** (same name and
  day: the event list shows each once), at 18:00 in Lagos; a hack night only the feed
  lists, and a picnic that was cancelled (STATUS:CANCELLED);
- ``calls``: the community calls, a shared calendar: a monthly call on the first
  Thursday at 17:00 in Los Angeles (the next day in UTC: its day is the Thursday), one
  month taken out (EXDATE), one cancelled (an override with STATUS:CANCELLED), one moved
  to the Friday (an override with another start); online (its location is a link);
- ``conferences``: a file, not a URL: an all-day conference in Nairobi, a gathering in
  São Paulo whose address has escaped commas, and one event without a start (nothing
  to list: a reject).

``expected(community)`` is the truth the tests check the event list against, drawn here
without reading any feed: every occurrence a feed lists in the window, with its day
where it is held, its place and whether it is cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sample import events_data
from sample.community import Community

FEEDS = ("lagos", "calls", "conferences")
#: The feed a file holds (``sources.calendars.feeds[].url`` is a path), not a URL.
FILE_FEED = "conferences"
CALL = "Acacia community call"
CALL_ZONE = "America/Los_Angeles"
LAGOS_VENUE = "Co-Creation Hub, 294 Herbert Macaulay Way, Yaba, Lagos, Nigeria"
#: How far back the feeds' window reaches (sources.calendars.past_days as the demo sets it).
PAST_DAYS = 365
FUTURE_DAYS = 120

LOS_ANGELES = """BEGIN:VTIMEZONE
TZID:America/Los_Angeles
BEGIN:DAYLIGHT
TZOFFSETFROM:-0800
TZOFFSETTO:-0700
TZNAME:PDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0700
TZOFFSETTO:-0800
TZNAME:PST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE"""

LAGOS = """BEGIN:VTIMEZONE
TZID:Africa/Lagos
BEGIN:STANDARD
TZOFFSETFROM:+0100
TZOFFSETTO:+0100
TZNAME:WAT
DTSTART:19700101T000000
END:STANDARD
END:VTIMEZONE"""


@dataclass(frozen=True)
class Expected:
    """One occurrence a feed lists: its name, its day where it is held, its place and
    format, whether it is cancelled, and whether the event list (CSV) lists it too."""

    feed: str
    name: str
    day: date
    city: str | None = None
    country: str | None = None
    format: str = "meetup"
    cancelled: bool = False
    in_event_list: bool = False


def _first_thursday(month: date) -> date:
    day = month.replace(day=1)
    return day + timedelta(days=(3 - day.weekday()) % 7)


def _months(first: date, last: date) -> list[date]:
    found, month = [], first.replace(day=1)
    while month <= last:
        found.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return found


def _fold(line: str) -> str:
    """RFC 5545's folding: lines of at most 75 octets, continued after a space."""
    data = line.encode()
    parts = []
    while len(data) > 75:
        cut = 75
        while (data[cut] & 0xC0) == 0x80:  # never inside a UTF-8 sequence
            cut -= 1
        parts.append(data[:cut].decode())
        data = b" " + data[cut:]
    parts.append(data.decode())
    return "\r\n".join(parts)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")


def _calendar(name: str, zones: list[str], events: list[list[str]]) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Acacia sample//Calendar feeds//EN",
        f"X-WR-CALNAME:{_escape(name)}",
        *(line for zone in zones for line in zone.splitlines()),
    ]
    for event in events:
        lines += ["BEGIN:VEVENT", *event, "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()


@dataclass
class CalendarData:
    """The three feeds of a community, and what they list."""

    community: Community

    def __post_init__(self) -> None:
        self.last_day = self.community.end.date()
        self.start = self.last_day - timedelta(days=PAST_DAYS)
        drawn = events_data.draw(self.community)
        lagos = [e for e in [*drawn.events, *drawn.upcoming] if e.city == "Lagos"]
        held = [e for e in lagos if e.day <= self.last_day]
        self.lagos_events = sorted(held, key=lambda e: e.day)[-2:] + [
            e for e in lagos if e.day > self.last_day
        ]
        self.stamp = self.community.end.strftime("%Y%m%dT%H%M%SZ")

    # -- the feeds -------------------------------------------------------------------
    def feeds(self) -> dict[str, bytes]:
        return {
            "lagos": self._lagos(),
            "calls": self._calls(),
            "conferences": self._conferences(),
        }

    def _event(self, uid: str, name: str, *rest: str) -> list[str]:
        return [f"UID:{uid}", f"DTSTAMP:{self.stamp}", f"SUMMARY:{_escape(name)}", *rest]

    def _lagos(self) -> bytes:
        events = []
        for number, event in enumerate(self.lagos_events):
            events.append(
                self._event(
                    f"lagos-{event.day:%Y%m%d}@meetup.example.org",
                    event.name,
                    f"DTSTART;TZID=Africa/Lagos:{event.day:%Y%m%d}T180000",
                    f"DTEND;TZID=Africa/Lagos:{event.day:%Y%m%d}T210000",
                    f"LOCATION:{_escape(LAGOS_VENUE)}",
                    f"URL:https://meetup.example.org/acacia-lagos/events/{300100 + number}/",
                    "ORGANIZER;CN=Acacia Lagos:mailto:noreply@meetup.example.org",
                    "DESCRIPTION:Talks\\, pizza and questions. Everyone is welcome!\\n"
                    "RSVP on the group's page.",
                )
            )
        for uid, name, day, status in self._lagos_only():
            events.append(
                self._event(
                    uid,
                    name,
                    f"DTSTART;TZID=Africa/Lagos:{day:%Y%m%d}T170000",
                    f"LOCATION:{_escape(LAGOS_VENUE)}",
                    f"URL:https://meetup.example.org/acacia-lagos/events/{uid.split('@')[0]}/",
                    *([f"STATUS:{status}"] if status else []),
                )
            )
        return _calendar("Acacia Lagos", [LAGOS], events)

    def _lagos_only(self) -> list[tuple[str, str, date, str]]:
        return [
            (
                "hack-night@meetup.example.org",
                "Lagos hack night",
                self.last_day + timedelta(10),
                "",
            ),
            (
                "picnic@meetup.example.org",
                "Lagos community picnic",
                self.last_day + timedelta(17),
                "CANCELLED",
            ),
        ]

    def call_days(self) -> tuple[date, list[date], date, date, tuple[date, date]]:
        """The series' first day, its occurrences' days in the window (before changes),
        the day taken out, the day cancelled, and the (original, moved-to) days."""
        first = _first_thursday(self.start.replace(day=1) + timedelta(days=32))
        stop = self.last_day + timedelta(days=FUTURE_DAYS)
        days = [d for d in (_first_thursday(m) for m in _months(first, stop)) if first <= d <= stop]
        return first, days, days[3], days[6], (days[8], days[8] + timedelta(days=1))

    def _calls(self) -> bytes:
        first, _, removed, cancelled, (moved, moved_to) = self.call_days()
        zone = f"TZID={CALL_ZONE}"
        link = "https://meet.example.org/acacia-call"
        uid = "community-call@acacia.example.org"
        series = self._event(
            uid,
            CALL,
            f"DTSTART;{zone}:{first:%Y%m%d}T170000",
            f"DTEND;{zone}:{first:%Y%m%d}T180000",
            "RRULE:FREQ=MONTHLY;BYDAY=1TH",
            f"EXDATE;{zone}:{removed:%Y%m%d}T170000",
            f"LOCATION:{link}",
            "DESCRIPTION:Our monthly call: news\\, demos\\, and your questions.",
            "ORGANIZER;CN=Acacia Foundation:mailto:community@acacia.example.org",
        )
        called_off = self._event(
            uid,
            CALL,
            f"RECURRENCE-ID;{zone}:{cancelled:%Y%m%d}T170000",
            f"DTSTART;{zone}:{cancelled:%Y%m%d}T170000",
            f"LOCATION:{link}",
            "STATUS:CANCELLED",
        )
        moved_one = self._event(
            uid,
            f"{CALL} (moved)",
            f"RECURRENCE-ID;{zone}:{moved:%Y%m%d}T170000",
            f"DTSTART;{zone}:{moved_to:%Y%m%d}T170000",
            f"LOCATION:{link}",
        )
        return _calendar("Acacia community calls", [LOS_ANGELES], [series, called_off, moved_one])

    def conference_days(self) -> tuple[date, date]:
        return self.last_day - timedelta(days=45), self.last_day + timedelta(days=60)

    def _conferences(self) -> bytes:
        nairobi, sao_paulo = self.conference_days()
        return _calendar(
            "Conferences",
            [],
            [
                self._event(
                    "foss-day-nairobi@acacia.example.org",
                    "FOSS Community Day Nairobi",
                    f"DTSTART;VALUE=DATE:{nairobi:%Y%m%d}",
                    f"DTEND;VALUE=DATE:{nairobi + timedelta(days=2):%Y%m%d}",
                    f"LOCATION:{_escape('KICC, Harambee Avenue, Nairobi, Kenya')}",
                    "URL:https://fossday.example.org/nairobi",
                ),
                self._event(
                    "encontro-sp@acacia.example.org",
                    "Encontro Acacia São Paulo – comunidade e código aberto",
                    f"DTSTART:{sao_paulo:%Y%m%d}T130000Z",
                    f"LOCATION:{_escape('Rua Augusta, 1500, São Paulo, Brazil')}",
                ),
                # No start: nothing to list; set aside as a reject.
                self._event("no-start@acacia.example.org", "A date to be announced"),
            ],
        )

    # -- the truth -------------------------------------------------------------------
    def accounts(self) -> dict:
        """No one's account: a feed lists events, never people (sample/truth.py)."""
        return {}

    def expected(self) -> list[Expected]:
        """Every occurrence the feeds list in the window, drawn without reading them."""
        found = [
            Expected("lagos", e.name, e.day, "Lagos", "Nigeria", in_event_list=True)
            for e in self.lagos_events
        ]
        found += [
            Expected("lagos", name, day, "Lagos", "Nigeria", cancelled=status == "CANCELLED")
            for _, name, day, status in self._lagos_only()
        ]
        _, days, removed, cancelled, (moved, moved_to) = self.call_days()
        zone = ZoneInfo(CALL_ZONE)
        for day in days:
            if day == removed:
                continue
            name, held = (f"{CALL} (moved)", moved_to) if day == moved else (CALL, day)
            # Its day where it is held: 17:00 in Los Angeles is the next day in UTC.
            assert datetime.combine(held, time(17), zone).astimezone(ZoneInfo("UTC")).date() > held
            found.append(Expected("calls", name, held, None, None, "online", day == cancelled))
        nairobi, sao_paulo = self.conference_days()
        found += [
            Expected(
                "conferences",
                "FOSS Community Day Nairobi",
                nairobi,
                "Nairobi",
                "Kenya",
                "conference",
            ),
            Expected(
                "conferences",
                "Encontro Acacia São Paulo – comunidade e código aberto",
                sao_paulo,
                "São Paulo",
                "Brazil",
                "conference",
            ),
        ]
        return found
