"""The Reddit connector against the fake Reddit (real praw and prawcore, real HTTP)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from connectors.core.errors import RateLimitStop
from connectors.sources.reddit import RedditConnector, RedditSettings, make_reddit
from sample import FakeServer
from sample.reddit import LISTING_CAP
from sample.reddit_data import RedditData
from tests.conftest import REDDIT_ID, REDDIT_SECRET, community_end, drive


def run(
    server: FakeServer,
    state: dict,
    limit: int | None = None,
    client_id: str = REDDIT_ID,
    **overrides: object,
):
    settings = RedditSettings(
        client_id=client_id,
        client_secret=REDDIT_SECRET,
        oauth_url=server.url,
        reddit_url=server.url,
        max_rate_limit_wait=5,
        backoff=0.01,
        **overrides,
    )
    connector = RedditConnector(
        make_reddit(settings), settings, subreddits=["acacia"], backfill_days=400
    )
    return drive(connector, state, limit), connector


def ids(batches) -> list[str]:
    return [a.activity_id for b in batches for a in b.activities]


def expected(data: RedditData) -> Counter:
    return Counter(kind for kind, _, _ in data.activities())


def test_full_sync_reads_posts_and_comments_deleted_authors_under_the_ghost(
    fake_reddit, reddit_data
):
    batches, connector = run(fake_reddit, {})
    assert connector.problems == []
    assert Counter(a.type for b in batches for a in b.activities) == expected(reddit_data)
    assert len(ids(batches)) == len(set(ids(batches)))
    deleted = sum(t.author is None for t in reddit_data.things)
    assert deleted  # deleted authors were there, and their items count for the ghost
    assert sum(a.actor == "[deleted]" for b in batches for a in b.activities) == deleted
    identities = {i.username: i for b in batches for i in b.identities}
    assert set(identities) == {t.author.name for t in reddit_data.things if t.author} | {
        "[deleted]"
    }
    assert identities["[deleted]"].is_deleted and not identities["[deleted]"].has_profile
    comment = next(a for b in batches for a in b.activities if a.type == "comment")
    assert comment.thread_id.startswith("t3_") and comment.parent_id
    # praw asked for a token first, with the client credentials.
    assert fake_reddit.api.log[0].path == "/api/v1/access_token"


def test_incremental_sync_pages_newer_items_with_before(fake_reddit, reddit_data):
    state: dict = {}
    run(fake_reddit, state)
    fake_reddit.api.reset_log()
    batches, _ = run(fake_reddit, state)
    assert ids(batches) == []
    listings = [r for r in fake_reddit.api.requests_to("/r/")]
    assert len(listings) == 2 and all("before=" in r.query for r in listings)
    person = next(iter(reddit_data.users))
    now = community_end() + timedelta(hours=1)
    post = reddit_data.add("t3", person, now)
    comment = reddit_data.add("t1", person, now + timedelta(minutes=5), post_id=post.id)
    batches, _ = run(fake_reddit, state)
    assert sorted(ids(batches)) == sorted([post.fullname, comment.fullname])


def test_listings_stop_near_a_thousand_items(fake_reddit, reddit_data):
    """A first sync of a busy subreddit cannot see past Reddit's listing cap."""
    person = next(iter(reddit_data.users))
    start = community_end() - timedelta(days=30)
    post = reddit_data.add("t3", person, start)
    for minute in range(LISTING_CAP + 50):
        reddit_data.add("t1", person, start + timedelta(minutes=minute), post_id=post.id)
    batches, connector = run(fake_reddit, {})
    assert connector.problems == []
    assert Counter(a.type for b in batches for a in b.activities)["comment"] <= LISTING_CAP


def test_rate_limit_429_is_waited_for_and_the_sync_goes_on(fake_reddit, reddit_data):
    fake_reddit.api.inject("rate_limit_429", path="/r/acacia/comments", times=1)
    batches, connector = run(fake_reddit, {})
    assert connector.problems == []
    assert Counter(a.type for b in batches for a in b.activities) == expected(reddit_data)
    assert any(r.status == 429 for r in fake_reddit.api.requests_to("/comments"))


def test_long_rate_limit_stops_cleanly_and_resumes(fake_reddit, reddit_data):
    fake_reddit.api.inject("rate_limit_429", path="/r/acacia/comments", times=1, retry_after=3600)
    state: dict = {}
    first, connector = run(fake_reddit, state)
    assert isinstance(connector.problems[0], RateLimitStop)
    second, connector = run(fake_reddit, state)
    assert connector.problems == []
    both = ids(first) + ids(second)
    assert len(both) == len(set(both))
    assert Counter(a.type for b in first + second for a in b.activities) == expected(reddit_data)


