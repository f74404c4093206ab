"""Shared fixtures: the sample community, its fake GitHub on 127.0.0.1, a workspace."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.core import clock
from connectors.core.batch import Batch
from connectors.sources.github import GitHubClient, GitHubSettings
from sample import FakeServer
from sample.calendars import FakeCalendars, write_feed_file
from sample.calendars import settings as calendar_settings
from sample.calendars_data import CalendarData
from sample.community import Community, build_community
from sample.discord import DEMO as DISCORD
from sample.discord import FakeDiscord
from sample.discord_data import DiscordData
from sample.discourse import FakeDiscourse
from sample.discourse_data import DiscourseData
from sample.github import FakeGitHub
from sample.github_data import GitHubData
from sample.mailing_lists import DEMO as MAILING_LISTS
from sample.mailing_lists import FakeMailingLists
from sample.mailing_lists_data import MailingListData
from sample.meetup import DEMO as MEETUP
from sample.reddit import FakeReddit
from sample.reddit_data import RedditData
from sample.slack import FakeSlack
from sample.slack_data import SlackData
from sample.stackexchange import FakeStackExchange
from sample.stackexchange_data import StackExchangeData

# The SDKs honour proxy variables, which would send loopback traffic elsewhere.
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_name, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
os.environ["DAGSTER_TELEMETRY_DISABLED"] = "1"

# The suite's clock (docs/clock.md): the instant the caller pinned with ACACIA_NOW (the
# date matrix of tests/dates.py does), else this one. Set in the environment, so Dagster,
# dbt, the dashboard and every subprocess of a test read the same instant.
#: The dashboard's folder; its entry point, app.py, runs every page (dashboard/page.py).
DASHBOARD = Path(__file__).resolve().parents[1] / "dashboard"


def dashboard_page(page: str | Path) -> Any:
    """Streamlit's AppTest of the dashboard's entry point, set to open ``page`` (a page's
    file in dashboard/, as the navigation lists it) at its first run."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=60)
    app.switch_page(str(Path(page).resolve().relative_to(DASHBOARD)))
    return app


SUITE_NOW = "2026-06-17T12:00:00Z"
os.environ.setdefault(clock.NOW_ENV, SUITE_NOW)

#: The AppTest element kinds Streamlit renders as Markdown.
MARKDOWN_ELEMENTS = (
    "markdown",
    "title",
    "header",
    "subheader",
    "caption",
    "warning",
    "info",
    "error",
    "success",
)

TOKEN = "test-token-0123456789"
SLACK_TOKEN = "xoxb-test-0123456789"
DISCOURSE_KEY = "discourse-key-0123456789"
DISCORD_TOKEN = "discord-bot-token-0123456789"
MEETUP_TOKEN = "meetup-oauth-token-0123456789"
GROUPSIO_TOKEN = "groupsio-token-0123456789"
REDDIT_ID, REDDIT_SECRET = "reddit-client-id", "reddit-secret-0123456789"


def community_end() -> datetime:
    """The clock's now: the sample community ends when the models' windows do."""
    return clock.now()


def small_community() -> Community:
    return build_community(community_end(), people=120)


@pytest.fixture
def github_data() -> GitHubData:
    return GitHubData(small_community(), repos=(("core", 150), ("docs", 60)))


@pytest.fixture
def slack_data() -> SlackData:
    return SlackData(small_community(), messages_per_day=3)


@pytest.fixture
def discourse_data() -> DiscourseData:
    return DiscourseData(small_community(), topics_per_week=4)


@pytest.fixture
def reddit_data() -> RedditData:
    return RedditData(small_community(), posts_per_day=0.8)


@pytest.fixture
def fake_reddit(reddit_data: RedditData) -> Iterator[FakeServer]:
    with FakeServer(FakeReddit(reddit_data, client_id=REDDIT_ID)) as server:
        yield server


