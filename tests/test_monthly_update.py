"""The monthly Slack update: its figures and exact blocks on the sample community
(worked out from the drawn community), and posting to the fake Slack exactly once."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest
import yaml
from typer.testing import CliRunner

from connectors.core.config import DEFAULT_WEIGHTS, load_config
from connectors.core.registry import contribution_types
from pipelines.cli.main import app
from pipelines.delivery.monthly_update import (
    EVENT_TYPE,
    PostedRecord,
    UpdateError,
    build,
    figures,
    last_month,
    post,
)
from pipelines.orchestration.assemble import build_definitions
from pipelines.storage.snapshot import current_snapshot
from sample.base import FakeServer
from sample.slack import FakeSlack
from sample.slack_data import CLOSED_CHANNELS, SlackData
from tests.conftest import (
    SLACK_TOKEN,
    community_activities,
    deleted_members,
    members_by_identity,
    small_community,
    write_config,
)

pytestmark = [pytest.mark.slow, pytest.mark.dates]


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def expected_figures(synced, month: date) -> dict:
    """The update's figures from the drawn community (people only, staff included)."""
    member_of = members_by_identity(synced["config"])
    rows = [
        (kind, member_of[key], when.date())
        for kind, key, when, is_bot in community_activities(synced["data"])
        if not is_bot
    ]
    # A deleted account is active, never new (nobody to welcome): the member of only
    # the sources' ghosts and deleted users.
    alive = set(member_of.values()) - deleted_members(member_of, synced["data"])
    first_day: dict[str, date] = {}
    first_contribution: dict[str, date] = {}
    for kind, member, day in rows:
        if member not in alive:
            continue
        first_day[member] = min(day, first_day.get(member, day))
        if kind in contribution_types():
            first_contribution[member] = min(day, first_contribution.get(member, day))

    def headline(first: date) -> dict[str, int]:
        inside = [(k, m) for k, m, d in rows if first <= d <= month_end(first)]
        active = {m for _, m in inside}
        return {
            "active_members": len(active),
            "new_members": sum(m in first_day and first <= first_day[m] for m in active),
            "contributions": sum(k in contribution_types() for k, _ in inside),
            "contributors": len({m for k, m in inside if k in contribution_types()}),
        }

    points: dict[str, float] = {}
    contributions: dict[str, int] = {}
    activities: dict[str, int] = {}
    for kind, member, day in rows:
        if month <= day <= month_end(month):
            points[member] = points.get(member, 0) + DEFAULT_WEIGHTS[kind]
            contributions[member] = contributions.get(member, 0) + (kind in contribution_types())
            activities[member] = activities.get(member, 0) + 1
    return {
        "now": headline(month),
        "before": headline(last_month(month)),
        "points": points,
        "contributions": contributions,
        "activities": activities,
        "first_day": first_day,
        "first_contribution": first_contribution,
    }


def firsts_in(month: date, firsts: dict[str, date], names: dict[str, str]) -> list[str]:
    """Names of the members whose first (activity or contribution) falls in ``month``,
    in the update's order: by that day, then name."""
    found = [
        (day, names[m] or m, m) for m, day in firsts.items() if month <= day <= month_end(month)
    ]
    return [name for _, name, _ in sorted(found)]


def settings_with(config, **changes):
    return config.model_copy(
        update={"monthly_update": config.monthly_update.model_copy(update=changes)}
    )


