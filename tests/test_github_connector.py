"""The GitHub connector against the fake GitHub API (real PyGithub, real HTTP)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest

from connectors.core.errors import RateLimitStop, SourceError
from connectors.sources.github import GitHubClient, GitHubConnector
from connectors.sources.github.connector import STREAMS, Batch
from sample.github_data import GitHubData
from tests.conftest import community_end, drive, fast_settings
from tests.shapes import shape


def run(client: GitHubClient, state: dict, **kwargs: object) -> tuple[list[Batch], GitHubConnector]:
    """One sync; commits each batch's state into ``state`` as the landing zone would."""
    connector = GitHubConnector(
        client, organizations=["acacia-sample"], backfill_days=400, **kwargs
    )
    return drive(connector, state), connector


def type_counts(batches: list[Batch]) -> Counter:
    return Counter(a.type for b in batches for a in b.activities)


def activity_ids(batches: list[Batch]) -> list[str]:
    return [a.activity_id for b in batches for a in b.activities]


def test_full_sync_reads_every_page_of_every_stream(github_client, github_data, fake_github):
    batches, connector = run(github_client, {})
    assert connector.problems == []
    assert type_counts(batches) == github_data.expected_counts()
    ids = activity_ids(batches)
    assert len(ids) == len(set(ids)), "an activity was yielded twice"
    # Deleted accounts' work counts for GitHub's ghost (the sample holds two).
    ghost = sum(a.actor == "10137" for b in batches for a in b.activities)
    assert ghost == sum(p.is_deleted for _, p, _ in github_data.activities()) > 0
    # Several pages were followed through Link headers (150 issues > 100 per page).
    issue_pages = [
        r
        for r in fake_github.api.requests_to("/repos/acacia-sample/core/issues")
        if "comments" not in r.path and "events" not in r.path
    ]
    assert len(issue_pages) == 2
    assert "page=2" in issue_pages[1].query


def test_identities_carry_profiles_and_bots_are_flagged(github_client, github_data):
    batches, _ = run(github_client, {})
    identities = {i.username: i for b in batches for i in b.identities}
    person = next(
        p
        for p in github_data.community.people
        if p.login in identities and p.company and p.key % 3 == 0
    )
    identity = identities[person.login]
    assert identity.has_profile
    assert (identity.display_name, identity.company, identity.email) == (
        person.name,
        person.company,
        person.email,
    )
    assert identities["dependabot[bot]"].is_bot
    assert not identities["dependabot[bot]"].has_profile  # no profile look-up for bots
    actors = {a.actor for b in batches for a in b.activities}
    assert actors == {i.source_user_id for i in identities.values()}


def test_profiles_are_looked_up_once_and_not_again_when_known(github_client, fake_github):
    batches, _ = run(github_client, {})
    # Profiles come 100 at a time through GraphQL's nodes(ids:), each id asked once.
    assert fake_github.api.requests_to("/users/") == []
    asked = [
        node_id
        for r in profile_queries(fake_github)
        for node_id in json.loads(r.body)["variables"]["ids"]
    ]
    assert asked and len(asked) == len(set(asked))
    assert all(
        len(json.loads(r.body)["variables"]["ids"]) <= 100 for r in profile_queries(fake_github)
    )
    known = {i.source_user_id for b in batches for i in b.identities if i.has_profile}
    assert len(known) == len(asked)
    fake_github.api.reset_log()
    state: dict = {}
    run(github_client, state, known_profiles=known)
    assert profile_queries(fake_github) == []


def profile_queries(fake_github) -> list:
    return [r for r in fake_github.api.requests_to("/graphql") if "nodes(ids:" in r.body]


def test_profiles_fall_back_to_rest_where_graphql_refuses(github_client, github_data, fake_github):
    """A GitHub Enterprise whose GraphQL lacks ``nodes(ids:)`` (or refuses it): the
    profiles are read through REST's ``/users/{login}``, and are the same (but for the
    profile's social accounts, which REST keeps apart, a request per user)."""
    batches, _ = run(github_client, {})
    by_graphql = {i.source_user_id: i for b in batches for i in b.identities}
    fake_github.api.inject("graphql_refused", path="/graphql", body="nodes(ids:")
    fake_github.api.reset_log()
    batches, connector = run(github_client, {})
    by_rest = {i.source_user_id: i for b in batches for i in b.identities}
    assert connector.problems == []
    assert len(profile_queries(fake_github)) == 1  # tried once, then REST for the run
    assert len(fake_github.api.requests_to("/users/")) == sum(
        i.has_profile for i in by_rest.values()
    )
    social = {k for k, i in by_graphql.items() if i.extra.get("social_accounts")}
    assert social, "the sample links some Reddit accounts"
    for identity in by_graphql.values():
        identity.extra.pop("social_accounts", None)
    assert by_rest == by_graphql


