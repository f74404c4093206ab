"""The Discourse connector against the fake forum (real HTTP, Discourse's JSON API)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from connectors.core.errors import RateLimitStop
from connectors.sources.discourse import DiscourseClient, DiscourseConnector, DiscourseSettings
from sample import FakeServer
from sample.discourse_data import DiscourseData
from tests.conftest import DISCOURSE_KEY, community_end, drive
from tests.shapes import shape


def run(
    server: FakeServer,
    state: dict,
    limit: int | None = None,
    key: str = DISCOURSE_KEY,
    **kwargs: object,
):
    client = DiscourseClient(
        DiscourseSettings(base_url=server.url, api_key=key, backoff=0.01, max_rate_limit_wait=5)
    )
    connector = DiscourseConnector(client, backfill_days=400, admin_emails=True, **kwargs)
    return drive(connector, state, limit), connector


def unique(batches) -> dict:
    """Activities by id; topics bumped since the cursor come again with their current
    title (the staging models keep the latest)."""
    return {a.activity_id: a for b in batches for a in b.activities}


def expected(data: DiscourseData) -> Counter:
    return Counter(kind for kind, _, _ in data.activities())


def test_full_sync_reads_topics_replies_solutions_and_users(fake_discourse, discourse_data):
    batches, connector = run(fake_discourse, {})
    assert connector.problems == []
    activities = unique(batches)
    assert Counter(a.type for a in activities.values()) == expected(discourse_data)
    assert {a.channel for a in activities.values()} <= set(discourse_data.categories.values())
    identities = {i.source_user_id: i for b in batches for i in b.identities}
    assert identities["-1"].is_bot and identities["-1"].username == "system"
    staff = {str(u.id) for u in discourse_data.users.values() if u.moderator}
    assert staff and staff & set(identities) <= {k for k, i in identities.items() if i.is_staff}
    person = next(
        u
        for u in discourse_data.users.values()
        if u.person and not u.deleted and str(u.id) in identities
    )
    assert identities[str(person.id)].email == person.email  # the admin key shows emails
    # Pages of 50 posts were followed down with ?before=.
    assert len(fake_discourse.api.requests_to("/posts.json")) > 2


def test_quiet_second_sync_costs_a_request_per_list(fake_discourse):
    state: dict = {}
    first, _ = run(fake_discourse, state)
    known = {i.source_user_id for b in first for i in b.identities}
    fake_discourse.api.reset_log()
    batches, connector = run(fake_discourse, state, known_users=known)
    assert unique(batches) == {} and connector.problems == []
    assert sorted(r.path for r in fake_discourse.api.requests_to()) == [
        "/categories.json",
        "/latest.json",
        "/posts.json",
    ]


def test_new_reply_and_solution_in_a_long_topic_are_picked_up(fake_discourse, discourse_data):
    state: dict = {}
    first, _ = run(fake_discourse, state)
    known = {i.source_user_id for b in first for i in b.identities}
    now = community_end() + timedelta(hours=1)
    topic = next(
        t for t in discourse_data.topics.values() if t.accepted is None and len(t.posts) > 1
    )
    helper = next(u for u in discourse_data.users.values() if u.person and not u.deleted)
    for minute in range(25):  # a long thread: its answer lies past the first 20 posts
        reply = discourse_data.reply(topic.id, helper, now + timedelta(minutes=minute))
    discourse_data.accept(topic.id, reply.post_number, now + timedelta(minutes=30))
    fake_discourse.api.reset_log()
    batches, connector = run(fake_discourse, state, known_users=known)
    assert connector.problems == []
    got = unique(batches)
    solution = got[f"solution:{topic.id}"]
    assert solution.type == "solution_accepted" and solution.actor == str(helper.id)
    assert Counter(a.type for a in got.values()) == {
        "post_reply": 25,
        "solution_accepted": 1,
        "topic_created": 1,
    }
    # The topic view gave 20 posts; the rest came through post_ids[].
    assert len(fake_discourse.api.requests_to(f"/t/{topic.id}/posts.json")) == 1


def test_rate_limits_and_faults_are_recovered(fake_discourse, discourse_data):
    api = fake_discourse.api
    api.inject("rate_limit_429", path="/posts.json", times=1)
    api.inject("rate_limit_429", path="/latest.json", times=1, no_header=True)  # wait_seconds
    api.inject("server_error", path="/posts.json", times=2)
    api.inject("malformed", path="/categories.json", times=1)
    batches, connector = run(fake_discourse, {})
    assert connector.problems == []
    assert Counter(a.type for a in unique(batches).values()) == expected(discourse_data)
    assert api.faults == []


def test_long_rate_limit_stops_cleanly_and_resumes(fake_discourse, discourse_data):
    fake_discourse.api.inject("rate_limit_429", path="/latest.json", times=1, retry_after=3600)
    state: dict = {}
    first, connector = run(fake_discourse, state)
    assert isinstance(connector.problems[0], RateLimitStop)
    assert "wait" in str(connector.problems[0]) or "rate-limited" in str(connector.problems[0])
    second, connector = run(fake_discourse, state)
    assert connector.problems == []
    assert Counter(a.type for a in unique(first + second).values()) == expected(discourse_data)


def test_an_interrupted_walk_resumes_without_duplicates(fake_discourse, discourse_data):
    state: dict = {}
    first, _ = run(fake_discourse, state, limit=3)  # killed after three pages of posts
    assert state["forum:posts"]["pending"]
    second, connector = run(fake_discourse, state)
    assert connector.problems == []
    posts_first = [a.activity_id for b in first for a in b.activities]
    posts_second = [a.activity_id for b in second if b.stream == "posts" for a in b.activities]
    assert not set(posts_first) & set(posts_second), "a post was landed twice"
    assert Counter(a.type for a in unique(first + second).values()) == expected(discourse_data)


def test_bad_key_is_reported_with_the_fix(fake_discourse):
    _, connector = run(fake_discourse, {}, key="wrong-key")
    message = str(connector.problems[0])
    assert "403" in message and "api_key_env" in message and "wrong-key" not in message


def test_only_configured_categories_are_read(fake_discourse, discourse_data):
    batches, connector = run(fake_discourse, {}, categories=["support"])
    assert connector.problems == []
    channels = {a.channel for a in unique(batches).values()}
    assert channels == {"Support"}
    support = next(cid for cid, name in discourse_data.categories.items() if name == "Support")
    expected_topics = sum(t.category_id == support for t in discourse_data.topics.values())
    got = Counter(a.type for a in unique(batches).values())
    assert got["topic_created"] == expected_topics


def test_an_edited_title_is_picked_up_through_the_bump(fake_discourse, discourse_data):
    state: dict = {}
    run(fake_discourse, state)
    topic = next(iter(discourse_data.topics.values()))
    topic.title = "Renamed: how to configure webhooks"
    topic.bumped_at = community_end() + timedelta(hours=2)
    batches, _ = run(fake_discourse, state)
    assert unique(batches)[f"topic:{topic.id}"].title == "Renamed: how to configure webhooks"


class ScriptedForum:
    """A client that answers from recorded shapes (tests/discourse/)."""

    requests = 0

    def __init__(self, answers: dict) -> None:
        self.answers, self.asked = answers, []
        self.settings = DiscourseSettings(base_url="https://forum.example.org", api_key="k")

    def get(self, path, params=None):
        self.asked.append(path)
        return self.answers[path]


def scripted(answers: dict) -> DiscourseConnector:
    connector = DiscourseConnector(ScriptedForum(answers), backfill_days=10_000)
    connector.categories = {2: "support"}
    return connector


def test_a_creator_missing_from_the_listing_is_named_by_the_topic():
    """/latest.json does not always carry the users it mentions: the creator is read
    from the topic's ``details.created_by`` (one request, only then), not landed as a
    user whose username is their numeric id."""
    connector = scripted(
        {
            "/latest.json": shape("discourse", "latest_without_creator"),
            "/t/41.json": shape("discourse", "topic_41"),
        }
    )
    batches = list(connector._topics({}))
    identities = {i.source_user_id: i for b in batches for i in b.identities}
    carla = identities["77"]
    assert (carla.username, carla.display_name) == ("carla_q", "Carla Quispe")
    assert carla.profile_url == "https://forum.example.org/u/carla_q"
    assert carla.avatar_url == (
        "https://forum.example.org/user_avatar/forum.example.org/carla_q/96/88_2.png"
    )
    assert connector.client.asked.count("/t/41.json") == 1
    activities = {a.activity_id: a for b in batches for a in b.activities}
    assert activities["topic:41"].actor == "77"
    assert activities["topic:41"].title == "Import fails on “é” in a column name"


def test_avatar_templates_absolute_relative_and_without_a_slash():
    connector = scripted({"/latest.json": shape("discourse", "latest_without_creator")})
    connector.known_users = {"77"}  # no topic view needed
    batches = list(connector._topics({}))
    avatars = {i.username: i.avatar_url for b in batches for i in b.identities}
    assert avatars == {
        "bo": "https://forum.example.org/user_avatar/forum.example.org/bo/96/12_2.png",
    }
    ana = connector._identity("5", shape("discourse", "latest_without_creator")["users"][0], {})
    assert ana.avatar_url == "https://avatars.discourse-cdn.com/v4/letter/a/8c91f0/96.png"
    sub = DiscourseConnector(ScriptedForum({}))
    sub.client.settings = DiscourseSettings(base_url="https://example.org/forum", api_key="k")
    assert sub._identity(
        "6", {"avatar_template": "/forum/user_avatar/x/bo/{size}/1.png"}, {}
    ).avatar_url == ("https://example.org/forum/user_avatar/x/bo/96/1.png")


def test_a_post_by_a_deleted_user_counts_for_the_forums_ghost():
    """A deleted user's kept posts have ``user_id: null``: the post still counts,
    for one identity flagged deleted, and the walk goes on."""
    page = shape("discourse", "posts_deleted_author")
    connector = scripted({"/posts.json": page})
    connector.client.answers["/posts.json"] = page
    batches = []
    for batch in connector._posts({}):
        batches.append(batch)
        connector.client.answers["/posts.json"] = {"latest_posts": []}
    (activity,) = [a for b in batches for a in b.activities]
    assert activity.actor == "deleted" and activity.type == "post_reply"
    (ghost,) = [i for b in batches for i in b.identities]
    assert ghost.is_deleted and ghost.source_user_id == "deleted" and not ghost.is_bot
