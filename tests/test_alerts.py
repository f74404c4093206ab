"""Alerts on the sample community: what each kind finds (worked out from the drawn
community, or from the item-level marts for the response times), each message exactly,
and posting to the fake Slack: each alert once, daily or as it happens."""

from __future__ import annotations

import shutil
from datetime import UTC, timedelta

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from connectors.core.config import load_config
from connectors.core.registry import contribution_types
from pipelines.cli.main import app
from pipelines.delivery import alerts
from pipelines.orchestration.assemble import build_definitions
from pipelines.storage.snapshot import current_snapshot
from sample.base import FakeServer
from sample.slack import FakeSlack
from sample.slack_data import SlackData
from tests.conftest import (
    SLACK_TOKEN,
    community_activities,
    deleted_members,
    members_by_identity,
    small_community,
    write_config,
)

pytestmark = [pytest.mark.slow, pytest.mark.dates]

TOKEN_ENV = "ACACIA_TEST_ALERTS_TOKEN"


@pytest.fixture
def workspace(synced, tmp_path, monkeypatch):
    """A copy of the synced snapshot, alerts configured (staff included, a month back),
    and a fake Slack to post to."""
    serving = tmp_path / "data" / "serving"
    shutil.copytree(synced["config"].storage.serving(), serving)
    data = SlackData(small_community(), messages_per_day=1)
    channel = next(c for c in data.channels.values() if c.is_member)
    monkeypatch.setenv(TOKEN_ENV, SLACK_TOKEN)
    with FakeServer(FakeSlack(data, tokens={SLACK_TOKEN})) as server:
        raw = {
            "community_name": "Test community",
            "storage": {"data_dir": "data"},
            "alerts": {
                "slack_channel": channel.name,
                "base_url": f"{server.url}/api/",
                "token_env": TOKEN_ENV,
                "include_staff": True,
                "lookback_days": 30,
                "waiting_hours": 24,
            },
        }
        path = tmp_path / "acacia.yml"
        path.write_text(yaml.safe_dump(raw))
        yield {"path": path, "slack": server.api, "channel": channel, "synced": synced}


def configured(path, **changes):
    raw = yaml.safe_load(path.read_text())
    raw["alerts"].update(changes)
    path.write_text(yaml.safe_dump(raw))
    return load_config(path)