def test_second_sync_with_nothing_new_costs_one_request_per_stream(github_client, fake_github):
    state: dict = {}
    run(github_client, state)
    for attempt in range(2):  # the first re-run primes ETags, the second hits them
        fake_github.api.reset_log()
        batches, connector = run(github_client, state)
        assert activity_ids(batches) == [], f"run {attempt + 2} landed something"
        assert connector.problems == []
        requests = fake_github.api.requests_to()
        per_repo = Counter(r.path.split("/")[3] for r in requests if r.path.startswith("/repos"))
        assert set(per_repo.values()) == {len(STREAMS) - 1}  # reviews go through /graphql
        assert len(fake_github.api.requests_to("/graphql")) == 2
        assert len(requests) == 1 + 2 * len(STREAMS)  # + the organization's repo list
    # The third run answered from ETags: 304s, which GitHub does not charge for.
    assert sum(r.status == 304 for r in fake_github.api.requests_to()) >= 8


def test_incremental_sync_fetches_only_what_changed(github_client, github_data, fake_github):
    state: dict = {}
    first, _ = run(github_client, state)
    known = {i.source_user_id for b in first for i in b.identities if i.has_profile}
    people = github_data.community.people
    when = community_end() + timedelta(hours=1)
    comment = github_data.add_issue_comment("acacia-sample/core", 3, people[5], when)
    issue = github_data.add_issue("acacia-sample/docs", people[6], when)
    github_data.add_star("acacia-sample/docs", people[7], when)
    fake_github.api.reset_log()
    batches, connector = run(github_client, state, known_profiles=known)
    assert connector.problems == []
    got = sorted(activity_ids(batches))
    # The commented issue is re-read (its updated_at moved), so its opened activity (and,
    # for a pull request, its merge and reviews) come again; staging keeps one copy.
    # Nothing else is re-read.
    core = github_data.repos["acacia-sample/core"]
    core_issue = core.issues[3]
    again = [f"{'pr' if core_issue.is_pr else 'issue'}_opened:{core_issue.id}"]
    if core_issue.merged_at:
        again.append(f"pr_merged:{core_issue.id}")
    again += [f"pr_review:{r.id}" for r in core.reviews if r.pr_number == 3]
    expected = sorted(
        [
            f"issue_comment:{comment.id}",
            f"issue_opened:{issue.id}",
            f"star:acacia-sample/docs:{1000 + 7}",
            *again,
        ]
    )
    assert got == expected
    new_people = {str(1000 + p.key) for p in people[5:8]} - known
    assert len(fake_github.api.requests_to()) == 1 + 2 * len(STREAMS) + len(new_people)


@pytest.mark.parametrize(
    "kind", ["rate_limit_429", "secondary_403", "server_error", "malformed", "slow"]
)
def test_transient_faults_are_recovered_without_loss(kind, fake_github, github_data):
    client = GitHubClient(fast_settings(fake_github.url, timeout=1))
    params = {"seconds": 2.5} if kind == "slow" else {}
    fake_github.api.inject(
        kind, path="/repos/acacia-sample/core/issues/comments", times=2, **params
    )
    batches, connector = run(client, {})
    assert connector.problems == []
    assert type_counts(batches) == github_data.expected_counts()
    assert fake_github.api.faults == [], "the faults were not all hit"


def test_persistent_failure_of_one_stream_is_reported_and_the_rest_lands(fake_github, github_data):
    client = GitHubClient(fast_settings(fake_github.url, retries=2))
    fake_github.api.inject(
        "server_error", path="/repos/acacia-sample/docs/pulls/comments", times=50
    )
    state: dict = {}
    batches, connector = run(client, state)
    assert len(connector.problems) == 1
    message = str(connector.problems[0])
    assert "[github]" in message and "/repos/acacia-sample/docs/pulls/comments" in message
    assert "502" in message and "Fix:" in message
    assert "acacia-sample/docs:review_comments" not in state  # its cursor did not move
    expected = github_data.expected_counts()
    docs_review_comments = len(github_data.repos["acacia-sample/docs"].review_comments)
    assert (
        type_counts(batches)["review_comment"] == expected["review_comment"] - docs_review_comments
    )
    # Once GitHub recovers, the next run fetches exactly what was missing.
    fake_github.api.faults.clear()
    batches, connector = run(client, state)
    assert connector.problems == []
    assert type_counts(batches) == {"review_comment": docs_review_comments}


