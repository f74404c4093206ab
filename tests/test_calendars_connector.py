"""The calendar-feed connector against the fake calendar server (real HTTP, ETags) and a
feed file: every occurrence the sample's feeds hold in the window is listed once, on its
day where it is held, with its place; recurring events expand with their exceptions;
cancelled ones are listed as cancelled; a quiet sync costs one request per feed; an
interrupted sync loses and repeats nothing; what cannot be read is set aside or named
with its fix."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from connectors.core.errors import SourceError
from connectors.core.records import event_id
from connectors.core.source import Secrets
from connectors.sources.calendars.connector import place
from connectors.sources.calendars.source import CalendarsSource, build, check
from sample import FakeServer
from sample.calendars import FakeCalendars, settings, write_feed_file
from sample.calendars_data import CALL, CalendarData
from tests.conftest import drive, small_community

#: A feed as real ones write them: a folded line, an escaped comma, a floating time, an
#: event in a named zone across midnight, and a VEVENT that is not one (no start).
AWKWARD = (Path(__file__).parent / "calendars" / "awkward.ics").read_bytes()


@pytest.fixture
def calendar_data() -> CalendarData:
    return CalendarData(small_community())


@pytest.fixture
def fake_calendars(calendar_data: CalendarData):
    with FakeServer(FakeCalendars(calendar_data)) as server:
        yield server


def source(url: str, folder: Path, **overrides: object) -> CalendarsSource:
    write_feed_file(small_community(), folder)
    values = {**settings(url), "retry_backoff_seconds": 0.01, **overrides}
    return CalendarsSource(**values).relative_to(folder)


def run(settings_: CalendarsSource, state: dict, today, limit: int | None = None):
    connector = build(settings_, Secrets(), None)
    connector.today = today
    return drive(connector, state, limit), connector


def listed(batches) -> list:
    return [each for batch in batches for each in batch.listings]


def as_listed(listings) -> Counter:
    return Counter(
        (each.event, each.day, each.city, each.country, each.format, each.is_cancelled)
        for each in listings
    )


def truth(data: CalendarData) -> Counter:
    return Counter(
        (e.name, e.day.isoformat(), e.city, e.country, e.format, e.cancelled)
        for e in data.expected()
    )


def test_every_occurrence_is_listed_once_on_its_day_with_its_place(
    tmp_path, fake_calendars, calendar_data
):
    batches, connector = run(source(fake_calendars.url, tmp_path), {}, calendar_data.last_day)
    assert connector.problems == []
    listings = listed(batches)
    assert as_listed(listings) == truth(calendar_data)
    assert len({each.scope for each in listings}) == len(listings)
    # The id is the one the event list and the attendance carry: name and day.
    assert all(each.listing_id == event_id(each.event, each.day) for each in listings)
    calls = sorted((e for e in listings if e.event.startswith(CALL)), key=lambda e: e.day)
    # 17:00 in Los Angeles is the next day in UTC: the day is where it is held.
    assert all(e.starts_at.date().isoformat() > e.day for e in calls)
    assert {e.starts_at.hour for e in calls} == {0, 1}  # summer and winter time
    # An all-day event has a day and no time; an event's own page is kept.
    nairobi = next(e for e in listings if "Nairobi" in e.event)
    assert nairobi.starts_at is None and nairobi.url == "https://fossday.example.org/nairobi"
    # The Meetup-style feed's events belong to its local group; online ones to none.
    assert {e.local_group for e in listings if e.city == "Lagos"} == {"Acacia Lagos"}
    assert {e.local_group for e in calls} == {None}
    # The event without a start is set aside with why, and the rest of its feed listed.
    rejects = [r for b in batches for r in b.rejects]
    assert [(r.scope, r.reason) for r in rejects] == [("Conferences", "missing field 'DTSTART'")]
    assert rejects[0].item["SUMMARY"] == "A date to be announced"


def test_a_quiet_sync_reads_each_feed_once_and_lists_nothing(
    tmp_path, fake_calendars, calendar_data
):
    settings_ = source(fake_calendars.url, tmp_path)
    state: dict = {}
    run(settings_, state, calendar_data.last_day)
    before = len(fake_calendars.api.log)
    batches, connector = run(settings_, state, calendar_data.last_day)
    # One conditional request per URL feed (304), none for an unchanged file.
    assert connector.requests == 2 and len(fake_calendars.api.log) - before == 2
    assert {r.status for r in fake_calendars.api.log[before:]} == {304}
    assert listed(batches) == []


def test_an_upcoming_event_taken_out_of_a_feed_is_cancelled_and_a_past_one_stays(
    tmp_path, fake_calendars, calendar_data
):
    settings_ = source(fake_calendars.url, tmp_path)
    state: dict = {}
    run(settings_, state, calendar_data.last_day)
    # The organizers take the hack night (upcoming) and the oldest meetup (held) out.
    api = fake_calendars.api
    held = calendar_data.lagos_events[0]
    text = api.feeds["lagos"].decode()
    for uid in ("hack-night@meetup.example.org", f"lagos-{held.day:%Y%m%d}@meetup.example.org"):
        start = text.index(f"UID:{uid}")
        begin = text.rindex("BEGIN:VEVENT", 0, start)
        end = text.index("END:VEVENT", start) + len("END:VEVENT\r\n")
        text = text[:begin] + text[end:]
    api.feeds["lagos"] = text.encode()
    batches, _ = run(settings_, state, calendar_data.last_day)
    listings = listed(batches)
    cancelled = [(e.event, e.is_cancelled) for e in listings if e.is_cancelled]
    assert ("Lagos hack night", True) in cancelled
    assert held.name not in {e.event for e in listings}  # not cancelled: it was held
    # Only the changed feed was read again.
    assert {b.scope for b in batches if b.listings} == {"Acacia Lagos"}


def test_an_interrupted_sync_resumes_and_repeats_nothing(tmp_path, fake_calendars, calendar_data):
    settings_ = source(fake_calendars.url, tmp_path)
    state: dict = {}
    first, _ = run(settings_, state, calendar_data.last_day, limit=1)
    second, connector = run(settings_, state, calendar_data.last_day)
    assert connector.problems == []
    assert {b.scope for b in first} & {b.scope for b in second} == set()
    assert as_listed(listed(first) + listed(second)) == truth(calendar_data)


def test_failures_are_retried_or_named_and_the_other_feeds_go_on(
    tmp_path, fake_calendars, calendar_data
):
    api = fake_calendars.api
    api.inject("server_error", path="/calls.ics", times=2)
    batches, connector = run(source(fake_calendars.url, tmp_path), {}, calendar_data.last_day)
    assert connector.problems == [] and api.faults == []
    assert as_listed(listed(batches)) == truth(calendar_data)
    # A page that is not a calendar, and an address that is not there: each named with
    # its fix; the other feeds are listed.
    (tmp_path / "page.ics").write_text("<html><body>Sign in</body></html>")
    feeds = [
        {"name": "Calls", "url": f"{fake_calendars.url}/calendars/calls.ics"},
        {"name": "Login page", "url": str(tmp_path / "page.ics")},
        {"name": "Gone", "url": str(tmp_path / "gone.ics")},
    ]
    batches, connector = run(
        source(fake_calendars.url, tmp_path, feeds=feeds), {}, calendar_data.last_day
    )
    problems = [str(p) for p in connector.problems]
    assert len(problems) == 2
    assert "feed Login page" in problems[0] and "is not an iCalendar file" in problems[0]
    assert "sources.calendars.feeds" in problems[0]
    assert "feed Gone" in problems[1] and "gone.ics does not exist" in problems[1]
    assert {b.scope for b in batches} == {"Calls"}


def test_awkward_feeds_are_read_as_written():
    """tests/calendars/awkward.ics: RFC 5545's shapes a feed exporter writes."""
    from datetime import date

    from connectors.core.fetch import FileClient
    from connectors.sources.calendars.connector import CalendarConnector, CalendarFeed

    connector = CalendarConnector(
        FileClient("calendars", "x"), [], past_days=30, future_days=30, today=date(2026, 3, 1)
    )
    listings, rejects = connector.read(CalendarFeed("awkward", "", "workshop"), AWKWARD)
    found = {e.event: e for e in listings}
    # A folded SUMMARY, unfolded; escaped commas in LOCATION, read into a place.
    long = next(name for name in found if name.startswith("Contributor onboarding"))
    assert long.endswith("and a long title that folds") and "\r" not in long
    assert (found[long].city, found[long].country) == ("Berlin", "Germany")
    assert found[long].location == "Betahaus, Rudi-Dutschke-Straße 23, 10969 Berlin, Germany"
    # A time in Tokyo early in the morning: the day before in UTC, its own day kept.
    tokyo = found["Tokyo morning sprint"]
    assert tokyo.day == "2026-03-10" and tokyo.starts_at.isoformat() == "2026-03-09T23:30:00+00:00"
    assert tokyo.format == "workshop"
    # Google's X-WR-TIMEZONE gives a floating time its zone.
    assert found["Floating review"].starts_at.hour == 17  # 18:00 in Berlin (winter)
    # A series' weekly occurrences, one excluded by EXDATE; a cancelled series, listed
    # as cancelled.
    weekly = sorted(e.day for e in listings if e.event == "Weekly triage")
    assert weekly == ["2026-02-04", "2026-02-18", "2026-02-25"]
    assert found["Called-off sprint"].is_cancelled
    # The feed is who runs its events: the ORGANIZER's name and address are not kept.
    assert {e.organizers for e in listings} == {"awkward"}
    assert not any("Aiko" in repr(e) or "example.jp" in repr(e) for e in listings)
    assert [r.reason for r in rejects] == ["missing field 'DTSTART'"]