@pytest.fixture
def stackexchange_data() -> StackExchangeData:
    return StackExchangeData(small_community(), questions_per_day=0.8)


@pytest.fixture
def fake_stackexchange(stackexchange_data: StackExchangeData) -> Iterator[FakeServer]:
    with FakeServer(FakeStackExchange(stackexchange_data)) as server:
        yield server


@pytest.fixture
def discord_data() -> DiscordData:
    return DiscordData(small_community())


@pytest.fixture
def fake_discord(discord_data: DiscordData) -> Iterator[FakeServer]:
    with FakeServer(FakeDiscord(discord_data, token=DISCORD_TOKEN)) as server:
        yield server


@pytest.fixture
def mailing_lists_data() -> MailingListData:
    return MailingListData(small_community())


@pytest.fixture
def fake_mailing_lists(mailing_lists_data: MailingListData) -> Iterator[FakeServer]:
    with FakeServer(FakeMailingLists(mailing_lists_data, token=GROUPSIO_TOKEN)) as server:
        yield server


@pytest.fixture
def fake_slack(slack_data: SlackData) -> Iterator[FakeServer]:
    with FakeServer(FakeSlack(slack_data, tokens={SLACK_TOKEN})) as server:
        yield server


@pytest.fixture
def fake_discourse(discourse_data: DiscourseData) -> Iterator[FakeServer]:
    with FakeServer(FakeDiscourse(discourse_data, api_key=DISCOURSE_KEY)) as server:
        yield server


@pytest.fixture
def fake_github(github_data: GitHubData) -> Iterator[FakeServer]:
    with FakeServer(FakeGitHub(github_data, tokens={TOKEN})) as server:
        yield server


def fast_settings(url: str, **overrides: object) -> GitHubSettings:
    """Settings for tests: no politeness pause, tiny backoff, short timeouts."""
    values = {
        "token": TOKEN,
        "base_url": url,
        "seconds_between_requests": 0,
        "backoff_factor": 0.01,
        "timeout": 2,
        "secondary_rate_wait": 0.1,
        "max_rate_limit_wait": 5,
    }
    values.update(overrides)
    return GitHubSettings(**values)


@pytest.fixture
def github_client(fake_github: FakeServer) -> GitHubClient:
    return GitHubClient(fast_settings(fake_github.url))


def drive(connector: object, state: dict, limit: int | None = None) -> list[Batch]:
    """Run one sync and commit each batch's state into ``state`` as the landing zone does;
    ``limit`` stops after that many batches (a run killed mid-way)."""
    batches = []
    for batch in connector.sync(state):  # type: ignore[attr-defined]
        batches.append(batch)
        if batch.state is not None:
            state[batch.key] = batch.state
        if limit is not None and len(batches) >= limit:
            break
    return batches


