"""The sample community is the same whenever it is drawn: the same people, accounts,
organizations, events and activity, only shifted to end at the chosen now. And its hard
cases hold in every source, whatever the draw."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from sample import events_data
from sample.community import build_community
from sample.discourse_data import DiscourseData
from sample.events_data import event_rows
from sample.github_data import GitHubData
from sample.reddit_data import RedditData
from sample.slack_data import SlackData
from sample.stackexchange_data import StackExchangeData
from tests.conftest import community_activities


def draw(end: datetime, people: int = 120) -> dict:
    """Every source's data of the community ending at ``end``, as the synced workspace of
    the tests draws it (small) or as the demo does (``people=300``, default rates)."""
    community = build_community(end, people=people)
    small = people < 300
    return {
        "community": community,
        "github": GitHubData(community, repos=(("core", 150), ("docs", 60)))
        if small
        else GitHubData(community),
        "slack": SlackData(community, messages_per_day=3) if small else SlackData(community),
        "discourse": DiscourseData(community, topics_per_week=4)
        if small
        else DiscourseData(community),
        "reddit": RedditData(community, posts_per_day=0.8) if small else RedditData(community),
        "stackexchange": StackExchangeData(community, questions_per_day=0.8)
        if small
        else StackExchangeData(community),
        "events": event_rows(community),
    }


def shape(data: dict) -> dict:
    """What must not depend on the date: people and their accounts, and every activity
    as (type, account, how long before the end); events by days before the last day."""
    community = data["community"]
    end = community.end
    people = [
        (p.key, p.login, p.name, p.email, p.other_email, p.forum_email, p.company)
        for p in [*community.people, *community.bots]
    ]
    accounts = {
        "slack": sorted(
            (u.id, u.name, u.display_name, u.email) for u in data["slack"].users.values()
        ),
        "discourse": sorted(
            (u.id, u.username, u.email, u.deleted) for u in data["discourse"].users.values()
        ),
        "reddit": sorted((u.id, u.name) for u in data["reddit"].users.values()),
        "stackexchange": sorted(
            (u.user_id, u.display_name) for u in data["stackexchange"].users.values()
        ),
    }
    activity = Counter(
        (kind, key, (end - when).total_seconds())
        for kind, key, when, _ in community_activities(data)
        if not key.startswith("events:")
    )
    events = Counter(
        (
            name,
            row.get("event"),
            row.get("name"),
            row.get("email"),
            row.get("role"),
            (end.date() - day).days,
        )
        for name, rows in data["events"].items()
        for row in rows
        # Feedback of a file of one event has no date: its timestamp's day.
        for day in [datetime.fromisoformat(row.get("date") or row["timestamp"][:10]).date()]
    )
    return {"people": people, "accounts": accounts, "activity": activity, "events": events}


@pytest.mark.parametrize("day", ["2024-02-29", "2025-12-31", "2026-03-29", "2026-11-01"])
def test_the_same_community_at_00_05_and_23_55(day):
    early = datetime.fromisoformat(f"{day}T00:05:00+00:00")
    late = datetime.fromisoformat(f"{day}T23:55:00+00:00")
    first, second = shape(draw(early)), shape(draw(late))
    assert first["people"] == second["people"]
    assert first["accounts"] == second["accounts"]
    assert first["activity"] == second["activity"]
    assert first["events"] == second["events"]
    assert sum(first["activity"].values()) > 3000 and sum(first["events"].values()) > 200


def test_the_demo_community_does_not_depend_on_the_date():
    one = shape(draw(datetime(2024, 2, 29, 23, 55, tzinfo=UTC), people=300))
    other = shape(draw(datetime(2026, 7, 4, 0, 5, tzinfo=UTC), people=300))
    assert one == other


def test_every_activity_and_event_lies_in_the_year_up_to_the_end():
    """Nothing before the start or after the end, so a backfill of the community's length
    reads all of it, and each event attended falls on one of the year's days (the first
    included); only the listed upcoming events (the organizer's kit) are after it."""
    for end in (datetime(2025, 12, 31, 23, 55, tzinfo=UTC), datetime(2026, 1, 1, 0, 5, tzinfo=UTC)):
        data = draw(end)
        start = data["community"].start
        whens = [w for _, k, w, _ in community_activities(data) if not k.startswith("events:")]
        assert start < min(whens) and max(whens) <= end
        days = {
            datetime.fromisoformat(r["date"]).date()
            for rows in data["events"].values()
            for r in rows
            if "role" in r
        }
        assert end.date() - timedelta(days=364) <= min(days) and max(days) <= end.date()
        later = {
            (r["event"], r["date"])
            for r in data["events"]["event-list.csv"]
            if datetime.fromisoformat(r["date"]).date() > end.date()
        }
        upcoming = events_data.draw(data["community"]).upcoming
        assert later == {(e.name, e.day.isoformat()) for e in upcoming if e.day > end.date()}


def test_no_two_people_share_an_email():
    for people in (120, 300, 1000):
        community = build_community(datetime(2026, 6, 1, tzinfo=UTC), people=people)
        emails = [p.email for p in community.people]
        emails += [p.other_email for p in community.people if p.other_email]
        assert len(emails) == len(set(emails)), people


@pytest.mark.parametrize("people", [60, 120, 300])
def test_the_hard_cases_hold_in_every_source_whatever_the_size(people):
    data = draw(datetime(2026, 6, 1, 12, tzinfo=UTC), people=people)
    cases = data["community"].hard_cases
    github = Counter(p.key for _, p, _ in data["github"].activities())
    forum = Counter(u.person.key for _, u, _ in data["discourse"].activities() if u.person)
    slack = Counter(u.person.key for _, u, _ in data["slack"].activities() if u.person)

    noreply, two = cases["noreply"], cases["two_emails"]
    assert github[noreply.key] and forum[noreply.key]
    assert data["discourse"].by_person[noreply.key].email == noreply.forum_email
    assert github[two.key] and forum[two.key] and slack[two.key]
    assert data["slack"].by_person[two.key].email == two.other_email
    assert not any(
        u.deleted
        for source in ("slack", "discourse")
        for u in data[source].users.values()
        if u.person and u.person.key in (noreply.key, two.key)
    )
    twin_a, twin_b = cases["same_name"]
    assert twin_a.name == twin_b.name and twin_a.email != twin_b.email
    assert github[twin_a.key] and github[twin_b.key]
    bot = next(b for b in data["community"].bots if b.login == cases["fake_user_bot"])
    assert github[bot.key] and bot.claims_to_be_user

    mover, moved_on, *_ = cases["changed_employer"]
    days = [(w.date() - moved_on).days for _, p, w in data["github"].activities() if p is mover]
    # Before the move, in each secondment (-85..-72 and 30..60 days), and after the move.
    assert any(d < -85 for d in days) and any(-85 <= d <= -72 for d in days)
    assert any(30 <= d <= 60 for d in days) and any(d > 60 for d in days)