def rows(config, sql: str, params=()) -> list[tuple]:
    snapshot = current_snapshot(config.storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_each_kind_finds_what_happened_in_the_lookback(workspace):
    config = load_config(workspace["path"])
    synced = workspace["synced"]
    found = alerts.find(config, current_snapshot(config.storage.serving()))
    by_kind = {kind: {a.key for a in found if a.kind == kind} for kind in alerts.KINDS}
    ((as_of, published),) = rows(
        config, "select as_of_date, (select published_at from _snapshot) from build_info"
    )
    published = published.astimezone(UTC).replace(tzinfo=None)
    since = as_of - timedelta(days=30)

    # First contributions: each member's first contribution ever, worked out from the
    # drawn community (members made only of deleted accounts are nobody to celebrate).
    member_of = members_by_identity(synced["config"])
    first: dict[str, object] = {}
    for kind, key, when, is_bot in community_activities(synced["data"]):
        if not is_bot and kind in contribution_types():
            member = member_of[key]
            first[member] = min(when.date(), first.get(member, when.date()))
    gone = deleted_members(member_of, synced["data"])
    expected = {f"first_contribution:{m}" for m, day in first.items() if since < day <= as_of} - {
        f"first_contribution:{m}" for m in gone
    }
    assert by_kind["first_contribution"] == expected and expected

    # Waiting: opened at least 24 h before the publication (and within the lookback
    # before that), no first response yet.
    due = published - timedelta(hours=24)
    waiting = rows(
        config,
        "select item_key, opened_at from response_times where first_response_at is null",
    )
    assert by_kind["waiting"] == {
        f"waiting:{item}" for item, opened in waiting if due - timedelta(days=30) < opened <= due
    }

    # At risk: silent for exactly at_risk_days give or take the lookback, as the
    # Engagement page's list says.
    silent = config.scoring.at_risk_days
    at_risk = rows(
        config,
        "select member_id, last_activity_date from member_cohorts where is_at_risk",
    )
    assert by_kind["at_risk"] == {
        f"at_risk:{m}:{last:%Y-%m-%d}"
        for m, last in at_risk
        if since - timedelta(days=silent) < last <= as_of - timedelta(days=silent)
    }

    # New organizations: a year back, every organization of the sample is new but the
    # staff's.
    year = configured(workspace["path"], lookback_days=366)
    newcomers = {
        a.key
        for a in alerts.find(year, current_snapshot(year.storage.serving()))
        if a.kind == "new_organization"
    }
    firsts = rows(
        year,
        """
        select organization, min(activity_date) from activities
        where organization is not null and not is_bot
          and organization not in (select organization from organizations where is_staff)
        group by 1""",
    )
    assert newcomers == {
        f"new_organization:{o}" for o, day in firsts if as_of - timedelta(days=366) < day
    }
    assert newcomers


def test_the_message_reads_exactly(workspace):
    config = configured(workspace["path"], dashboard_url="https://acacia.example.org")
    found = [
        alerts.Alert("first_contribution", "a", "*Ana* (Globex): <https://x/1|PR opened>", "t1"),
        *(alerts.Alert("waiting", f"w{i}", f"item {i}", f"item {i}") for i in range(17)),
        alerts.Alert("new_organization", "o", "*Initech*: first activity on 01 Dec, by Bo", "t3"),
    ]
    message = alerts.render(found, "Test community", config_day := as_of_day(config), config.alerts)
    title = f"Test community: what needs you today ({config_day:%d %b %Y})"
    assert message["blocks"] == [
        {"type": "header", "text": {"type": "plain_text", "text": title}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*First contributions :tada:*\n• *Ana* (Globex): <https://x/1|PR opened>",
            },
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*Waiting for a first response :hourglass_flowing_sand:*\n"
                + "\n".join(f"• item {i}" for i in range(15))
                + "\n…and 2 more (see the dashboard)",
            },
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*New organizations :wave:*\n• *Initech*: first activity on 01 Dec, by Bo",
            },
        },
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "<https://acacia.example.org|Open the dashboard>"}
            ],
        },
    ]
    assert message["text"].startswith(f"{title}\n\nFirst contributions :tada:\n- t1\n")
    # One alert as the sample community has it: names escaped, the item linked.
    snapshot = current_snapshot(config.storage.serving())
    first = next(a for a in alerts.find(config, snapshot) if a.kind == "first_contribution")
    member = first.key.split(":", 1)[1]
    ((name, organization, day, url),) = rows(
        config,
        """
        select c.display_name, c.organization, c.first_contribution_date,
               (select url from activities a where a.member_id = c.member_id
                and a.category = 'contribution' and a.activity_date = c.first_contribution_date
                order by occurred_at, activity_key limit 1)
        from member_cohorts c where member_id = ?""",
        [member],
    )
    assert first.line.startswith(f"*{name}*" + (f" ({organization})" if organization else ""))
    assert first.line.endswith(f", {day:%d %b}") and (url is None or f"<{url}|" in first.line)


def as_of_day(config):
    return rows(config, "select as_of_date from build_info")[0][0]


def test_each_alert_is_posted_once(workspace):
    config, slack = load_config(workspace["path"]), workspace["slack"]
    expected = {a.key for a in alerts.pending(config)}
    done = alerts.post(config, backoff_seconds=0)
    assert len(done) == 1 and len(slack.posted) == 1
    message = slack.posted[0]
    assert message["metadata"]["event_type"] == alerts.EVENT_TYPE
    assert set(message["metadata"]["event_payload"]["keys"]) == expected
    assert message["channel"] == workspace["channel"].id

    assert alerts.post(config, backoff_seconds=0) == []  # the job reran
    alerts.AlertRecord(config.storage.state()).path.unlink()  # the record is lost
    assert alerts.post(config, backoff_seconds=0) == []  # found in the channel
    assert expected <= set(alerts.AlertRecord(config.storage.state()).load())
    assert alerts.preview(config) == "Nothing new to alert."

    # Looking further back finds older alerts: only those are posted.
    wider = configured(workspace["path"], lookback_days=60)
    more = {a.key for a in alerts.pending(wider)}
    assert more and not more & expected
    alerts.post(wider, backoff_seconds=0)
    assert len(slack.posted) == 2
    assert set(slack.posted[1]["metadata"]["event_payload"]["keys"]) == more

    # A post that fails is retried and posted once; one that keeps failing says so.
    alerts.AlertRecord(config.storage.state()).path.unlink()
    slack.posted.clear()
    slack.inject("server_error", path="chat.postMessage", times=1)
    assert [d.attempts for d in alerts.post(config, backoff_seconds=0)] == [2]
    assert len(slack.posted) == 1