def write_config(
    folder: Path,
    github_url: str,
    slack_url: str | None = None,
    discourse_url: str | None = None,
    reddit_url: str | None = None,
    stackexchange_url: str | None = None,
    events_folder: Path | None = None,
    mailing_lists_url: str | None = None,
    discord_url: str | None = None,
    calendars_url: str | None = None,
    meetup_url: str | None = None,
    **github: object,
) -> Path:
    """An acacia.yml for a workspace in ``folder`` reading the fake APIs given."""
    folder.mkdir(parents=True, exist_ok=True)
    sources: dict[str, dict] = {
        "github": {
            "organizations": ["acacia-sample"],
            "base_url": github_url,
            "token_env": "ACACIA_TEST_GITHUB_TOKEN",
            "backfill_days": 400,
            "seconds_between_requests": 0,
            **github,
        }
    }
    if slack_url:
        sources["slack"] = {
            "base_url": slack_url + "/api/",
            "token_env": "ACACIA_TEST_SLACK_TOKEN",
            "backfill_days": 400,
            # The messages' text is kept: the themes of what people talk about read it.
            "store_bodies": True,
        }
    if discourse_url:
        sources["discourse"] = {
            "base_url": discourse_url,
            "api_key_env": "ACACIA_TEST_DISCOURSE_KEY",
            "backfill_days": 400,
        }
    if reddit_url:
        sources["reddit"] = {
            "subreddits": ["acacia"],
            "oauth_url": reddit_url,
            "reddit_url": reddit_url,
            "backfill_days": 400,
            "client_id_env": "ACACIA_TEST_REDDIT_ID",
            "client_secret_env": "ACACIA_TEST_REDDIT_SECRET",
        }
    if stackexchange_url:
        sources["stackexchange"] = {
            "tags": ["acacia"],
            "base_url": stackexchange_url,
            "key_env": "ACACIA_TEST_STACKEXCHANGE_KEY",
            "backfill_days": 400,
        }
    if events_folder:
        sources["events"] = {"folder": str(events_folder)}
    if discord_url:
        sources["discord"] = {
            **DISCORD.settings(discord_url),
            "token_env": "ACACIA_TEST_DISCORD_TOKEN",
            "backfill_days": 400,
        }
    if mailing_lists_url:
        # The sample's lists (HyperKitty, Pipermail and Groups.io), as the demo has them.
        sources["mailing_lists"] = {
            **MAILING_LISTS.settings(mailing_lists_url),
            "token_env": "ACACIA_TEST_GROUPSIO_TOKEN",
            "backfill_days": 400,
        }
    if meetup_url:
        # The sample's Meetup group, as the demo has it (its members agreed to be named).
        sources["meetup"] = {
            **MEETUP.settings(meetup_url),
            "token_env": "ACACIA_TEST_MEETUP_TOKEN",
            "backfill_days": 400,
        }
    if calendars_url:
        # The sample's feeds (two URLs and a file beside acacia.yml), as the demo has them.
        sources["calendars"] = calendar_settings(calendars_url)
    path = folder / "acacia.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "community_name": "Test community",
                "storage": {"data_dir": "data"},
                "sources": sources,
                "identity": {"bots": ["release-helper"]},
                "events": {"priority_places": ["Africa"]},
            }
        )
    )
    return path


@pytest.fixture
def github_token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ACACIA_TEST_GITHUB_TOKEN", TOKEN)
    return TOKEN