def test_spent_rate_limit_stops_cleanly_and_the_next_run_resumes(fake_github, github_data):
    client = GitHubClient(fast_settings(fake_github.url, max_rate_limit_wait=2))
    fake_github.api.inject(
        "primary_exhausted", path="/repos/acacia-sample/docs/issues", reset_in=3600
    )
    state: dict = {}
    first, connector = run(client, state)
    assert len(connector.problems) == 1
    assert isinstance(connector.problems[0], RateLimitStop)
    assert "resets in" in str(connector.problems[0])
    assert not any(key.startswith("acacia-sample/docs") for key in state)
    # The quota comes back; the next run picks up where the first stopped.
    fake_github.api.used = 0
    second, connector = run(client, state)
    assert connector.problems == []
    ids = activity_ids(first) + activity_ids(second)
    assert len(ids) == len(set(ids))
    assert type_counts(first + second) == github_data.expected_counts()


def test_short_rate_limit_reset_is_waited_for(fake_github, github_data):
    client = GitHubClient(fast_settings(fake_github.url, max_rate_limit_wait=10))
    fake_github.api.inject("primary_exhausted", path="/repos/acacia-sample/core/issues", reset_in=1)
    batches, connector = run(client, {})
    assert connector.problems == []
    assert type_counts(batches) == github_data.expected_counts()


def test_bad_token_is_reported_with_the_fix(fake_github):
    client = GitHubClient(fast_settings(fake_github.url, token="wrong"))
    _, connector = run(client, {})
    assert len(connector.problems) == 1
    assert "Bad credentials" in str(connector.problems[0])
    assert "token_env" in str(connector.problems[0])
    assert "wrong" not in str(connector.problems[0])


def test_unknown_repository_is_reported_and_others_continue(github_client, github_data):
    connector = GitHubConnector(
        github_client, repositories=["acacia-sample/nope", "acacia-sample/docs"], backfill_days=400
    )
    batches = list(connector.sync({}))
    assert connector.problems and all(
        "acacia-sample/nope" in str(p) or "repository" in str(p) for p in connector.problems
    )
    docs = github_data.repos["acacia-sample/docs"]
    assert type_counts(batches)["issue_comment"] == len(docs.issue_comments)


def test_stars_resume_from_the_last_page(fake_github, github_data):
    client = GitHubClient(fast_settings(fake_github.url, per_page=10))
    state: dict = {}
    run(client, state)
    page = state["acacia-sample/core:stargazers"]["page"]
    assert page > 1
    person = github_data.community.people[3]
    github_data.add_star("acacia-sample/core", person, community_end() + timedelta(hours=2))
    fake_github.api.reset_log()
    batches, _ = run(client, state)
    assert activity_ids(batches) == [f"star:acacia-sample/core:{1000 + person.key}"]
    star_requests = fake_github.api.requests_to("/repos/acacia-sample/core/stargazers")
    assert len(star_requests) <= 2 and f"page={page}" in star_requests[0].query


def test_source_error_names_source_and_fix():
    error = SourceError("github", "Something broke.", "Do this.")
    assert str(error) == "[github] Something broke. Fix: Do this."


def test_sample_community_is_deterministic():
    from sample.community import build_community

    def draw(seed: int) -> GitHubData:
        return GitHubData(
            build_community(community_end(), people=60, seed=seed), repos=(("core", 40),)
        )

    first, second, other = draw(7), draw(7), draw(8)
    assert [(k, p.login, w) for k, p, w in first.activities()] == [
        (k, p.login, w) for k, p, w in second.activities()
    ]
    assert [p.login for p in first.community.people] != [p.login for p in other.community.people]