def test_immediate_delivery_posts_each_alert_on_its_own(workspace):
    config = configured(workspace["path"], delivery="immediate")
    pending = alerts.pending(config)
    done = alerts.post(config, backoff_seconds=0)
    assert len(done) == len(pending) == len(workspace["slack"].posted) > 1
    assert [m["metadata"]["event_payload"]["keys"] for m in workspace["slack"].posted] == [
        [a.key for a in [alert]] for alert in pending
    ]


def test_posting_problems_name_the_fix(workspace, monkeypatch):
    config = load_config(workspace["path"])
    monkeypatch.setenv(TOKEN_ENV, "xoxb-not-the-right-one")
    with pytest.raises(alerts.AlertError, match="not valid") as error:
        alerts.post(config, backoff_seconds=0)
    assert "xoxb-not-the-right-one" not in str(error.value)
    unset = configured(workspace["path"], slack_channel=None)
    result = CliRunner().invoke(app, ["alerts", "--post", "--config", str(unset.path)])
    assert result.exit_code == 1 and "alerts.slack_channel is not set" in result.output
    preview = CliRunner().invoke(app, ["alerts", "--config", str(unset.path)])
    assert preview.exit_code == 0 and preview.output.startswith("Test community: what needs")
    assert workspace["slack"].posted == []


def test_the_schedule_and_the_sensor_follow_the_delivery(tmp_path):
    urls = ("http://127.0.0.1:9",) * 3
    path = write_config(tmp_path, *urls)
    defs = build_definitions(path)
    schedule = defs.resolve_schedule_def("alerts_schedule")
    assert schedule.job_name == "alerts" and schedule.cron_schedule == "0 9 * * *"
    assert schedule.default_status.value == "STOPPED"
    assert defs.resolve_sensor_def("alerts_after_publish").default_status.value == "STOPPED"
    raw = yaml.safe_load(path.read_text())
    raw["alerts"] = {"slack_channel": "community", "cron": "30 8 * * 1-5"}
    path.write_text(yaml.safe_dump(raw))
    defs = build_definitions(path)
    schedule = defs.resolve_schedule_def("alerts_schedule")
    assert schedule.default_status.value == "RUNNING" and schedule.cron_schedule == "30 8 * * 1-5"
    assert defs.resolve_sensor_def("alerts_after_publish").default_status.value == "STOPPED"
    raw["alerts"]["delivery"] = "immediate"
    path.write_text(yaml.safe_dump(raw))
    defs = build_definitions(path)
    assert defs.resolve_schedule_def("alerts_schedule").default_status.value == "STOPPED"
    assert defs.resolve_sensor_def("alerts_after_publish").default_status.value == "RUNNING"


def test_a_long_alert_list_is_split_into_sections_slack_takes():
    """Slack refuses a section over 3,000 characters (slack_sdk's blocks check it): a
    kind's lines go on in further sections, every line kept, in order."""
    from datetime import date

    from connectors.core.config import AlertSettings

    titles = [f"item {i} " + "x" * 390 for i in range(15)]
    found = [alerts.Alert("waiting", f"w{i}", title, title) for i, title in enumerate(titles)]
    message = alerts.render(found, "Test community", date(2024, 2, 29), AlertSettings())
    sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    assert len(sections) > 1 and all(len(text) <= 3000 for text in sections)
    lines = "\n".join(sections).split("\n")
    assert lines[0].startswith("*Waiting for a first response")
    assert lines[1:] == [f"• {title}" for title in titles]