def test_server_errors_and_malformed_bodies_are_retried(fake_reddit, reddit_data):
    fake_reddit.api.inject("server_error", path="/r/acacia/new", times=3)
    fake_reddit.api.inject("malformed", path="/r/acacia/comments", times=1)
    batches, connector = run(fake_reddit, {})
    assert connector.problems == []
    assert Counter(a.type for b in batches for a in b.activities) == expected(reddit_data)


def test_an_interrupted_backfill_resumes_without_duplicates(fake_reddit, reddit_data):
    state: dict = {}
    first, _ = run(fake_reddit, state, limit=2)  # killed after two pages of posts
    assert state["acacia:posts"]["after"] and state["acacia:posts"].get("cursor") is None
    second, _ = run(fake_reddit, state)
    both = ids(first) + ids(second)
    assert len(both) == len(set(both))
    assert Counter(a.type for b in first + second for a in b.activities) == expected(reddit_data)


def test_wrong_app_credentials_are_reported(fake_reddit):
    _, connector = run(fake_reddit, {}, client_id="someone-else")
    message = str(connector.problems[0])
    assert "client_id_env" in message and REDDIT_SECRET not in message


def test_malformed_bodies_in_a_row_are_retried_under_the_one_policy(fake_reddit, reddit_data):
    """Two cut-off bodies in a row are retried like any transient failure (not an
    "unexpected JSONDecodeError"); past the retries, a clear report names the listing."""
    fake_reddit.api.inject("malformed", path="/r/acacia/new", times=2)
    batches, connector = run(fake_reddit, {})
    assert connector.problems == []
    assert Counter(a.type for b in batches for a in b.activities) == expected(reddit_data)
    fake_reddit.api.inject("malformed", path="/r/acacia/new", times=50)
    _, connector = run(fake_reddit, {})
    assert connector.problems, "a listing that is never readable must be reported"
    assert all("unexpected" not in str(p) for p in connector.problems)
    assert any("malformed" in p.problem or "not JSON" in p.problem for p in connector.problems)


def test_real_shapes_deleted_removed_and_unreadable_comments():
    """A listing as Reddit sends it, turned into praw's own objects (praw's objector): a
    deleted account's comment counts for the ghost, a removed one for its author, and a
    comment without ``created_utc`` is set aside while the others are read."""
    import praw

    from connectors.sources.reddit import RedditConnector, RedditSettings
    from tests.shapes import shape

    reddit = praw.Reddit(client_id="x", client_secret="y", user_agent="acacia tests")
    listing = reddit._objector.objectify(data=shape("reddit", "comments_deleted_and_removed"))
    settings = RedditSettings(client_id="x", client_secret="y")
    connector = RedditConnector(reddit, settings, subreddits=["acacia"])
    activities, identities, rejects = connector._records("acacia", "comments", listing.children)
    assert [(a.activity_id, a.actor) for a in activities] == [
        ("t1_c1", "[deleted]"),
        ("t1_c2", "t2_abc"),
    ]
    assert activities[1].parent_id == "t1_c1" and activities[1].thread_id == "t3_p1"
    assert {i.source_user_id: i.is_deleted for i in identities} == {
        "[deleted]": True,
        "t2_abc": False,
    }
    (reject,) = rejects
    assert reject.reason == "missing field 'created_utc'" and reject.item["id"] == "c3"


def test_a_reddit_that_does_not_answer_fails_within_the_timeout(fake_reddit, reddit_data):
    """sources.reddit.request_timeout_seconds bounds every request (praw hands its own
    timeout to none: prawcore waited 16 s), and a listing that keeps timing out is
    reported as unreachable, not as a malformed answer; the next run reads it all."""
    fake_reddit.api.inject("slow", path="/r/acacia/new", times=10**6, seconds=2)
    _, connector = run(fake_reddit, {}, timeout=0.3, retries=0)
    (problem,) = connector.problems
    assert "Could not reach Reddit" in str(problem) and "malformed" not in str(problem)
    fake_reddit.api.faults.clear()
    batches, connector = run(fake_reddit, {})
    assert connector.problems == []
    assert Counter(a.type for b in batches for a in b.activities) == expected(reddit_data)