@pytest.fixture(scope="session")
def synced(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> dict:
    """One workspace synced once from every source's fake API (shared by tests)."""
    from connectors.core.config import load_config
    from pipelines.orchestration.execute import run_job
    from pipelines.storage.team_store import TeamStore, store_path
    from sample.community import organizations_file
    from sample.events_data import event_rows, write_event_files
    from sample.outreach import record_contacts

    community = small_community()
    data = {
        "github": GitHubData(community, repos=(("core", 150), ("docs", 60))),
        "slack": SlackData(community, messages_per_day=3),
        "discourse": DiscourseData(community, topics_per_week=4),
        "reddit": RedditData(community, posts_per_day=0.8),
        "stackexchange": StackExchangeData(community, questions_per_day=0.8),
        "events": event_rows(community),
        "mailing_lists": MailingListData(community),
        "discord": DiscordData(community),
        "calendars": CalendarData(community),
    }
    servers = {
        "github": FakeServer(FakeGitHub(data["github"], tokens={TOKEN})).start(),
        "slack": FakeServer(FakeSlack(data["slack"], tokens={SLACK_TOKEN})).start(),
        "discourse": FakeServer(FakeDiscourse(data["discourse"], api_key=DISCOURSE_KEY)).start(),
        "reddit": FakeServer(FakeReddit(data["reddit"], client_id=REDDIT_ID)).start(),
        "stackexchange": FakeServer(FakeStackExchange(data["stackexchange"])).start(),
        "mailing_lists": FakeServer(
            FakeMailingLists(data["mailing_lists"], token=GROUPSIO_TOKEN)
        ).start(),
        "discord": FakeServer(FakeDiscord(data["discord"], token=DISCORD_TOKEN)).start(),
        "calendars": FakeServer(FakeCalendars(data["calendars"])).start(),
    }
    for server in servers.values():
        request.addfinalizer(server.stop)
    mp = pytest.MonkeyPatch()
    request.addfinalizer(mp.undo)
    for name, value in (
        ("GITHUB_TOKEN", TOKEN),
        ("SLACK_TOKEN", SLACK_TOKEN),
        ("DISCOURSE_KEY", DISCOURSE_KEY),
        ("REDDIT_ID", REDDIT_ID),
        ("REDDIT_SECRET", REDDIT_SECRET),
        ("STACKEXCHANGE_KEY", "se-key"),
        ("DISCORD_TOKEN", DISCORD_TOKEN),
        ("GROUPSIO_TOKEN", GROUPSIO_TOKEN),
        ("MEETUP_TOKEN", MEETUP_TOKEN),
    ):
        mp.setenv(f"ACACIA_TEST_{name}", value)
    workspace = tmp_path_factory.mktemp("workspace")
    write_event_files(community, workspace / "events")
    write_feed_file(community, workspace)
    (workspace / "organizations.yml").write_text(yaml.safe_dump(organizations_file(community)))
    path = write_config(
        workspace,
        *(servers[s].url for s in ("github", "slack", "discourse", "reddit", "stackexchange")),
        events_folder=workspace / "events",
        mailing_lists_url=servers["mailing_lists"].url,
        discord_url=servers["discord"].url,
        calendars_url=servers["calendars"].url,
    )
    # The contributors the sample's team reached out to after they went quiet.
    record_contacts(community, TeamStore(store_path(load_config(path))))
    result = run_job(path, "nightly_sync", ephemeral=True)
    return {"data": data, "servers": servers, "config": load_config(path), "result": result}


def community_activities(data: dict) -> list[tuple[str, str, datetime, bool]]:
    """Every activity of the synced community as (type, identity key, when, is_bot), read
    off the drawn data of each fake API. Identity keys are ``<source>:<source_user_id>``,
    as the identities mart has them."""
    from connectors.sources.events.connector import person_id
    from connectors.sources.mailing_lists.connector import user_id

    out = [
        (kind, f"github:{data['github'].user_id(p)}", when, p.is_bot)
        for kind, p, when in data["github"].activities()
    ]
    out += [
        (kind, f"slack:{u.id}", datetime.fromtimestamp(float(ts), UTC), u.is_bot)
        for kind, u, ts in data["slack"].activities()
    ]
    out += [
        (kind, f"discourse:{u.id}", when, u.id <= 0)
        for kind, u, when in data["discourse"].activities()
    ]
    if "reddit" in data:
        out += [
            (kind, f"reddit:{u.user_id}", when, False)
            for kind, u, when in data["reddit"].activities()
        ]
    if "stackexchange" in data:
        out += [
            (kind, f"stackexchange:{u.landed_id}", when, False)
            for kind, u, when in data["stackexchange"].activities()
        ]
    if "mailing_lists" in data:
        out += [
            (kind, f"mailing_lists:{user_id(data['mailing_lists'].address(p))}", when, False)
            for kind, p, when in data["mailing_lists"].activities()
        ]
    if "discord" in data:
        out += [
            (kind, f"discord:{u.landed_id}", when, u.bot or u.webhook_id is not None)
            for kind, u, when in data["discord"].activities()
        ]
    if "meetup" in data:
        out += [
            (kind, f"meetup:{member}", when, False)
            for kind, _, when, member in data["meetup"].activities()
        ]
    roles = {"attendee": "event_attended", "speaker": "event_spoke", "organizer": "event_organized"}
    out += [
        (
            roles[row["role"]],
            f"events:{person_id(row['name'], row['email'], row['named'] != 'no')}",
            datetime.fromisoformat(row["date"]).replace(tzinfo=UTC),
            False,
        )
        for rows in data.get("events", {}).values()
        for row in rows
        if "role" in row  # attendance (the event list has no people)
    ]
    return out


def drawn_threads(data: dict) -> list[dict]:
    """Every conversation of the synced community that opens an item, read off the drawn
    data: ``source``, ``opener`` (identity key), ``opened_at``, ``opener_is_bot``, and
    ``replies`` as (identity key, when, is_bot), in the keys of community_activities.
    An issue or pull request, a forum topic, a question, or a Slack message others
    answered in its thread (a deleted message opens nothing; its replies still count)."""
    found = []
    github = data["github"]
    for repo in github.repos.values():
        for issue in repo.issues.values():
            replies = [
                (c.author, c.created_at)
                for c in (*repo.issue_comments, *repo.review_comments)
                if c.issue_number == issue.number
            ] + [(r.author, r.submitted_at) for r in repo.reviews if r.pr_number == issue.number]
            found.append(
                {
                    "source": "github",
                    "opener": f"github:{github.user_id(issue.author)}",
                    "opened_at": issue.created_at,
                    "opener_is_bot": issue.author.is_bot,
                    "replies": [(f"github:{github.user_id(p)}", w, p.is_bot) for p, w in replies],
                }
            )
    slack = data["slack"]
    for channel in slack.channels.values():
        if not channel.is_member:
            continue
        for message in channel.messages:
            if message.subtype == "channel_join" or not message.replies:
                continue
            author = slack.who(message.user)
            found.append(
                {
                    "source": "slack",
                    "opener": None if message.deleted else f"slack:{author.id}",
                    "opened_at": message.when,
                    "opener_is_bot": author.is_bot,
                    "replies": [
                        (f"slack:{r.user}", r.when, slack.who(r.user).is_bot)
                        for r in message.replies
                    ],
                }
            )
    for topic in data["discourse"].topics.values():
        first, *rest = topic.posts
        found.append(
            {
                "source": "discourse",
                "opener": f"discourse:{first.user.id}",
                "opened_at": first.created_at,
                "opener_is_bot": first.user.id <= 0,
                "replies": [(f"discourse:{p.user.id}", p.created_at, p.user.id <= 0) for p in rest],
            }
        )
    if "stackexchange" in data:
        for q in data["stackexchange"].questions.values():
            said = [*q.comments, *q.answers, *(c for a in q.answers for c in a.comments)]
            found.append(
                {
                    "source": "stackexchange",
                    "opener": f"stackexchange:{q.owner.landed_id}",
                    "opened_at": q.created,
                    "opener_is_bot": False,
                    "replies": [
                        (f"stackexchange:{x.owner.landed_id}", x.created, False) for x in said
                    ],
                }
            )
    if "mailing_lists" in data:
        from connectors.sources.mailing_lists.connector import user_id

        lists = data["mailing_lists"]
        key = lambda m: f"mailing_lists:{user_id(m.address)}"  # noqa: E731
        for opener in (m for m in lists.counted() if not m.parent):
            replies = []
            for m in lists.counted():
                if m.references[:1] == [opener.message_id] and opener.message_id:
                    replies.append((key(m), m.dated, False))
            found.append(
                {
                    "source": "mailing_lists",
                    "opener": key(opener),
                    "opened_at": opener.dated,
                    "opener_is_bot": False,
                    "replies": replies,
                }
            )
    if "discord" in data:
        found += discord_threads(data["discord"])
    return found


def discord_threads(discord) -> list[dict]:
    """The Discord conversations that open an item: a channel message someone replied to
    (by reference, to it or to a reply of it, or in the thread started from it), a forum
    post, and a thread started from no message whose first message was answered."""

    def who(user) -> tuple[str, bool]:
        return f"discord:{user.landed_id}", user.bot or user.webhook_id is not None

    readable = {c["id"] for c in discord.readable()}
    found = []
    roots: dict[str, str] = {}
    replies: dict[str, list] = {}
    openers = {}
    for channel, messages in discord.messages.items():
        if channel not in readable:
            continue
        for m in sorted(messages, key=lambda m: int(m.id)):
            if m.type == 0:
                roots[m.id], openers[m.id] = m.id, m
            elif m.type == 19:
                roots[m.id] = roots.get(m.reference.id, m.reference.id)
                replies.setdefault(roots[m.id], []).append(m)
    for thread in discord.threads:
        if thread.parent_id not in readable:
            continue
        said = [m for m in thread.messages if m.type != 21]
        if thread.from_message and said and said[0].id == thread.id:  # a forum post
            openers[thread.id], said = said[0], said[1:]
            replies.setdefault(thread.id, []).extend(said)
        elif not thread.from_message and said:
            openers[thread.id] = said[0]
            replies.setdefault(thread.id, []).extend(said[1:])
        else:
            replies.setdefault(thread.id, []).extend(said)
    for key, opener in openers.items():
        answers = replies.get(key, [])
        is_post = any(
            t.id == key and t.messages and t.messages[0].id == key for t in discord.threads
        )
        if not answers and not is_post:
            continue  # a chat message nobody answered opens nothing
        found.append(
            {
                "source": "discord",
                "opener": who(opener.author)[0],
                "opened_at": opener.when,
                "opener_is_bot": who(opener.author)[1],
                "replies": [(*who(r.author)[:1], r.when, who(r.author)[1]) for r in answers],
            }
        )
    return found


def deleted_members(member_of: dict[str, str], data: dict) -> set[str]:
    """The members made only of deleted accounts in the drawn data (each source's ghost,
    the Slack users the workspace deleted): active, never new, in no cohort. A deleted
    Slack user merged by email with a live account is that account's member."""
    from connectors.core import registry

    ghosts = {f"{name}:{s.ghost_id}" for name, s in registry.sources().items() if s.ghost_id}
    deleted = ghosts | {f"slack:{u.id}" for u in data["slack"].users.values() if u.deleted}
    alive = {m for key, m in member_of.items() if key not in deleted}
    return {m for key, m in member_of.items() if key in deleted} - alive


def members_by_identity(config) -> dict[str, str]:
    """identity key -> member id, from the published identities mart (the merge rules
    themselves are tested in test_identity.py)."""
    import duckdb

    from pipelines.storage.snapshot import current_snapshot

    snapshot = current_snapshot(config.storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return dict(con.execute("select identity_key, member_id from identities").fetchall())


def copy_workspace(synced: dict, folder: Path) -> Path:
    """A copy of the synced workspace (config, landing zone, warehouse, snapshots) in
    ``folder``, for a test that changes it; returns its acacia.yml. The copy's models
    read its own files: their paths are relative to the data folder."""
    import shutil

    source = synced["config"].path.parent
    shutil.copytree(source, folder / "workspace")
    return folder / "workspace" / "acacia.yml"


def assert_same_rows(label: object, columns: list[str], ours: list, theirs: list) -> None:
    """Two tables' rows (each sorted alike) are the same, column by column: floats to a
    tolerance (the engines and the orders of summing differ in the last bits), instants
    as UTC wall time (DuckDB keeps the zone, Spark shows its session's, UTC)."""
    import math
    from datetime import UTC, datetime

    def normalized(value: object) -> object:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    assert len(theirs) == len(ours), (label, len(ours), len(theirs))
    for mine, other in zip(ours, theirs, strict=True):
        for column, a, b in zip(columns, mine, other, strict=True):
            a, b = normalized(a), normalized(b)
            same = (
                math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
                if isinstance(a, float) and isinstance(b, float)
                else a == b
            )
            assert same, (label, column, mine, other)