def event_lines(synced, month: date, places: dict) -> list[str]:
    """The update's lines of the month's events, from the drawn attendance: attendees,
    and first-timers (nothing of theirs anywhere before the event's day)."""
    from connectors.sources.events.connector import person_id

    member_of = members_by_identity(synced["config"])
    first: dict[str, date] = {}
    for _, key, when, is_bot in community_activities(synced["data"]):
        if not is_bot:
            first[member_of[key]] = min(when.date(), first.get(member_of[key], when.date()))
    came: dict[tuple[str, date], set[str]] = {}
    for rows in synced["data"]["events"].values():
        for row in rows:
            if "role" not in row:
                continue  # the event list and feedback: no attendance
            day = date.fromisoformat(row["date"])
            if month <= day <= month_end(month):
                uid = person_id(row["name"], row["email"], row["named"] != "no")
                came.setdefault((row["event"], day), set()).add(member_of[f"events:{uid}"])
    lines = []
    for (name, day), members in sorted(came.items(), key=lambda e: (e[0][1], e[0][0])):
        new = sum(first[m] >= day for m in members)
        place = f", {places[(name, day)]}" if places[(name, day)] else ""
        lines.append(
            f"• {name} ({day:%d %b}{place}): {len(members)} attended, {new} "
            f"first-timer{'s' if new != 1 else ''}"
        )
    return lines


def bringing_back(synced, month) -> list[str]:
    """The lines of "Bringing people back", staff included, from the drawn lapses
    (tests/test_outreach.py) and the sample team's contacts."""
    from tests.test_outreach import expected_lapses

    lapses = expected_lapses(synced)
    mine = [r for r in lapses if r["month"] == month]
    year = [r for r in lapses if month.replace(year=month.year - 1) <= r["month"] <= month]
    if not mine and not year:
        return []
    asked = sum(r["contacted"] for r in mine)
    unasked = len(mine) - asked
    name = f"{month:%B}"
    if asked:
        lines = [
            f"In {name} the team reached out to {asked} lapsed contributor"
            f"{'s' if asked != 1 else ''}; {unasked} other{'s' if unasked != 1 else ''} "
            "lapsed unasked."
        ]
    elif unasked:
        lines = [
            f"{unasked} contributor{'s' if unasked != 1 else ''} lapsed in {name}; the team "
            "reached out to none of them."
        ]
    else:
        lines = [f"No contributor lapsed in {name}."]

    def rates(group: list[dict]) -> str:
        said = []
        for days in (30, 90):
            told = [r for r in group if r[days] is not None]
            if told:
                back = sum(r[days] for r in told)
                said.append(
                    f"{back} of {len(told)} active again within {days} days "
                    f"({back / len(told):.0%})"
                )
        return ", ".join(said) if said else "too recent to tell"

    reached = [r for r in year if r["contacted"]]
    others = [r for r in year if not r["contacted"]]
    if reached:
        lines.append(f"Reached out to, over the 12 months to {name}: {rates(reached)}.")
    if others:
        lines.append(f"Not contacted: {rates(others)}.")
    return lines