def test_deleted_accounts_are_the_ghost_and_their_activities_count():
    """Shapes of GitHub's documented payloads for a deleted account: a review comment
    whose ``user`` is null (``nullable-simple-user``) and whose review id is null, an
    issue whose user is ``{}``, an issue event without an actor. Each is credited to
    GitHub's ghost (one identity, flagged deleted); none stops the sync."""
    from connectors.sources.github.connector import GHOST, GitHubConnector

    connector = GitHubConnector(None, repositories=["o/r"])  # no request is made
    comment = {
        "id": 11,
        "pull_request_review_id": None,
        "user": None,
        "created_at": "2026-05-01T10:00:00Z",
        "html_url": "https://github.com/o/r/pull/3#discussion_r11",
        "pull_request_url": "https://api.github.com/repos/o/r/pulls/3",
        "body": "old comment",
    }
    (activity,) = connector._comment_activities("o/r", comment)
    assert activity.actor == str(GHOST["id"]) and activity.parent_id is None
    assert activity.type == "review_comment" and activity.thread_id == "o/r#3"
    issue = {
        "id": 5,
        "number": 4,
        "user": {},
        "state": "open",
        "title": "From someone gone",
        "created_at": "2026-05-02T10:00:00Z",
        "html_url": "https://github.com/o/r/issues/4",
    }
    assert [a.actor for a in connector._issue_activities("o/r", issue)] == [str(GHOST["id"])]
    identities = connector._identities([comment, issue, {"actor": None}], "user")
    assert len(identities) == 1  # one ghost, however many items
    ghost = identities[0]
    assert ghost.source_user_id == str(GHOST["id"]) and ghost.username == "ghost"
    assert ghost.is_deleted and not ghost.has_profile
    comment["pull_request_review_id"] = 77
    assert connector._comment_activities("o/r", comment)[0].parent_id == "pr_review:77"


def test_a_review_by_a_deleted_account_counts_for_the_ghost():
    """GraphQL gives a deleted reviewer as ``"author": null`` (documented): the review
    still counts, credited to the ghost, instead of being dropped."""
    from connectors.sources.github.connector import GHOST, GitHubConnector

    class GraphQLOnly:
        requests = 0

        def graphql(self, query, variables):
            review = {
                "databaseId": 9,
                "author": None,
                "submittedAt": "2026-05-03T08:00:00Z",
                "state": "APPROVED",
                "url": "https://github.com/o/r/pull/3#pullrequestreview-9",
            }
            pull = {
                "number": 3,
                "updatedAt": "2026-05-03T08:00:00Z",
                "url": "https://github.com/o/r/pull/3",
                "reviews": {"nodes": [review]},
            }
            page = {"nodes": [pull], "pageInfo": {"hasNextPage": False, "endCursor": None}}
            return {"repository": {"pullRequests": page}}

    connector = GitHubConnector(GraphQLOnly(), repositories=["o/r"])
    batches = list(connector._reviews("o/r", {}))
    activities = [a for b in batches for a in b.activities]
    assert [(a.type, a.actor) for a in activities] == [("pr_review", str(GHOST["id"]))]
    assert [i.username for b in batches for i in b.identities] == ["ghost"]


#: The users in tests/github/*.json, as if their profiles were landed already.
KNOWN = {"583231", "480938", "2"}


class ScriptedGraphQL:
    """A client that answers GraphQL from recorded shapes and counts what was asked."""

    requests = 0

    def __init__(self, pulls: dict, more: dict | None = None) -> None:
        self.pulls, self.more, self.asked = pulls, more, []

    def graphql(self, query, variables):
        self.asked.append(variables)
        if "pullRequests" in query:
            return shape("github", "pull_requests_with_reviews")["data"] if self.pulls else {}
        return self.more["data"]


def test_reviews_past_the_first_hundred_of_a_pull_request_are_paged():
    """A pull request with more reviews than ``reviews(first: 100)`` returns has
    ``reviews.pageInfo.hasNextPage``: the rest are read from its endCursor."""
    client = ScriptedGraphQL(True, shape("github", "more_reviews"))
    connector = GitHubConnector(
        client, repositories=["o/r"], backfill_days=10_000, known_profiles=KNOWN
    )
    batches = list(connector._reviews("o/r", {}))
    ids = sorted(a.activity_id for b in batches for a in b.activities)
    # 702 is pending (no submittedAt), so not an activity.
    assert ids == [f"pr_review:{n}" for n in (501, 601, 602, 701, 703)]
    (more,) = [v for v in client.asked if "number" in v]
    assert more["number"] == 7 and more["cursor"].startswith("Y3Vyc29y")