def test_a_location_is_read_into_a_city_and_a_country():
    assert place("Co-Creation Hub, 294 Herbert Macaulay Way, Yaba, Lagos, Nigeria") == (
        "Lagos",
        "Nigeria",
        False,
    )
    assert place("Zoom: https://zoom.example.org/j/123") == (None, None, True)
    assert place("Online") == (None, None, True)
    assert place("The usual pub") == (None, None, False)
    assert place(None) == (None, None, False)


def test_the_check_reads_each_feed_once_and_says_what_it_lists(tmp_path, fake_calendars):
    settings_ = source(fake_calendars.url, tmp_path)
    before = len(fake_calendars.api.log)
    line = check(settings_, Secrets())
    assert len(fake_calendars.api.log) - before == 2  # the file is read from disk
    assert "Acacia Lagos: " in line and " upcoming" in line
    assert "Conferences: 2 events in the window" in line and "1 unreadable" in line
    with pytest.raises(SourceError, match="was not found"):
        check(
            source(
                fake_calendars.url,
                tmp_path,
                feeds=[{"name": "x", "url": f"{fake_calendars.url}/calendars/nope.ics"}],
            ),
            Secrets(),
        )


def test_a_feed_is_configured_with_a_known_format_and_a_path_beside_acacia_yml(tmp_path):
    with pytest.raises(ValidationError, match="format 'party' is not one of meetup"):
        CalendarsSource(
            feeds=[{"name": "x", "url": "https://x.example.org/a.ics", "format": "party"}]
        )
    with pytest.raises(ValidationError, match="feeds"):
        CalendarsSource(feeds=[])
    resolved = CalendarsSource(feeds=[{"name": "x", "url": "cal/a.ics"}]).relative_to(tmp_path)
    assert resolved.feeds[0].url == str(tmp_path.resolve() / "cal" / "a.ics")


def test_a_private_feeds_address_is_never_in_an_error(tmp_path, fake_calendars, calendar_data):
    """A private calendar's iCal address holds its key (Google's ``/private-<key>/``):
    failures name the feed, never the address, in the problem and in the logs."""
    key = "private-0123456789abcdef0123456789abcdef"
    feeds = [{"name": "Team calendar", "url": f"{fake_calendars.url}/calendars/{key}.ics"}]
    fake_calendars.api.inject("server_error", path=key, times=20)
    settings_ = source(fake_calendars.url, tmp_path, feeds=feeds, request_retries=1)
    _, connector = run(settings_, {}, calendar_data.last_day)
    problems = [str(p) for p in connector.problems]
    assert len(problems) == 1 and "feed Team calendar" in problems[0]
    assert key not in problems[0] and "its address" in problems[0]
    with pytest.raises(SourceError) as raised:
        check(settings_, Secrets())
    assert key not in str(raised.value) and "Team calendar" in str(raised.value)