def test_the_update_has_the_months_real_figures_and_exact_blocks(synced):
    import duckdb

    month = last_month()
    config = settings_with(
        synced["config"],
        include_staff=True,
        top_contributors=3,
        top_organizations=2,
        newcomers=4,
        first_contributions=4,
        dashboard_url="https://community.example.org/dashboard",
    )
    snapshot = current_snapshot(config.storage.serving())
    found = figures(snapshot, month, config.monthly_update)
    expected = expected_figures(synced, month)
    assert found.now == expected["now"] and found.before == expected["before"]
    assert found.now["active_members"] > 0

    with duckdb.connect(str(snapshot), read_only=True) as con:
        names = dict(con.execute("select member_id, display_name from members").fetchall())
        organizations = con.execute(
            "select organization, sum(weight), count(distinct member_id) from activities "
            "where not is_bot and organization is not null and activity_date between ? and ? "
            "group by 1 order by 2 desc, 3 desc, 1 limit 2",
            [month, month_end(month)],
        ).fetchall()
        places = {
            (name, day): place
            for name, day, place in con.execute(
                "select event, event_date, place from events"
            ).fetchall()
        }
    events = event_lines(synced, month, places)
    top = sorted(
        expected["points"],
        # The leaderboard's order: points, then activities, then name.
        key=lambda m: (-expected["points"][m], -expected["activities"][m], names[m], m),
    )[:3]
    newcomers = firsts_in(month, expected["first_day"], names)
    first_contributions = firsts_in(month, expected["first_contribution"], names)
    assert found.newcomers == newcomers[:4] and found.newcomers_total == len(newcomers)
    assert found.first_contributions == first_contributions[:4]
    assert found.first_contributions_total == len(first_contributions)

    def change(key: str) -> str:
        now, before = expected["now"][key], expected["before"][key]
        previous = f"{last_month(month):%B}"
        return (
            f"none in {previous}"
            if before == 0
            else f"{(now - before) / before:+.0%} vs {previous}"
        )

    def listing(names_shown: list[str], total: int) -> str:
        if not names_shown:
            return ""  # no such block (left out below)
        more = total - len(names_shown)
        if more > 0:
            return ", ".join(names_shown) + f" and {more} more"
        return (
            ", ".join(names_shown[:-1]) + " and " + names_shown[-1]
            if len(names_shown) > 1
            else names_shown[0]
        )

    blocks = build(config, month)["blocks"]
    back = bringing_back(synced, month)
    expected_blocks = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"Test community: {month:%B %Y}"},
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{label}*\n{expected['now'][key]:,} ({change(key)})"}
                for key, label in (
                    ("active_members", "Active members"),
                    ("new_members", "New members"),
                    ("contributions", "Contributions"),
                    ("contributors", "Contributors"),
                )
            ],
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*Top contributors*\n"
                + "\n".join(
                    f"{n}. {names[m]} — {expected['points'][m]:,.0f} points"
                    for n, m in enumerate(top, 1)
                ),
            },
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*Top organizations*\n"
                + "\n".join(
                    f"{n}. {org} — {points:,.0f} points, {members} active members"
                    for n, (org, points, members) in enumerate(organizations, 1)
                ),
            },
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*Welcome to our newcomers :wave:*\n"
                + listing(newcomers[:4], len(newcomers)),
            },
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*First contributions :tada:*\n"
                + listing(first_contributions[:4], len(first_contributions)),
            },
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Bringing people back*\n" + "\n".join(back)},
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Events :calendar:*\n" + "\n".join(events)},
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Bots are not counted. "
                    "<https://community.example.org/dashboard|Open the dashboard>",
                }
            ],
        },
    ]
    if not newcomers:
        expected_blocks = [b for b in expected_blocks if "newcomers" not in str(b)]
    if not first_contributions:
        expected_blocks = [b for b in expected_blocks if "First contributions" not in str(b)]
    if not events:
        expected_blocks = [b for b in expected_blocks if "Events" not in str(b)]
    if not back:
        expected_blocks = [b for b in expected_blocks if "Bringing people back" not in str(b)]
    assert blocks == expected_blocks


def test_a_deleted_account_is_never_a_newcomer(synced):
    """In each month where a deleted account (a source's ghost, a deleted Slack user)
    first shows up, the update neither welcomes nor counts it as new, and the
    Engagement cohorts leave it out; its activities still count as active."""
    import duckdb

    member_of = members_by_identity(synced["config"])
    gone = deleted_members(member_of, synced["data"])
    firsts: dict[str, date] = {}
    for _, key, when, is_bot in community_activities(synced["data"]):
        if member_of[key] in gone and not is_bot:
            firsts[member_of[key]] = min(when.date(), firsts.get(member_of[key], when.date()))
    assert len(firsts) >= 2  # the sample community has deleted accounts that took part
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        names = dict(con.execute("select member_id, display_name from members").fetchall())
        in_cohorts = con.execute(
            "select count(*) from member_cohorts where list_contains(?, member_id)",
            [list(firsts)],
        ).fetchone()[0]
    assert in_cohorts == 0
    # (A deleted Slack user keeps the name they had: only names nobody else has.)
    others = {n for m, n in names.items() if m not in firsts}
    unique = {names[m] for m in firsts} - others
    assert unique
    settings = settings_with(synced["config"], include_staff=True).monthly_update
    for month in sorted({day.replace(day=1) for day in firsts.values()}):
        found = figures(snapshot, month, settings)
        assert found.now == expected_figures(synced, month)["now"], month
        shown = set(found.newcomers) | set(found.first_contributions)
        assert not shown & unique, month


