"""The Stack Exchange connector against the fake API 2.3 (real StackAPI, real HTTP)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

from connectors.core.errors import RateLimitStop
from connectors.sources.stackexchange import StackExchangeConnector, StackExchangeSettings
from sample import FakeServer
from sample.stackexchange_data import StackExchangeData
from tests.conftest import community_end, drive
from tests.shapes import shape


def run(server: FakeServer, state: dict, limit: int | None = None, **overrides: object):
    settings = StackExchangeSettings(
        base_url=server.url, key="app-key", backoff=0.01, **{"max_pages": 2, **overrides}
    )
    connector = StackExchangeConnector(settings, tags=["acacia"], backfill_days=400)
    return drive(connector, state, limit), connector


def expected(data: StackExchangeData) -> Counter:
    return Counter(kind for kind, _, _ in data.activities())


def ids(batches) -> list[str]:
    return [a.activity_id for b in batches for a in b.activities]


def test_full_sync_reads_questions_answers_acceptances_and_comments(
    fake_stackexchange, stackexchange_data
):
    batches, connector = run(fake_stackexchange, {})
    assert connector.problems == []
    assert Counter(a.type for b in batches for a in b.activities) == expected(stackexchange_data)
    assert len(ids(batches)) == len(set(ids(batches)))
    identities = {i.source_user_id: i for b in batches for i in b.identities}
    user = next(
        u for u in stackexchange_data.users.values() if str(u.user_id) in identities and u.location
    )
    identity = identities[str(user.user_id)]
    assert (identity.display_name, identity.location, identity.extra["reputation"]) == (
        user.display_name,
        user.location,
        user.reputation,
    )
    assert identity.profile_url.endswith(f"/users/{user.user_id}")
    # Deleted accounts' posts count for one ghost; titles arrive HTML-encoded, land decoded.
    deleted = [u for u in stackexchange_data.users.values() if u.deleted]
    assert deleted and identities["deleted"].is_deleted
    assert not any(str(u.user_id) in identities for u in deleted)
    titles = {a.title for b in batches for a in b.activities if a.type == "question"}
    truth = {q.title for q in stackexchange_data.questions.values()}
    assert titles == truth and any('"' in t or "&" in t for t in titles)
    # The question list took more than one page (pagesize 100).
    pages = [
        r
        for r in fake_stackexchange.api.requests_to("/2.3/questions/")
        if "/answers" not in r.path and "/comments" not in r.path
    ]
    assert len(pages) >= 2


def test_nothing_stops_early_when_pages_run_past_max_pages(fake_stackexchange, stackexchange_data):
    """With StackAPI limited to one page per call, the connector keeps going while
    has_more says there is more."""
    batches, connector = run(fake_stackexchange, {}, max_pages=1)
    assert connector.problems == []
    assert Counter(a.type for b in batches for a in b.activities) == expected(stackexchange_data)


def test_second_sync_with_nothing_new_costs_one_call(fake_stackexchange, stackexchange_data):
    state: dict = {}
    run(fake_stackexchange, state)
    fake_stackexchange.api.reset_log()
    batches, _ = run(fake_stackexchange, state)
    assert ids(batches) == []
    assert [r.path for r in fake_stackexchange.api.requests_to()] == [
        "/2.3/sites/",
        "/2.3/questions/",
    ]
    question = next(iter(stackexchange_data.questions.values()))
    person = next(iter(stackexchange_data.users))
    answer = stackexchange_data.answer(
        question.question_id, person, community_end() + timedelta(hours=1)
    )
    batches, _ = run(fake_stackexchange, state)
    assert f"answer:{answer.answer_id}" in ids(batches)
    assert {a.type for b in batches for a in b.activities} <= {
        "question",
        "answer",
        "answer_accepted",
        "comment",
    }


def test_throttle_errors_are_retried_and_backoff_honoured(fake_stackexchange, stackexchange_data):
    api = fake_stackexchange.api
    api.inject("throttle", path="/answers", times=1)
    api.inject("malformed", path="/users", times=1)
    api.inject("server_error", path="/comments", times=1)
    api.inject("backoff", path="/2.3/questions/", times=1, seconds=1)
    started = time.monotonic()
    batches, connector = run(fake_stackexchange, {})
    assert connector.problems == []
    assert time.monotonic() - started >= 1  # StackAPI slept the backoff it was given
    assert Counter(a.type for b in batches for a in b.activities) == expected(stackexchange_data)


def test_sync_stops_cleanly_before_the_daily_quota_runs_out(fake_stackexchange, stackexchange_data):
    fake_stackexchange.api.inject("quota_low", path="/2.3/questions/", times=1, remaining=40)
    state: dict = {}
    first, connector = run(fake_stackexchange, state, quota_reserve=50)
    assert len(connector.problems) == 1 and isinstance(connector.problems[0], RateLimitStop)
    assert "quota" in str(connector.problems[0]) and "app-key" not in str(connector.problems[0])
    fake_stackexchange.api.quota = 10_000  # the next day
    second, connector = run(fake_stackexchange, state, quota_reserve=50)
    assert connector.problems == []
    assert Counter(a.type for b in first + second for a in b.activities) == expected(
        stackexchange_data
    )


def test_an_unknown_site_is_explained(fake_stackexchange):
    _, connector = run(fake_stackexchange, {}, site="stackoverfloww")
    assert "not a Stack Exchange site" in str(connector.problems[0])


def test_real_shapes_links_entities_moderators_and_repeats():
    """Shapes from the API's documentation: a question on a dotted site (pt.stackoverflow)
    carries its own link; titles and names are HTML-encoded; a moderator is staff; the
    same question on two pages of one fetch is read once."""
    from connectors.sources.stackexchange.connector import (
        StackExchangeConnector,
        StackExchangeSettings,
    )

    page = shape("stackexchange", "questions_dotted_site")
    profiles = shape("stackexchange", "users_moderator")["items"]
    question = page["items"][0]

    class Recorded(StackExchangeConnector):
        def fetch(self, endpoint, **params):
            if endpoint == "questions":
                return page
            raise AssertionError(endpoint)

        def fetch_all(self, endpoint, **params):
            return profiles if endpoint == "users/{ids}" else []

    connector = Recorded(StackExchangeSettings(site="pt.stackoverflow"), tags=["python"])
    batches = list(connector._tag("python", {}))
    activities = [a for b in batches for a in b.activities]
    assert [a.activity_id for a in activities] == ["question:1"]  # once, not per page
    assert activities[0].url == question["link"]
    assert activities[0].title == 'Why "x" fails in São Paulo'
    (person,) = [i for b in batches for i in b.identities]
    assert person.display_name == "Jörg" and person.location == "São Paulo"
    assert person.is_staff


def test_a_throttle_or_a_malformed_body_on_the_first_call_is_retried(
    fake_stackexchange, stackexchange_data
):
    """The first call (``/sites``, made by StackAPI's constructor) gets the same retries
    as every other: a throttle answer (HTTP 400, ``error_id`` 502) or a cut-off body
    there does not fail the attempt."""
    api = fake_stackexchange.api
    api.inject("throttle", path="/sites", times=1)
    api.inject("malformed", path="/sites", times=1)
    batches, connector = run(fake_stackexchange, {})
    assert connector.problems == []
    assert api.faults == []
    assert Counter(a.type for b in batches for a in b.activities) == expected(stackexchange_data)


def test_a_persistent_503_is_reported_as_such(fake_stackexchange):
    """A proxy's 503 page is not JSON; the report says what happened, not StackAPI's
    "Expecting value: line 1 column 1"."""
    fake_stackexchange.api.inject("server_error", path="/questions", times=20, status=503)
    _, connector = run(fake_stackexchange, {}, retries=2)
    (problem,) = connector.problems
    assert "Expecting value" not in str(problem) and "JSON" not in problem.problem[:20]
    assert "not JSON" in problem.problem and "after 2 retries" in problem.problem
    assert problem.fix
