"""The Slack connector against the fake Slack Web API (real slack_sdk, real HTTP)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from connectors.core.errors import RateLimitStop
from connectors.sources.slack import SlackConnector, SlackSettings, make_client
from sample import FakeServer
from sample.slack_data import SlackData
from tests.conftest import SLACK_TOKEN, community_end, drive
from tests.shapes import shape

READABLE = 4  # general, help, dev, announcements: the public channels the app is in


def client(server: FakeServer, **overrides: object):
    settings = {
        "token": SLACK_TOKEN,
        "base_url": server.url + "/api/",
        "backoff": 0.01,
        "max_rate_limit_wait": 5,
        **overrides,
    }
    return make_client(SlackSettings(**settings))


def run(server: FakeServer, state: dict, limit: int | None = None, **kwargs: object):
    """One sync, committing each batch's state; ``limit`` stops after that many batches
    (a run killed mid-way)."""
    options = {"backfill_days": 400, "page_size": 50, **kwargs}
    connector = SlackConnector(client(server), **options)
    return drive(connector, state, limit), connector


def ids(batches) -> list[str]:
    return [a.activity_id for b in batches for a in b.activities]


def expected(data: SlackData) -> Counter:
    return Counter(kind for kind, _, _ in data.activities())


def test_full_sync_reads_every_channel_thread_and_user(fake_slack, slack_data):
    batches, connector = run(fake_slack, {})
    assert connector.problems == []
    assert Counter(a.type for b in batches for a in b.activities) == expected(slack_data)
    assert len(ids(batches)) == len(set(ids(batches)))
    channels = {a.channel for b in batches for a in b.activities}
    assert channels == {"general", "help", "dev", "announcements"}
    identities = {i.source_user_id: i for b in batches for i in b.identities}
    deleted = {u.id for u in slack_data.users.values() if u.deleted}
    assert {i for i, x in identities.items() if x.is_deleted} == deleted
    bot = next(i for i in identities.values() if i.username == "deploybot")
    assert bot.is_bot
    # Legacy shapes the sample workspace holds: file comments count for their commenter,
    # a webhook's messages (only a username) for a bot identity of their own.
    activities = [a for b in batches for a in b.activities]
    assert any(a.extra.get("subtype") == "file_comment" for a in activities)
    webhook = identities["bot:release-notes"]
    assert webhook.is_bot and webhook.username == "release-notes"
    assert sum(a.actor == "bot:release-notes" for a in activities) == sum(
        u.id == "bot:release-notes" for _, u, _ in slack_data.activities()
    )
    person = next(u for u in slack_data.users.values() if u.person and u.email)
    assert identities[person.id].email == person.email
    assert identities[person.id].timezone == person.tz
    # Paging went through cursors (50 per page here).
    history = [r for r in fake_slack.api.requests_to("conversations.history")]
    assert len(history) > READABLE


def test_slack_fake_receives_form_encoded_posts(fake_slack):
    run(fake_slack, {})
    request = fake_slack.api.requests_to("conversations.history")[0]
    assert request.method == "POST"
    assert request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")


def test_quiet_second_sync_costs_one_request_per_channel(fake_slack):
    state: dict = {}
    first, _ = run(fake_slack, state)
    known = {i.source_user_id for b in first for i in b.identities}
    fake_slack.api.reset_log()
    batches, connector = run(fake_slack, state, known_users=known, page_size=200)
    assert ids(batches) == [] and connector.problems == []
    paths = Counter(r.path for r in fake_slack.api.requests_to())
    assert paths["/api/conversations.history"] == READABLE
    assert sum(paths.values()) == READABLE + 2  # + auth.test and conversations.list


def test_late_thread_reply_and_new_messages_are_picked_up(fake_slack, slack_data):
    state: dict = {}
    first, _ = run(fake_slack, state)
    known = {i.source_user_id for b in first for i in b.identities}
    now = community_end() + timedelta(hours=1)
    help_channel = next(c for c in slack_data.channels.values() if c.name == "help")
    # A parent from ten days ago (inside the 14-day look-back), answered only now.
    parent = max(
        (
            m
            for m in help_channel.messages
            if m.subtype is None and not m.deleted and m.when < now - timedelta(days=10)
        ),
        key=lambda m: m.ts,
    )
    author = next(u for u in slack_data.users.values() if u.person and not u.deleted)
    reply = slack_data.post("help", author.id, now, thread_ts=parent.ts)
    message = slack_data.post("dev", author.id, now)
    batches, connector = run(fake_slack, state, known_users=known)
    assert connector.problems == []
    got = sorted(ids(batches))
    help_id, dev_id = (
        help_channel.id,
        next(c.id for c in slack_data.channels.values() if c.name == "dev"),
    )
    assert got == sorted([f"{help_id}:{reply.ts}", f"{dev_id}:{message.ts}"])
    kinds = {a.activity_id: a for b in batches for a in b.activities}
    assert kinds[f"{help_id}:{reply.ts}"].type == "thread_reply"
    assert kinds[f"{help_id}:{reply.ts}"].parent_id == f"{help_id}:{parent.ts}"


def test_edits_and_deletions_are_not_activities(fake_slack, slack_data):
    batches, _ = run(fake_slack, {})
    found = set(ids(batches))
    for channel in slack_data.channels.values():
        for message in channel.messages:
            if message.deleted:
                assert f"{channel.id}:{message.ts}" not in found
    assert any(m.deleted for c in slack_data.channels.values() for m in c.messages)
    assert len(found) == len(ids(batches))  # edited messages kept their one activity


def test_channels_without_access_are_reported_and_others_continue(fake_slack, slack_data):
    batches, connector = run(fake_slack, {}, channels=["general", "#core-team", "random"])
    problems = [str(p) for p in connector.problems]
    assert len(problems) == 2
    assert any("#core-team" in p and "/invite @your-app" in p for p in problems)
    assert any("#random" in p and "not_in_channel" in p for p in problems)
    assert {a.channel for b in batches for a in b.activities} == {"general"}


def test_transient_faults_are_recovered(fake_slack, slack_data):
    api = fake_slack.api
    api.inject("rate_limit_429", path="conversations.history", times=2)
    api.inject("server_error", path="conversations.replies", times=2)
    api.inject("malformed", path="users.list", times=1)
    batches, connector = run(fake_slack, {})
    assert connector.problems == []
    assert Counter(a.type for b in batches for a in b.activities) == expected(slack_data)
    assert api.faults == []
    assert any(r.status == 429 for r in api.requests_to("conversations.history"))


def test_long_rate_limit_stops_cleanly(fake_slack, slack_data):
    fake_slack.api.inject("rate_limit_429", path="conversations.history", times=1, retry_after=3600)
    state: dict = {}
    _, connector = run(fake_slack, state)
    assert len(connector.problems) == 1 and isinstance(connector.problems[0], RateLimitStop)
    batches, connector = run(fake_slack, state)
    assert connector.problems == []
    assert Counter(a.type for b in batches for a in b.activities) == expected(slack_data)


def test_a_run_interrupted_mid_channel_resumes_without_duplicates(fake_slack, slack_data):
    state: dict = {}
    first, _ = run(fake_slack, state, limit=5)  # killed in the middle of #general
    assert any(key.endswith(":messages") and value.get("pending") for key, value in state.items())
    second, connector = run(fake_slack, state)
    assert connector.problems == []
    everything = ids(first) + ids(second)
    assert len(everything) == len(set(everything)), "a message was landed twice"
    assert Counter(a.type for b in first + second for a in b.activities) == expected(slack_data)


def test_bad_token_is_reported_with_the_fix(fake_slack):
    connector = SlackConnector(client(fake_slack, token="xoxb-wrong"))
    assert list(connector.sync({})) == []
    assert "invalid_auth" in str(connector.problems[0])
    assert "token_env" in str(connector.problems[0])
    assert "xoxb-wrong" not in str(connector.problems[0])


def test_actors_left_without_identity_are_identified_on_a_quiet_run(fake_slack):
    state: dict = {}
    first, _ = run(fake_slack, state)
    known = {i.source_user_id for b in first for i in b.identities}
    missing = sorted(k for k in known if k.startswith("U"))[
        :3
    ]  # as if an interrupted run had landed only their messages
    fake_slack.api.reset_log()
    batches, _ = run(fake_slack, state, known_users=known - set(missing), unidentified=set(missing))
    assert ids(batches) == []
    assert sorted(i.source_user_id for b in batches for i in b.identities) == missing
    assert fake_slack.api.requests_to("users.list")


def test_legacy_shapes_file_comments_and_bots_without_a_profile():
    """Documented message shapes the fakes never sent: a ``file_comment`` (older
    workspaces; the commenter in ``comment.user``), a ``bot_message`` with only a
    ``username`` (an incoming webhook), and one with a ``bot_id`` but no ``bot_profile``.
    Each is an activity; each bot gets an identity flagged as a bot, so users.list is
    not read again for it on every run."""
    from connectors.sources.slack.connector import SlackConnector

    connector = SlackConnector(None)
    connector.workspace_url = "https://acme.slack.com"
    channel = {"id": "C1", "name": "general"}
    messages = shape("slack", "history_legacy_messages")["messages"]
    actors = [a.actor for m in messages for a in connector._message_activities(channel, m)]
    assert actors == ["U2", "bot:deploy-hook", "B9"]
    bots = [i for m in messages for i in connector._bot_identity(m)]
    assert [(b.source_user_id, b.display_name, b.is_bot) for b in bots] == [
        ("bot:deploy-hook", "deploy-hook", True),
        ("B9", "ci", True),
    ]
    assert {"bot:deploy-hook", "B9"} <= connector.known_users


def test_history_with_has_more_but_no_cursor_is_paged_by_timestamp(fake_slack, slack_data):
    """Slack can answer ``"has_more": true`` without ``response_metadata.next_cursor``
    (its older timestamp paging). The walk goes on from the page's oldest message with
    ``latest`` instead of stopping there and committing the cursor past the rest."""
    fake_slack.api.history_without_cursor = True
    try:
        state: dict = {}
        batches, connector = run(fake_slack, state)
    finally:
        fake_slack.api.history_without_cursor = False
    assert connector.problems == []
    assert Counter(a.type for b in batches for a in b.activities) == expected(slack_data)
    history = fake_slack.api.requests_to("conversations.history")
    assert any("latest=" in r.query or "latest=" in r.body for r in history)