def test_staff_are_left_out_by_default(synced):
    import duckdb

    month = last_month()
    snapshot = current_snapshot(synced["config"].storage.serving())
    everyone = figures(
        snapshot, month, settings_with(synced["config"], include_staff=True).monthly_update
    )
    without = figures(snapshot, month, synced["config"].monthly_update)
    with duckdb.connect(str(snapshot), read_only=True) as con:
        staff = con.execute(
            "select count(distinct member_id) from activities where is_staff and not is_bot "
            "and activity_date between ? and ?",
            [month, month_end(month)],
        ).fetchone()[0]
    assert staff > 0
    assert without.now["active_members"] == everyone.now["active_members"] - staff


@pytest.fixture
def posting(synced, tmp_path):
    """A workspace with a copy of the synced snapshot, and a fake Slack to post to."""
    serving = tmp_path / "data" / "serving"
    shutil.copytree(synced["config"].storage.serving(), serving)
    data = SlackData(small_community(), messages_per_day=1)
    channel = next(c.name for c in data.channels.values() if c.is_member)
    with FakeServer(FakeSlack(data, tokens={SLACK_TOKEN})) as server:
        raw = {
            "community_name": "Test community",
            "storage": {"data_dir": "data"},
            "monthly_update": {
                "channel": channel,
                "base_url": f"{server.url}/api/",
                "token_env": "ACACIA_TEST_UPDATE_TOKEN",
            },
        }
        (tmp_path / "acacia.yml").write_text(yaml.safe_dump(raw))
        yield load_config(tmp_path / "acacia.yml"), server.api, channel


def test_posting_twice_posts_once(posting, monkeypatch):
    config, slack, _ = posting
    monkeypatch.setenv("ACACIA_TEST_UPDATE_TOKEN", SLACK_TOKEN)
    month = last_month()
    first = post(config, month, backoff_seconds=0)
    assert first.status == "posted" and len(slack.posted) == 1
    message = slack.posted[0]
    assert message["blocks"] == build(config, month)["blocks"]
    assert message["text"].startswith(f"Test community: {month:%B %Y}")
    assert message["metadata"] == {
        "event_type": EVENT_TYPE,
        "event_payload": {"month": f"{month:%Y-%m}"},
    }

    assert post(config, month).status == "already_posted"  # the job reran
    PostedRecord(config.storage.state()).path.unlink()  # the record is lost
    again = post(config, month, backoff_seconds=0)
    assert again.status == "already_posted" and again.ts == first.ts  # found in the channel
    assert len(slack.posted) == 1


def test_a_failed_post_is_retried_never_duplicated_then_reported(posting, monkeypatch):
    config, slack, _ = posting
    monkeypatch.setenv("ACACIA_TEST_UPDATE_TOKEN", SLACK_TOKEN)
    month = last_month()
    slack.inject("server_error", path="chat.postMessage", times=1)
    result = post(config, month, backoff_seconds=0)
    assert result.status == "posted" and result.attempts == 2 and len(slack.posted) == 1

    earlier = last_month(month)
    slack.inject("server_error", path="chat.postMessage", times=5)
    with pytest.raises(UpdateError, match="failed 3 times") as error:
        post(config, earlier, backoff_seconds=0)
    assert "Nothing was posted twice" in str(error.value)
    assert (
        len(slack.posted) == 1
        and f"{earlier:%Y-%m}" not in PostedRecord(config.storage.state()).load()
    )