def test_a_pull_request_updated_in_the_cursors_second_is_not_skipped():
    """Timestamps are whole seconds: PR 5 was updated in the same second as PR 6. A run
    that had read only PR 6 (the saved cursor) reads PR 5 on the next run, and a run that
    had read both reads neither again."""
    client = ScriptedGraphQL(True, shape("github", "more_reviews"))
    connector = GitHubConnector(
        client, repositories=["o/r"], backfill_days=10_000, known_profiles=KNOWN
    )
    saved = {"cursor": "2026-05-01T10:00:00Z", "seen": ["6"]}
    batches = list(connector._reviews("o/r", saved))
    ids = sorted(a.activity_id for b in batches for a in b.activities)
    assert ids == ["pr_review:501", "pr_review:701", "pr_review:703"]
    assert batches[-1].state == {"cursor": "2026-05-03T09:00:00Z", "seen": ["7"]}
    again = GitHubConnector(
        client, repositories=["o/r"], backfill_days=10_000, known_profiles=KNOWN
    )
    batches = list(again._reviews("o/r", {"cursor": "2026-05-01T10:00:00Z", "seen": ["5", "6"]}))
    assert sorted(a.activity_id for b in batches for a in b.activities) == [
        "pr_review:701",
        "pr_review:703",
    ]
    # Nothing newer than a cursor already at the newest pull request: nothing again.
    quiet = GitHubConnector(
        client, repositories=["o/r"], backfill_days=10_000, known_profiles=KNOWN
    )
    batches = list(quiet._reviews("o/r", batches[-1].state))
    assert [a for b in batches for a in b.activities] == []
    assert batches[-1].state == {"cursor": "2026-05-03T09:00:00Z", "seen": ["7"]}


def test_a_run_killed_mid_stream_leaves_no_activity_without_its_actor(github_client, github_data):
    """Profiles are read 100 at a time, so a page's users can wait for a later request.
    A run killed in between must not have moved the cursor past activities whose actors
    were never landed: the next run reads those pages again."""
    state: dict = {}
    first = drive(
        GitHubConnector(github_client, organizations=["acacia-sample"], backfill_days=400),
        state,
        limit=1,
    )
    assert first[0].activities and first[0].state is None  # its users' profiles pending
    assert state == {}
    landed = {i.source_user_id for b in first for i in b.identities}
    second, _ = run(github_client, state, known_profiles=landed)
    landed |= {i.source_user_id for b in second for i in b.identities}
    actors = {a.actor for b in first + second for a in b.activities}
    assert actors <= landed


def test_timestamps_with_and_without_fractions_and_zones_and_pages_out_of_order():
    """GitHub sends whole seconds in ``Z``; other APIs (and GitHub Enterprise proxies)
    send fractions or offsets. A page whose items are not in ``updated_at`` order lands
    every item, and the cursor is the newest, with every item of its second."""
    from connectors.core.clock import utc
    from connectors.sources.github.client import Page

    assert utc("2026-05-01T10:00:00Z") == utc("2026-05-01T10:00:00.000Z")
    assert utc("2026-05-01T12:00:00+02:00") == utc("2026-05-01T10:00:00Z")
    assert utc("2026-05-01T10:00:00.123456Z").microsecond == 123456
    assert utc("2026-05-01T10:00:00").tzinfo is not None  # no zone: UTC

    def comment(n: int, updated: str) -> dict:
        return {
            "id": n,
            "user": {"id": 7, "login": "octocat", "type": "User"},
            "created_at": updated,
            "updated_at": updated,
            "html_url": f"https://github.com/o/r/issues/1#issuecomment-{n}",
            "issue_url": "https://api.github.com/repos/o/r/issues/1",
        }

    class OnePage:
        requests = 0

        def pages(self, url, params=None, etag=None, accept=None):
            yield Page(
                [
                    comment(3, "2026-05-02T10:00:00Z"),
                    comment(1, "2026-05-01T10:00:00Z"),
                    comment(4, "2026-05-02T10:00:00Z"),
                    comment(2, "2026-05-01T11:00:00Z"),
                ],
                {"etag": '"abc"'},
            )

    connector = GitHubConnector(OnePage(), repositories=["o/r"], known_profiles={"7"})
    connector.backfill_start = "2026-01-01T00:00:00Z"
    (batch,) = list(connector._issue_comments("o/r", {}))
    assert sorted(a.activity_id for a in batch.activities) == [
        f"issue_comment:{n}" for n in (1, 2, 3, 4)
    ]
    assert batch.state["cursor"] == "2026-05-02T10:00:00Z"
    assert batch.state["seen"] == ["3", "4"]
