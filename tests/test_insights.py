"""Insights (README, Insights): each kind worked out independently: from the drawn
community (a regular's drop, newcomers from a source, reaching Core, coming back), and
from the item-level marts whose figures other tests pin to the drawn community (a
quiet channel: the activities' channels and staff, the members' levels; a tag trending:
the activities' tags). Each fires on the day its condition starts to hold, never while
it goes on or when it does not hold; with sensitive settings the quiet channels and
trending tags fire too; and each is posted once."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import duckdb
import pytest
import yaml

from connectors.core import clock, figures
from connectors.core.config import Insights, load_config
from pipelines.storage.snapshot import current_snapshot
from tests.conftest import (
    community_activities,
    copy_workspace,
    deleted_members,
    members_by_identity,
)
from tests.test_alerts import workspace  # noqa: F401 (a fixture)
from tests.test_funnel import journeys
from tests.test_outreach import expected_lapses

pytestmark = [pytest.mark.slow, pytest.mark.dates]


def fired(holds, days: list[date]) -> list[date]:
    """The days (after the first of ``days``) a condition holds and did not the day
    before."""
    return [d for d in days[1:] if holds(d) and not holds(d - timedelta(days=1))]


def window(counts: dict[date, float], last: date, length: int) -> float:
    return sum(n for d, n in counts.items() if last - timedelta(days=length) < d <= last)


def expected_insights(synced, config_path, s: Insights) -> set[tuple]:
    today = clock.today()
    days = [today - timedelta(days=s.days - n) for n in range(s.days + 1)]
    found: set[tuple] = set()
    member_of = members_by_identity(synced["config"])
    gone = deleted_members(member_of, synced["data"])
    per_member: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    bots = set()
    for _, key, when, is_bot in community_activities(synced["data"]):
        if is_bot:
            bots.add(member_of[key])
        elif when.date() <= today:
            per_member[member_of[key]][when.date()] += 1
    r = s.drop_recent_days
    for member, counts in per_member.items():
        if member in gone or member in bots:
            continue

        def drop(d, counts=counts):
            usual = window(counts, d - timedelta(days=r), 90) * r / 90.0
            return usual >= s.drop_min_expected and window(counts, d, r) <= s.drop_ratio * usual

        found |= {("activity_drop", d, member) for d in fired(drop, days)}
    firsts: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for member, j in journeys(synced).items():
        firsts[j["first_source"]][j["first_seen_on"]] += 1
        if j["regular_on"] is not None and days[0] < j["regular_on"] <= today:
            found.add(("reached_core", j["regular_on"], member))
    for source, counts in firsts.items():

        def surge(d, counts=counts):
            recent = window(counts, d, s.surge_days)
            usual = window(counts, d - timedelta(days=s.surge_days), 84) * s.surge_days / 84.0
            return recent >= s.surge_min and recent >= s.surge_ratio * usual

        found |= {("newcomer_surge", d, source) for d in fired(surge, days)}
    for lapse in expected_lapses(synced):
        if lapse["back"] is not None and days[0] < lapse["back"] <= today:
            found.add(("came_back", lapse["back"], lapse["member"]))
    snapshot = current_snapshot(load_config(config_path).storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        levels = dict(
            con.execute("select member_id, engagement_level from member_scores").fetchall()
        )
        said = con.execute(
            "select source, channel, activity_date, member_id, is_staff, activity_type "
            "from activities where not is_bot and channel is not null and source <> 'events' "
            "and activity_date <= ?",
            [today],
        ).fetchall()
        tags = con.execute(
            "select unnest(tags), activity_date from activity_facts "
            "where tags is not null and not is_deleted and not coalesce(is_bot, false) "
            "and activity_date <= ?",
            [today],
        ).fetchall()
    from connectors.core.registry import activity_types

    kinds = activity_types()
    messages: dict[tuple, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    answers: dict[tuple, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for source, channel, day, member, is_staff, kind in said:
        if kinds[kind].thread is None:
            continue
        regular = is_staff or levels.get(member) in ("Core", "Contributor")
        messages[(source, channel)][day] += not regular
        answers[(source, channel)][day] += regular and kinds[kind].thread == "replies"
    for place, counts in messages.items():

        def quiet(d, counts=counts, place=place):
            seen = window(counts, d, s.quiet_days)
            active = any(d - timedelta(days=s.quiet_days) < x <= d for x in counts)
            return (
                active and seen >= s.quiet_messages and window(answers[place], d, s.quiet_days) == 0
            )

        found |= {("quiet_channel", d, place) for d in fired(quiet, days)}
    tagged: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for tag, day in tags:
        tagged[tag][day] += 1
    for tag, counts in tagged.items():

        def trend(d, counts=counts):
            recent = window(counts, d, s.trend_days)
            usual = window(counts, d - timedelta(days=s.trend_days), 90) * s.trend_days / 90.0
            return recent >= s.trend_min and recent >= s.trend_ratio * usual

        found |= {("tag_trending", d, tag) for d in fired(trend, days)}
    return found


def shown(config_path) -> set[tuple]:
    config = load_config(config_path)
    today = clock.today()
    with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
        found = figures.insights(
            figures.reader(con), figures.Filters(today - timedelta(days=89), today)
        )
    out = set()
    for row in found.itertuples():
        subject = {
            "quiet_channel": (row.source, row.channel),
            "newcomer_surge": row.source,
            "tag_trending": row.tag,
        }.get(row.kind, row.member_id)
        out.add((row.kind, row.happened_on.date(), subject))
    assert len(out) == len(found)  # each once
    return out


def test_each_insight_fires_on_the_day_it_starts_and_only_then(synced):
    path = synced["config"].path
    expected = expected_insights(synced, path, Insights())
    assert expected, "something changed in the sample community's last month"
    assert shown(path) == expected


def test_sensitive_settings_find_quiet_channels_and_trending_tags(synced, tmp_path):
    """Lower thresholds (a team that wants to hear of everything): the channels and the
    tags fire too, each on its own days, as worked out."""
    from pipelines.orchestration.execute import run_job

    path = copy_workspace(synced, tmp_path)
    raw = yaml.safe_load(path.read_text())
    raw["insights"] = {"quiet_messages": 2, "trend_min": 2, "trend_ratio": 1.5, "surge_min": 2}
    path.write_text(yaml.safe_dump(raw))
    assert run_job(path, "rebuild", ephemeral=True).success
    settings = load_config(path).insights
    expected = expected_insights(synced, path, settings)
    kinds = {kind for kind, *_ in expected}
    assert {"quiet_channel", "tag_trending"} <= kinds
    assert shown(path) == expected


def test_each_insight_is_posted_once_with_its_link(workspace):  # noqa: F811 (the fixture)
    """Through the alerts (a month back, as the workspace of tests/test_alerts.py): one
    alert per insight, linked to the member's page, posted once however often the job
    runs."""
    from pipelines.delivery import alerts
    from tests.test_alerts import configured

    config = configured(workspace["path"], dashboard_url="https://community.example.org/app")
    insights = shown(workspace["synced"]["config"].path)
    pending = [a for a in alerts.pending(config) if a.kind in figures.INSIGHTS]
    assert len(pending) == len(insights) > 0
    assert all(a.key.startswith(f"insight:{a.kind}:") for a in pending)
    members = [a for a in pending if a.kind in ("activity_drop", "reached_core", "came_back")]
    assert all("https://community.example.org/app/Members?member=m_" in a.line for a in members)
    alerts.post(config, backoff_seconds=0)
    posted = set(workspace["slack"].posted[0]["metadata"]["event_payload"]["keys"])
    assert {a.key for a in pending} <= posted
    assert alerts.post(config, backoff_seconds=0) == []  # the job reran: nothing twice
    turned_off = configured(workspace["path"], insights=False)
    assert not [
        a
        for a in alerts.find(turned_off, alerts.current_snapshot(turned_off.storage.serving()))
        if a.kind in figures.INSIGHTS
    ]


def test_the_overview_says_what_changed_and_public_mode_names_nobody(synced, monkeypatch, tmp_path):
    from tests.test_dashboard import PAGE, public_config, render

    path = synced["config"].path
    found = shown(path)
    members = {
        subject
        for kind, _, subject in found
        if isinstance(subject, str) and subject.startswith("m_")
    }
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        names = dict(con.execute("select member_id, display_name from members").fetchall())
    app = render(path, monkeypatch, PAGE)
    said = "\n".join(m.value for m in app.markdown)
    assert said.count("\n- ") + said.startswith("- ") == len(found)
    assert all(f"Members?member={m})" in said for m in members)
    app = render(public_config(synced, tmp_path), monkeypatch, PAGE)
    said = "\n".join(m.value for m in app.markdown)
    assert "A member" in said or not members
    assert not any(names[m] in said for m in members) and "Members?member=" not in said
