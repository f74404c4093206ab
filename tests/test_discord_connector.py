"""The Discord connector against the fake Discord (REST v10, real HTTP): every message the
bot may read lands once, threads and forum posts included; paging and a quiet sync
cost what the issue allows; rate limits are waited out; an interrupted sync repeats
nothing; and the awkward shapes of Discord's documented payloads are read as people."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from connectors.core.source import Secrets
from connectors.sources.discord.connector import GHOST_ID, PAGE, snowflake_time
from connectors.sources.discord.source import DiscordSource, build, check
from sample.discord import DEMO
from sample.discord_data import DMessage, DThread
from tests.conftest import DISCORD_TOKEN, drive

SHAPES = Path(__file__).parent / "discord"


def settings(url: str, **overrides: object) -> DiscordSource:
    values = {
        **DEMO.settings(url),
        "backfill_days": 400,
        "retry_backoff_seconds": 0.01,
        **overrides,
    }
    return DiscordSource(**values)


def run(server, state: dict, limit: int | None = None, token: str = DISCORD_TOKEN, **overrides):
    connector = build(settings(server.url, **overrides), Secrets(token=token), None)
    return drive(connector, state, limit), connector


def landed(batches) -> list:
    return [a for b in batches for a in b.activities]


def truth(data) -> Counter:
    return Counter((kind, u.landed_id, when) for kind, u, when in data.activities())


def as_landed(activities) -> Counter:
    return Counter((a.type, a.actor, a.occurred_at) for a in activities)


def test_every_readable_message_lands_once_with_its_author_and_thread(fake_discord, discord_data):
    batches, connector = run(fake_discord, {})
    assert connector.problems == []
    assert connector.unreadable == ["staff-only"]  # not asked for by name: skipped
    activities = landed(batches)
    assert len({a.activity_id for a in activities}) == len(activities)
    assert as_landed(activities) == truth(discord_data)
    people = {i.source_user_id: i for b in batches for i in b.identities}
    for user in discord_data.users.values():
        if user.id in people:
            assert people[user.id].username == user.username
            assert people[user.id].display_name == user.global_name
    assert people["webhook:" + discord_data.webhook.webhook_id].is_bot
    assert people[discord_data.bot.id].is_bot
    assert people[GHOST_ID].is_deleted
    staff = {
        u.id
        for u in discord_data.users.values()
        if u.person.organization and u.person.organization.is_staff
    }
    assert {i for i, p in people.items() if p.is_staff} == staff & set(people)
    # Threads: a reply's thread is its message's; a thread's messages are its replies.
    by_id = {a.activity_id: a for a in activities}
    started = next(
        t
        for t in discord_data.threads
        if t.from_message
        and t.parent_id != discord_data.channels["showcase"]["id"]
        and len(t.messages) > 1
    )
    reply = by_id[started.messages[1].id]
    assert (reply.type, reply.thread_id) == ("thread_reply", started.id)
    assert by_id[started.id].type == "message" and by_id[started.id].thread_id == started.id
    # A thread started from no message: its first message opens the conversation.
    lone = next(t for t in discord_data.threads if not t.from_message)
    first, *rest = lone.messages
    assert (by_id[first.id].type, by_id[first.id].thread_id) == ("message", first.id)
    assert rest and {(by_id[m.id].type, by_id[m.id].thread_id) for m in rest} == {
        ("thread_reply", first.id)
    }
    post = next(
        t for t in discord_data.threads if t.parent_id == discord_data.channels["showcase"]["id"]
    )
    assert by_id[post.id].type == "forum_post" and by_id[post.id].title == post.name
    assert by_id[post.id].url.endswith(f"/channels/1100000000000000001/{post.id}/{post.id}")


def test_requests_per_page_and_thread_and_a_quiet_sync_one_per_channel(fake_discord, discord_data):
    state: dict = {}
    run(fake_discord, state)
    log = fake_discord.api.requests_to()
    threads = {
        t.id
        for t in discord_data.threads
        if t.parent_id != discord_data.channels["staff-only"]["id"]
    }
    read_threads = [r for r in log if r.path.split("/")[-2] in threads]
    assert len(read_threads) == len(threads)  # one each: none has 100 messages
    channel_pages = [r for r in log if r.path.endswith("/messages") and r not in read_threads]
    counted = sum(
        len(m)
        for c, m in discord_data.messages.items()
        if c != discord_data.channels["staff-only"]["id"]
    )
    text = [c for c in discord_data.readable() if c["type"] != 15]
    assert len(channel_pages) <= counted / PAGE + len(text) + 1  # + the 403
    statuses = Counter(r.status for r in log)
    assert statuses[429] == 0  # the buckets were waited for, never overrun
    fake_discord.api.reset_log()
    batches, _ = run(fake_discord, state)
    assert landed(batches) == []
    paths = Counter(r.path.rsplit("/", 1)[-1] for r in fake_discord.api.requests_to())
    # The channel list, the active threads, the staff roles and members, and one page
    # per text channel (staff-only's 403 included).
    assert paths == {
        "channels": 1,
        "active": 1,
        "roles": 1,
        "members": 1,
        "messages": len(text) + 1,
    }


def test_an_interrupted_sync_resumes_and_repeats_nothing(fake_discord, discord_data):
    state: dict = {}
    first, _ = run(fake_discord, state, limit=6)
    second, connector = run(fake_discord, state)
    assert connector.problems == []
    both = landed(first) + landed(second)
    assert len({a.activity_id for a in both}) == len(both)
    assert as_landed(both) == truth(discord_data)


def test_new_messages_threads_and_replies_to_threads_archived_since(fake_discord, discord_data):
    data = discord_data
    state: dict = {}
    run(fake_discord, state)
    end = data.community.end
    author = next(iter(data.users.values()))
    active = next(
        t
        for t in data.threads
        if t.archived_at is None and t.from_message and t.parent_id == data.channels["help"]["id"]
    )
    new = [
        data._post("general", author, end + timedelta(hours=1)),
        DMessage(
            data.snowflake(end + timedelta(hours=2)),
            active.id,
            author,
            end + timedelta(hours=2),
            "Solved, thanks",
        ),
    ]
    active.messages.append(new[1])
    active.archived_at = end + timedelta(hours=3)  # answered, then archived before the night
    post = DMessage(
        data.snowflake(end + timedelta(hours=4)), "", author, end + timedelta(hours=4), "Look!"
    )
    thread = DThread(post.id, data.channels["showcase"]["id"], "Showcase: mine", author, post.when)
    post.channel_id = thread.id
    thread.messages.append(post)
    data.threads.append(thread)
    batches, connector = run(fake_discord, state)
    assert connector.problems == []
    assert sorted((a.type, a.activity_id) for a in landed(batches)) == sorted(
        [("message", new[0].id), ("thread_reply", new[1].id), ("forum_post", post.id)]
    )


def test_rate_limits_are_waited_out_and_a_long_one_stops_cleanly(fake_discord, discord_data):
    api = fake_discord.api
    api.inject("rate_limited", path="/messages", times=2, retry_after=0.05)
    api.inject("global_limit", path="/threads/active", times=1, retry_after=0.05)
    batches, connector = run(fake_discord, {})
    assert connector.problems == []
    assert as_landed(landed(batches)) == truth(discord_data)
    assert Counter(r.status for r in api.requests_to())[429] == 3
    api.inject("rate_limited", path="/messages", times=1, retry_after=5000)
    batches, connector = run(fake_discord, {}, max_rate_limit_wait=1)
    assert any("more than max_rate_limit_wait" in str(p) for p in connector.problems)


def test_a_wrong_token_and_a_forbidden_channel_are_named_never_retried(fake_discord):
    _, connector = run(fake_discord, {}, token="wrong-token-0123456789")
    message = " ".join(str(p) for p in connector.problems)
    assert "token_env" in message and "wrong-token" not in message
    assert len(fake_discord.api.requests_to()) == 1  # a 401 is not retried
    fake_discord.api.reset_log()
    _, connector = run(fake_discord, {}, channels=["general", "staff-only"])
    (problem,) = connector.problems
    assert "#staff-only" in str(problem) and "Read Message History" in str(problem)
    forbidden = [r for r in fake_discord.api.requests_to() if r.status == 403]
    assert len(forbidden) == 1


def test_without_the_content_intent_activity_still_counts_and_the_check_says_so(
    fake_discord, discord_data
):
    fake_discord.api.content_intent = False
    batches, connector = run(fake_discord, {})
    assert as_landed(landed(batches)) == truth(discord_data)
    assert connector.hidden and connector.hidden == sum(
        bool(a.extra.get("text_hidden")) for a in landed(batches)
    )
    line = check(settings(fake_discord.url), Secrets(token=DISCORD_TOKEN))
    assert "Message Content intent" in line
    fake_discord.api.content_intent = True
    assert "Message Content" not in check(settings(fake_discord.url), Secrets(token=DISCORD_TOKEN))


def test_documented_awkward_messages_are_read_as_people():
    from connectors.sources.discord.client import DiscordClient, DiscordSettings
    from connectors.sources.discord.connector import DiscordConnector

    page = json.loads((SHAPES / "messages_awkward.json").read_text())["messages"]
    connector = DiscordConnector(DiscordClient(DiscordSettings(token="x")), "1100000000000000001")
    channel = {"id": "1200000000000000010", "name": "general", "type": 0}
    batch = connector._batch(sorted(page, key=lambda m: int(m["id"])), channel, None)
    by_id = {a.activity_id: a for a in batch.activities}
    people = {i.source_user_id: i for i in batch.identities}
    hello = by_id["1300000000000000101"]
    assert hello.type == "message" and hello.extra == {"reactions": 4, "edited": True}
    orphan = by_id["1300000000000000102"]  # its parent was deleted: still a reply
    assert (orphan.type, orphan.parent_id) == ("thread_reply", "1300000000000000099")
    assert by_id["1300000000000000103"].actor == by_id["1300000000000000104"].actor == GHOST_ID
    assert people[GHOST_ID].is_deleted
    assert by_id["1300000000000000105"].actor == "webhook:1300000000000000003"
    assert people["webhook:1300000000000000003"].is_bot
    assert (
        by_id["1300000000000000106"].extra == {"text_hidden": True}
        and people["1300000000000000001"].is_bot
    )
    assert by_id["1300000000000000107"].type == "server_join"
    assert "1300000000000000108" not in by_id and "1300000000000000109" not in by_id  # notices
    assert (
        people["80351110224678913"].avatar_url is None
        or "cdn.discordapp.com" in people["80351110224678913"].avatar_url
    )
    assert people["80351110224678912"].display_name == "Nelly"
    assert [(r.stream, r.reason) for r in batch.rejects] == [("messages", "missing field 'author'")]
    assert snowflake_time("1300000000000000101").year == 2024


@pytest.mark.slow
def test_a_forgotten_discord_member_stays_forgotten(tmp_path, monkeypatch, discord_data):
    """The forget contract (tests/test_forget.py) for Discord: forgetting a member by
    their account leaves neither its id, username nor display name anywhere, and their
    next message is skipped; everyone else's messages stay."""
    import sys

    import duckdb
    import yaml
    from typer.testing import CliRunner

    from connectors.core.config import load_config
    from pipelines.cli.main import app
    from pipelines.orchestration.execute import run_job
    from pipelines.storage.snapshot import current_snapshot
    from sample import FakeServer
    from sample.discord import FakeDiscord
    from tests.test_forget import traces

    user = max(
        discord_data.users.values(),
        key=lambda u: sum(k != "server_join" and a is u for k, a, _ in discord_data.activities()),
    )
    theirs = sum(a is user for _, a, _ in discord_data.activities())
    monkeypatch.setenv("ACACIA_TEST_DISCORD_TOKEN", DISCORD_TOKEN)
    with FakeServer(FakeDiscord(discord_data, token=DISCORD_TOKEN)) as server:
        path = tmp_path / "acacia.yml"
        section = {
            **settings(server.url).model_dump(include={"guild_id", "base_url", "staff_roles"}),
            "token_env": "ACACIA_TEST_DISCORD_TOKEN",
            "backfill_days": 400,
        }
        path.write_text(
            yaml.safe_dump(
                {
                    "community_name": "Chat",
                    "storage": {"data_dir": "data"},
                    "sources": {"discord": section},
                }
            )
        )
        assert run_job(path, "nightly_sync").success
        config = load_config(path)
        tokens = {user.id, user.username} | ({user.global_name} if user.global_name else set())
        assert traces(config.storage.data_dir, tokens), "the person should be there first"
        with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
            total = con.execute("select count(*) from activities").fetchone()[0]
        command = ["acacia", "forget", f"discord:{user.id}", "--config", str(path)]
        monkeypatch.setattr(sys, "argv", command)
        forgotten = CliRunner().invoke(app, command[1:], input="y\n")
        assert forgotten.exit_code == 0, forgotten.output
        assert traces(config.storage.data_dir, tokens) == []
        discord_data._post("general", user, discord_data.community.end + timedelta(hours=1))
        assert run_job(path, "nightly_sync").success
        assert traces(config.storage.data_dir, tokens) == []
        with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
            assert con.execute("select count(*) from activities").fetchone()[0] == total - theirs