def test_posting_problems_name_the_fix(posting, monkeypatch):
    config, slack, _ = posting
    monkeypatch.setenv("ACACIA_TEST_UPDATE_TOKEN", "xoxb-not-the-right-one")
    with pytest.raises(UpdateError, match="not valid") as error:
        post(config, last_month(), backoff_seconds=0)
    assert "xoxb-not-the-right-one" not in str(error.value)
    monkeypatch.setenv("ACACIA_TEST_UPDATE_TOKEN", SLACK_TOKEN)
    closed = config.model_copy(
        update={
            "monthly_update": config.monthly_update.model_copy(
                update={"channel": CLOSED_CHANNELS[0]}
            )
        }
    )
    with pytest.raises(UpdateError, match="/invite"):
        post(closed, last_month(), backoff_seconds=0)
    assert slack.posted == []


def test_the_command_previews_any_month(posting):
    config, _, _ = posting
    result = CliRunner().invoke(app, ["update", "--config", str(config.path), "--month", "2026-02"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Test community: February 2026\nActive members: ")
    bad = CliRunner().invoke(app, ["update", "--config", str(config.path), "--month", "Feb"])
    assert bad.exit_code == 1 and "YYYY-MM" in bad.output


def test_the_monthly_schedule_runs_by_itself_once_a_channel_is_set(tmp_path):
    urls = ("http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9")
    path = write_config(tmp_path, *urls)
    schedule = build_definitions(path).resolve_schedule_def("monthly_update_schedule")
    assert schedule.job_name == "monthly_update" and schedule.cron_schedule == "0 9 1 * *"
    assert schedule.default_status.value == "STOPPED"
    raw = yaml.safe_load(path.read_text())
    raw["monthly_update"] = {"channel": "community", "cron": "0 8 2 * *"}
    path.write_text(yaml.safe_dump(raw))
    schedule = build_definitions(path).resolve_schedule_def("monthly_update_schedule")
    assert schedule.default_status.value == "RUNNING" and schedule.cron_schedule == "0 8 2 * *"


def test_a_section_set_to_zero_is_left_out_but_still_counted(synced):
    """top_contributors, newcomers, … at 0 leave their lists empty; the newcomers' and
    first contributions' totals are still the month's (worked out from the drawn
    community)."""
    month = last_month()
    config = settings_with(
        synced["config"],
        include_staff=True,
        top_contributors=0,
        top_organizations=0,
        newcomers=0,
        first_contributions=0,
    )
    snapshot = current_snapshot(config.storage.serving())
    found = figures(snapshot, month, config.monthly_update)
    expected = expected_figures(synced, month)
    assert found.top_contributors == [] and found.top_organizations == []
    assert found.newcomers == [] and found.first_contributions == []
    in_month = [d for d in expected["first_day"].values() if month <= d <= month_end(month)]
    assert found.newcomers_total == len(in_month) > 0
    firsts = [d for d in expected["first_contribution"].values() if month <= d <= month_end(month)]
    assert found.first_contributions_total == len(firsts)


def test_an_events_report_is_posted_once(posting, monkeypatch):
    """acacia report --post: the event's summary goes to the update's channel, once (the
    same post-once mechanism: a second post finds it in the channel)."""
    from pipelines.delivery import event_report
    from sample.events_data import draw

    config, slack, _ = posting
    monkeypatch.setenv("ACACIA_TEST_UPDATE_TOKEN", SLACK_TOKEN)
    summit = draw(small_community()).summit
    made = event_report.report(config, summit.name)
    assert event_report.post(config, made) == "posted"
    assert event_report.post(config, made) == "already_posted"
    assert len(slack.posted) == 1
    message = slack.posted[0]
    assert message["metadata"]["event_payload"] == {"event_id": made.event_id}
    assert f"{made.facts['attendees']:,} attendees" in message["text"]
    assert f"{made.facts['feedback_responses']:,} feedback responses" in message["text"]
