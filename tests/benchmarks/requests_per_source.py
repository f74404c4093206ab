"""Benchmark (not a test): API requests per 1,000 activities for each source.

Each source's fake API serves the sample community; the real connector and SDK sync it
from scratch, then again with nothing new. Run with `make bench`
(`python -m tests.benchmarks.requests_per_source`).

- GitHub: a repository of 1,000 issues and pull requests with about 4,000 comments.
  Target: at most 15 requests per 1,000 activities, profile look-ups counted (GraphQL's
  ``nodes(ids:)`` reads 100 profiles a request).
- Slack, Discourse, Reddit and Stack Exchange: the sample community on each platform. A
  sync with nothing new should cost about one request per channel, list or tag.
- Discord: the sample's server with four times its traffic. Target: at most 12 requests
  per 1,000 messages plus one per thread read; a quiet sync one request per channel
  (plus the channel list, the active threads and the staff roles and members).
- Mailing lists: the sample's two lists, ``dev`` on HyperKitty and ``users`` on
  Pipermail, with four times the sample's traffic. Target: one request per archive
  period read (a HyperKitty range of 31 days, a Pipermail month, plus its archive page
  once), and a quiet sync at most one per list.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

from connectors.sources.discourse import DiscourseClient, DiscourseConnector, DiscourseSettings
from connectors.sources.github import GitHubClient, GitHubConnector, GitHubSettings
from connectors.sources.reddit import RedditConnector, RedditSettings, make_reddit
from connectors.sources.slack import SlackConnector, SlackSettings, make_client
from connectors.sources.stackexchange import StackExchangeConnector, StackExchangeSettings
from sample import FakeServer
from sample.community import build_community
from sample.discourse import FakeDiscourse
from sample.discourse_data import DiscourseData
from sample.github import FakeGitHub
from sample.github_data import GitHubData
from sample.mailing_lists import DEMO as LISTS
from sample.mailing_lists import FakeMailingLists
from sample.mailing_lists_data import MailingListData
from sample.reddit import FakeReddit
from sample.reddit_data import RedditData
from sample.slack import FakeSlack
from sample.slack_data import SlackData
from sample.stackexchange import FakeStackExchange
from sample.stackexchange_data import StackExchangeData
from tests.conftest import community_end  # also clears proxy variables for loopback


def sync(url: str, state: dict) -> tuple[int, float]:
    client = GitHubClient(GitHubSettings(token="bench", base_url=url, seconds_between_requests=0))
    connector = GitHubConnector(client, repositories=["bench/big"], backfill_days=400)
    started, activities = time.perf_counter(), 0
    for batch in connector.sync(state):
        activities += len(batch.activities)
        if batch.state is not None:
            state[batch.key] = batch.state
    assert not connector.problems, connector.problems
    return activities, time.perf_counter() - started


def endpoint(request) -> str:
    """A request's endpoint, with GraphQL's two kinds of query told apart."""
    if request.path.startswith("/users/"):
        return "users/{login}"
    if request.path == "/graphql":
        return "graphql profiles" if "nodes(ids:" in request.body else "graphql reviews"
    return request.path.rsplit("/", 1)[-1]


def github() -> None:
    data = GitHubData(
        build_community(community_end(), people=400),
        org="bench",
        repos=(("big", 1000),),
        comments_per_issue=3.9,
    )
    repo = data.repos["bench/big"]
    comments = len(repo.issue_comments) + len(repo.review_comments)
    print(
        f"fake repository: {len(repo.issues)} issues and pull requests, {comments} comments "
        f"({len(repo.issue_comments)} on issues, {len(repo.review_comments)} in reviews), "
        f"{len(repo.reviews)} reviews, {len(repo.stars)} stars"
    )
    with FakeServer(FakeGitHub(data)) as server:
        state: dict = {}
        activities, seconds = sync(server.url, state)
        log = server.api.requests_to()
        profiles = sum(r.path.startswith("/users/") or "nodes(ids:" in r.body for r in log)
        by_endpoint = Counter(endpoint(r) for r in log)
        print(
            f"first sync:  {activities} activities, {len(log)} requests "
            f"({profiles} of them profile look-ups), {seconds:.2f} s wall time"
        )
        print(f"  requests by endpoint: {dict(by_endpoint)}")
        print(
            f"  requests per 1,000 activities: {1000 * len(log) / activities:.1f}, "
            "profile look-ups counted (target <= 15)"
        )
        server.api.reset_log()
        again, seconds = sync(server.url, state)
        print(
            f"second sync, nothing new: {again} activities, "
            f"{len(server.api.requests_to())} requests for 6 streams, {seconds:.2f} s"
        )
        server.api.reset_log()
        again, seconds = sync(server.url, state)
        statuses = Counter(r.status for r in server.api.requests_to())
        print(
            f"third sync, nothing new: {again} activities, "
            f"{len(server.api.requests_to())} requests ({dict(statuses)} by status; "
            "304s do not count against GitHub's rate limit)"
        )


def drain(connector, state: dict) -> tuple[int, int, float]:
    """Run one sync; return (activities, identities, seconds)."""
    started, activities, identities = time.perf_counter(), 0, 0
    for batch in connector.sync(state):
        activities += len(batch.activities)
        identities += len(batch.identities)
        if batch.state is not None:
            state[batch.key] = batch.state
    assert not connector.problems, connector.problems
    return activities, identities, time.perf_counter() - started


def report(name: str, server: FakeServer, make, units: str) -> tuple[int, list]:
    """Print a first and a quiet sync's requests; return the first's activities and
    request log."""
    state: dict = {}
    activities, identities, seconds = drain(make(set()), state)
    log = server.api.requests_to()
    first = list(log)
    by_method = Counter(
        # ids, and an archive's periods (2026-March.txt.gz, dev-2026-05-20.mbox.gz)
        re.sub(
            r"/\d[\d;]*(?=/|\.json|$)",
            "/{ids}",
            re.sub(r"\d{4}-[A-Za-z0-9-]+(?=\.(txt|mbox))", "{period}", r.path),
        )
        for r in log
    )
    print(
        f"{name}: first sync {activities} activities, {identities} identities, "
        f"{len(log)} requests, {1000 * len(log) / activities:.1f} per 1,000 activities, "
        f"{seconds:.2f} s"
    )
    print(f"  requests by endpoint: {dict(by_method)}")
    server.api.reset_log()
    known = {"*"}  # everyone is known now: no user look-ups on a quiet run
    again, _, seconds = drain(make(known), state)
    print(
        f"  second sync, nothing new: {again} activities, "
        f"{len(server.api.requests_to())} requests for {units}, {seconds:.2f} s"
    )
    return activities, first


def slack() -> None:
    data = SlackData(build_community(community_end(), people=400))
    with FakeServer(FakeSlack(data)) as server:
        client = make_client(SlackSettings(token="xoxb-bench", base_url=server.url + "/api/"))
        readable = sum(c.is_member and not c.is_private for c in data.channels.values())
        report(
            "slack",
            server,
            lambda known: SlackConnector(client, backfill_days=400, known_users=known),
            f"{readable} channels",
        )


def discourse() -> None:
    data = DiscourseData(build_community(community_end(), people=400))
    with FakeServer(FakeDiscourse(data)) as server:
        client = DiscourseClient(DiscourseSettings(base_url=server.url, api_key="bench"))
        report(
            "discourse",
            server,
            lambda known: DiscourseConnector(
                client, backfill_days=400, admin_emails=True, known_users=known
            ),
            "3 lists (categories, posts, topics)",
        )


def reddit() -> None:
    data = RedditData(build_community(community_end(), people=400))
    with FakeServer(FakeReddit(data)) as server:
        settings = RedditSettings(
            client_id="bench", client_secret="bench", oauth_url=server.url, reddit_url=server.url
        )
        report(
            "reddit",
            server,
            lambda known: RedditConnector(
                make_reddit(settings),
                settings,
                subreddits=["acacia"],
                backfill_days=400,
                known_users=known,
            ),
            "2 listings (+1 OAuth token)",
        )


def stackexchange() -> None:
    data = StackExchangeData(build_community(community_end(), people=400))
    with FakeServer(FakeStackExchange(data)) as server:
        settings = StackExchangeSettings(base_url=server.url, key="bench")
        report(
            "stackexchange",
            server,
            lambda known: StackExchangeConnector(
                settings, tags=["acacia"], backfill_days=400, known_users=known
            ),
            "1 tag (+1 site check)",
        )


def discord() -> None:
    from connectors.core.source import Secrets
    from connectors.sources.discord.source import DiscordSource, build
    from sample.discord import DEMO as DISCORD
    from sample.discord import FakeDiscord
    from sample.discord_data import DiscordData

    data = DiscordData(build_community(community_end(), people=400), messages_per_day=6)
    with FakeServer(FakeDiscord(data, limit=10_000)) as server:
        settings = DiscordSource(**DISCORD.settings(server.url), backfill_days=400)
        threads = {t.id for t in data.threads}
        activities, log = report(
            "discord",
            server,
            lambda known: build(settings, Secrets(token="bench"), None),
            f"{len(data.readable())} channels",
        )
        reads = sum(r.path.split("/")[-2] in threads for r in log)
        print(
            f"  thread reads aside ({reads} threads, one request each): "
            f"{1000 * (len(log) - reads) / activities:.1f} requests per 1,000 messages "
            "(target <= 12)"
        )


def mailing_lists() -> None:
    from connectors.core.source import Secrets
    from connectors.sources.mailing_lists.source import MailingListsSource, build

    data = MailingListData(build_community(community_end(), people=400), threads_per_week=16)
    with FakeServer(FakeMailingLists(data)) as server:
        settings = MailingListsSource(**LISTS.settings(server.url), backfill_days=400)
        report(
            "mailing_lists",
            server,
            lambda known: build(settings, Secrets(token="bench"), None),
            "2 lists",
        )


def meetup() -> None:
    from connectors.core.source import Secrets
    from connectors.sources.meetup.source import MeetupSource, connector
    from sample.meetup import DEMO as MEETUP
    from sample.meetup import FakeMeetup
    from sample.meetup_data import MeetupData

    community = build_community(community_end(), people=400)
    with FakeServer(FakeMeetup(MeetupData(community))) as server:
        settings = MeetupSource(**MEETUP.settings(server.url), backfill_days=400)

        def make(known):
            found = connector(settings, Secrets(token="bench"))
            found.today = community.end.date()
            return found

        report("meetup", server, make, "1 group")


def calendars() -> None:
    """Listings, not activities: requests per feed on a first and a quiet sync."""
    import tempfile

    from connectors.core.source import Secrets
    from connectors.sources.calendars.source import CalendarsSource, build
    from sample.calendars import FakeCalendars, settings, write_feed_file
    from sample.calendars_data import CalendarData

    community = build_community(community_end(), people=400)
    with (
        FakeServer(FakeCalendars(CalendarData(community))) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        write_feed_file(community, Path(tmp))
        source = CalendarsSource(**settings(server.url)).relative_to(Path(tmp))
        state: dict = {}
        for run in ("first sync", "second sync, nothing new"):
            connector = build(source, Secrets(), None)
            connector.today = community.end.date()
            listings = 0
            for batch in connector.sync(state):
                listings += len(batch.listings)
                state[batch.key] = batch.state
            assert not connector.problems, connector.problems
            print(
                f"calendars: {run}: {listings} listings from {len(source.feeds)} feeds, "
                f"{connector.requests} requests ({len(server.api.requests_to())} HTTP; "
                "the file feed is read from disk only when it changed)"
            )
            server.api.reset_log()


def main() -> None:
    github()
    slack()
    discourse()
    reddit()
    stackexchange()
    mailing_lists()
    discord()
    meetup()
    calendars()


if __name__ == "__main__":
    main()
