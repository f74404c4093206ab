"""The Meetup connector against the fake Meetup GraphQL API (real HTTP, its points
budget): every event of the group is listed once on its day where it is held, the
attendance of the events held is the drawn truth (hosts, then who came or said yes),
attendees are named only with the team's say-so, a quiet sync costs one request and
lands nothing, an interrupted sync loses and repeats nothing, a spent budget is waited
out, and what cannot be read is set aside or named with its fix."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from connectors.core import clock
from connectors.core.errors import RateLimitStop, SourceError
from connectors.core.records import event_id
from connectors.core.source import Secrets
from connectors.sources.meetup.connector import FORMER, MeetupConnector, unnamed_id
from connectors.sources.meetup.source import MeetupSource, check, connector
from sample import FakeServer
from sample.meetup import DEMO, NETWORK, FakeMeetup
from sample.meetup_data import CITY, GROUP, MeetupData, MEvent, Rsvp
from tests.conftest import MEETUP_TOKEN, drive, small_community

AWKWARD = json.loads((Path(__file__).parent / "meetup" / "events_awkward.json").read_text())


@pytest.fixture
def meetup_data() -> MeetupData:
    return MeetupData(small_community())


@pytest.fixture
def fake_meetup(meetup_data: MeetupData):
    with FakeServer(FakeMeetup(meetup_data, token=MEETUP_TOKEN)) as server:
        yield server


def settings(url: str, **overrides: object) -> MeetupSource:
    values = {
        **DEMO.settings(url),
        "backfill_days": 400,
        "retry_backoff_seconds": 0.01,
        **overrides,
    }
    return MeetupSource(**values)


def run(source: MeetupSource, state: dict, today, limit: int | None = None, **kw):
    found = connector(source, Secrets(token=MEETUP_TOKEN))
    found.today = today
    for key, value in kw.items():
        setattr(found, key, value)
    return drive(found, state, limit), found


def landed(batches, kind: str = "activities") -> list:
    return [each for batch in batches for each in getattr(batch, kind)]


def truth(data: MeetupData) -> Counter:
    return Counter((kind, member, when) for kind, _, when, member in data.activities())


def as_landed(activities) -> Counter:
    return Counter((a.type, a.actor, a.occurred_at) for a in activities)


def test_every_event_is_listed_and_the_attendance_is_the_drawn_one(fake_meetup, meetup_data):
    batches, found = run(settings(fake_meetup.url), {}, meetup_data.last_day)
    assert found.problems == []
    listings = landed(batches, "listings")
    assert sorted((e.event, e.day, e.is_cancelled) for e in listings) == sorted(
        (e.title, e.day.isoformat(), e.status == "CANCELLED") for e in meetup_data.events
    )
    assert all(e.listing_id == event_id(e.event, e.day) for e in listings)
    by_title = {e.event: e for e in listings}
    # Its day is Bangalore's: 00:30 there is the evening before in UTC.
    hack = by_title["Acacia Bangalore midnight hack"]
    assert hack.starts_at.date().isoformat() < hack.day
    online = by_title["Acacia Bangalore online hour"]
    assert (online.format, online.city, online.local_group) == ("online", None, None)
    meetup = by_title["Acacia Bangalore meetup #1"]
    assert (meetup.city, meetup.country, meetup.local_group) == (CITY, "IN", GROUP)
    assert meetup.url.endswith("/events/310100001/")
    # Attendance: the hosts, then the marked attendance, or the yeses where none was taken.
    activities = landed(batches)
    assert as_landed({a.activity_id: a for a in activities}.values()) == truth(meetup_data)
    assert len({a.activity_id for a in activities}) == len(activities)
    # The tech day's second page of RSVPs was read (one request more).
    tech = next(e for e in meetup_data.events if e.title == "Bangalore Tech Day")
    assert (
        sum(
            a.thread_id == f"event:{event_id(tech.title, tech.day.isoformat())}" for a in activities
        )
        == len(tech.rsvps) + 1
    )
    assert found.requests == 2
    # A deleted account's RSVP is the former member's; a name typed with spaces, trimmed.
    identities = {i.source_user_id: i for i in landed(batches, "identities")}
    assert identities[FORMER].is_deleted
    assert all(i.username == i.username.strip() for i in identities.values())
    assert {i.location for i in identities.values() if i.source_user_id != FORMER} >= {CITY}


def test_attendees_are_named_only_with_the_teams_say_so(fake_meetup, meetup_data):
    batches, _ = run(settings(fake_meetup.url, attendees_named=False), {}, meetup_data.last_day)
    identities = {i.source_user_id: i for i in landed(batches, "identities")}
    hosts = {member for e in meetup_data.events for member, _, _ in e.hosts}
    attendees = {m for _, role, _, m in meetup_data.attendance() if role == "attendee"} - {FORMER}
    assert not (attendees - hosts) & set(identities)  # no attendee's id landed
    unnamed = [i for i in identities.values() if i.extra.get("anonymous")]
    assert {i.source_user_id for i in unnamed} == {unnamed_id(m) for m in attendees - hosts}
    assert {i.username for i in unnamed} == {"Unnamed attendee"}
    assert all(i.display_name is None and i.location is None for i in unnamed)
    # Hosts are on the event's public page: named.
    assert hosts <= set(identities)
    named = {r.name.strip() for e in meetup_data.events for r in e.rsvps if r.name}
    host_names = {name for e in meetup_data.events for _, name, _ in e.hosts}
    text = json.dumps([a.extra for a in landed(batches)]) + json.dumps(
        [(i.username, i.display_name) for i in identities.values()]
    )
    assert not any(name in text for name in named - host_names)
    # Every attendance still counts.
    assert len({a.activity_id for a in landed(batches)}) == len(meetup_data.attendance())


def test_a_quiet_sync_is_one_request_and_a_changed_event_lands_again(fake_meetup, meetup_data):
    source, state = settings(fake_meetup.url), {}
    run(source, state, meetup_data.last_day)
    before = len(fake_meetup.api.log)
    batches, found = run(source, state, meetup_data.last_day)
    assert found.requests == 1 and len(fake_meetup.api.log) - before == 1
    assert landed(batches, "listings") == [] and landed(batches) == []
    # Two RSVPs more for the next meetup: that event (and only it) is listed again.
    upcoming = next(e for e in meetup_data.events if e.status == "ACTIVE")
    person = next(
        p for p in small_community().people if not any(r.person is p for r in upcoming.rsvps)
    )
    upcoming.rsvps.append(Rsvp("r-new", person, "YES", "999", person.name))
    batches, _ = run(source, state, meetup_data.last_day)
    assert [e.event for e in landed(batches, "listings")] == [upcoming.title]
    assert landed(batches) == []  # not held yet


def test_an_interrupted_sync_resumes_and_repeats_nothing(fake_meetup, meetup_data):
    source, state = settings(fake_meetup.url), {}
    first, _ = run(source, state, meetup_data.last_day, limit=2, page_size=4)
    assert state == {}  # a walk commits its state at its end
    second, found = run(source, state, meetup_data.last_day, page_size=4)
    assert found.problems == [] and state
    both = {a.activity_id: a for a in landed(first) + landed(second)}
    assert as_landed(both.values()) == truth(meetup_data)
    assert len(landed(second, "listings")) == len(meetup_data.events)


def test_a_spent_points_budget_is_waited_out_and_a_long_wait_stops_cleanly(meetup_data):
    with FakeServer(FakeMeetup(meetup_data, token=MEETUP_TOKEN, budget=2, window=1.5)) as server:
        batches, found = run(settings(server.url), {}, meetup_data.last_day)
        assert found.problems == []
        assert as_landed({a.activity_id: a for a in landed(batches)}.values()) == truth(meetup_data)
        # The second query found the budget spent, waited for its reset, and asked again.
        assert server.api.limited >= 1 and found.requests == 2 + server.api.limited
    with FakeServer(FakeMeetup(meetup_data, token=MEETUP_TOKEN)) as server:
        server.api.inject("rate_limited", seconds=3600)
        state: dict = {}
        batches, found = run(
            settings(server.url, max_rate_limit_wait=5), state, meetup_data.last_day
        )
        assert [type(p) for p in found.problems] == [RateLimitStop]
        assert "group acacia-bangalore" in str(found.problems[0])
        assert state == {} and landed(batches) == []  # nothing lost: the next run reads it


def test_failures_are_retried_or_named_with_their_fix(fake_meetup, meetup_data):
    api = fake_meetup.api
    api.inject("server_error", times=2)
    api.inject("malformed", times=1)
    batches, found = run(settings(fake_meetup.url), {}, meetup_data.last_day)
    assert found.problems == [] and api.faults == []
    assert as_landed({a.activity_id: a for a in landed(batches)}.values()) == truth(meetup_data)
    # A group that does not exist is named with its fix; the others are read.
    batches, found = run(
        settings(fake_meetup.url, groups=["no-such-group", "acacia-bangalore"]),
        {},
        meetup_data.last_day,
    )
    assert len(found.problems) == 1
    assert "group no-such-group" in str(found.problems[0]) and "urlname" in str(found.problems[0])
    assert {b.scope for b in batches} == {"acacia-bangalore"}
    # A refused token says which variable holds it, and is not retried.
    before = len(api.log)
    refused = connector(settings(fake_meetup.url), Secrets(token="wrong"))
    drive(refused, {})
    assert "sources.meetup.token_env" in str(refused.problems[0])
    assert len(api.log) - before == 1


def test_a_pro_networks_groups_are_read(fake_meetup, meetup_data):
    source = settings(fake_meetup.url, groups=[], pro_network=NETWORK)
    batches, found = run(source, {}, meetup_data.last_day)
    assert found.problems == []
    assert {b.scope for b in batches} == {"acacia-bangalore"}
    assert len(landed(batches, "listings")) == len(meetup_data.events)
    line = check(source, Secrets(token=MEETUP_TOKEN))
    assert "token of Acacia Bot" in line and "acacia-bangalore: " in line
    with pytest.raises(ValidationError, match="give the groups to read"):
        MeetupSource(groups=[])
    with pytest.raises(SourceError, match="no Pro network"):
        check(settings(fake_meetup.url, groups=[], pro_network="nope"), Secrets(token=MEETUP_TOKEN))


def test_awkward_events_are_read_as_meetup_documents_them(monkeypatch):
    """tests/meetup/events_awkward.json: a page of ``groupEvents`` as Meetup's schema
    documents it, with what real groups have (read as of a day after them all)."""
    monkeypatch.setenv(clock.NOW_ENV, "2026-05-01T12:00:00Z")

    class Client:
        requests = 0

        def query(self, name, text, variables):
            self.requests += 1
            return AWKWARD["data"]

    found = MeetupConnector(Client(), ["awkward"], attendees_named=True)
    found.today = datetime(2026, 5, 1, tzinfo=UTC).date()
    batches = drive(found, {})
    rejects = [r for b in batches for r in b.rejects]
    # An event without a title cannot be listed: set aside with why; the rest read.
    assert [r.reason for r in rejects] == ["missing field 'title'"]
    listings = {e.event: e for e in landed(batches, "listings")}
    assert set(listings) == {"Recorded meetup", "Yes-only meetup", "Zulu time meetup"}
    assert listings["Zulu time meetup"].day == "2026-03-20"  # dateTime in UTC (Z)
    roles = Counter((a.channel, a.extra["role"], a.actor) for a in landed(batches))
    # Attendance taken: ATTENDED counts, NO_SHOW, NO and WAITLIST do not; the host who
    # RSVPed counts once, as the organizer; the one who did not RSVP counts too.
    assert roles == Counter(
        {
            ("Recorded meetup", "organizer", "101"): 1,
            ("Recorded meetup", "organizer", "102"): 1,
            ("Recorded meetup", "attendee", "201"): 1,
            ("Recorded meetup", "attendee", FORMER): 1,
            ("Yes-only meetup", "organizer", "101"): 1,
            ("Yes-only meetup", "attendee", "202"): 1,
            ("Yes-only meetup", "attendee", "203"): 1,
            ("Zulu time meetup", "organizer", "101"): 1,
        }
    )
    names = {i.source_user_id: i.username for b in batches for i in b.identities}
    assert names["203"] == "Ana Lima 🌱" and names["202"] == "Member 202"


@pytest.mark.slow
def test_meetup_events_are_events_in_the_marts_and_a_forgotten_member_stays_forgotten(
    tmp_path, monkeypatch, meetup_data
):
    """The models (the contract of tests/test_events.py) and the forget contract
    (tests/test_forget.py) for Meetup: each event held is an event with the drawn
    attendance, the group is a local group with its held and next events, every event is
    in the event list once; forgetting a member leaves neither their id nor their name
    anywhere, and their next RSVP is skipped while everyone else's stays."""
    import sys

    import duckdb
    import yaml
    from typer.testing import CliRunner

    from connectors.core.config import load_config
    from pipelines.cli.main import app
    from pipelines.orchestration.execute import run_job
    from pipelines.storage.snapshot import current_snapshot
    from tests.test_dashboard import PAGES, render
    from tests.test_forget import traces
    from tests.test_hostile_text import NAME, assert_only_text, markdown_bodies, shown_text

    # Text from outside is text (tests/test_hostile_text.py): an organizer titles a
    # meetup as a Markdown link, an image, HTML and a Slack mention.
    hostile = next(e for e in meetup_data.held() if not e.online)
    hostile.title = NAME
    monkeypatch.setenv("ACACIA_TEST_MEETUP_TOKEN", MEETUP_TOKEN)
    with FakeServer(FakeMeetup(meetup_data, token=MEETUP_TOKEN)) as server:
        path = tmp_path / "acacia.yml"
        section = {
            **DEMO.settings(server.url),
            "token_env": "ACACIA_TEST_MEETUP_TOKEN",
            "backfill_days": 400,
        }
        path.write_text(
            yaml.safe_dump(
                {
                    "community_name": "Meetups",
                    "storage": {"data_dir": "data"},
                    "sources": {"meetup": section},
                }
            )
        )
        assert run_job(path, "nightly_sync").success
        config = load_config(path)

        def rows(sql: str) -> list[tuple]:
            snapshot = current_snapshot(config.storage.serving())
            with duckdb.connect(str(snapshot), read_only=True) as con:
                return con.execute(sql).fetchall()

        came: dict[str, set[str]] = {}
        for event, _, _, member in meetup_data.attendance():
            came.setdefault(event.title, set()).add(member)
        assert dict(rows("select event, attendees from events")) == {
            title: len(members) for title, members in came.items()
        }
        listed = [e for e in meetup_data.events if e.status != "CANCELLED"]
        assert sorted(rows("select event, event_date, sources from event_list")) == sorted(
            (e.title, e.day, "meetup") for e in listed
        )
        held = [e for e in meetup_data.held() if not e.online]
        upcoming = min((e for e in listed if e.status == "ACTIVE"), key=lambda e: e.day)
        assert rows("select local_group, events_held, next_event from local_groups") == [
            (GROUP, len(held), upcoming.title)
        ]

        key = event_id(NAME, hostile.day.isoformat())
        events_page = render(path, monkeypatch, PAGES["Events"], {"event": key})
        shown = [b for b in markdown_bodies(events_page) if NAME in " ".join(shown_text(b).split())]
        assert shown, "the event's page should show its title"
        for body in shown:
            assert_only_text(body, NAME)

        # Forget the member who came most (not a host).
        hosts = {m for e in meetup_data.events for m, _, _ in e.hosts}
        counts = Counter(
            m for _, role, _, m in meetup_data.attendance() if role == "attendee" and m != FORMER
        )
        member = next(m for m, _ in counts.most_common() if m not in hosts)
        person = meetup_data.accounts()[member]
        name = person.name_on("meetup")
        tokens = {member, name}
        assert traces(config.storage.data_dir, tokens), "the person should be there first"
        total = rows("select count(*) from activities")[0][0]
        command = ["acacia", "forget", f"meetup:{member}", "--config", str(path)]
        monkeypatch.setattr(sys, "argv", command)
        forgotten = CliRunner().invoke(app, command[1:], input="y\n")
        assert forgotten.exit_code == 0, forgotten.output
        assert traces(config.storage.data_dir, tokens) == []
        # They (and someone else) come to a meetup held yesterday; the night lands only
        # the other one's attendance, and the host's.
        other = next(p for p in meetup_data.only if p is not person)
        yesterday = MEvent(
            "310177777",
            "Acacia Bangalore pop-up",
            meetup_data.last_day - timedelta(days=1),
            time(18, 0),
            "PAST",
        )
        yesterday.hosts.append(meetup_data.events[0].hosts[0])
        yesterday.rsvps += [
            Rsvp("r-back", person, "YES", member, name),
            Rsvp("r-other", other, "YES", "271000001", other.name),
        ]
        meetup_data.events.append(yesterday)
        assert run_job(path, "nightly_sync").success
        assert traces(config.storage.data_dir, tokens) == []
        theirs = counts[member]
        assert rows("select count(*) from activities")[0][0] == total - theirs + 2
