"""The one retry policy of the connectors' own retry loops (connectors/core/retry.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.core import retry
from connectors.core.errors import RateLimitStop
from connectors.core.retry import RetryPolicy, retry_after


def test_backoff_doubles_from_the_setting_and_is_capped():
    policy = RetryPolicy("github", retries=8, backoff=1.5)
    assert [policy.wait_before(n) for n in range(1, 8)] == [1.5, 3, 6, 12, 24, 48, 60]
    assert list(policy.tries()) == list(range(1, 10))
    assert RetryPolicy("slack", retries=0).tries() == range(1, 2)


def test_a_wait_the_api_asks_for_is_honoured_up_to_max_rate_limit_wait(monkeypatch):
    slept = []
    monkeypatch.setattr(retry.time, "sleep", slept.append)
    policy = RetryPolicy("discourse", max_rate_limit_wait=30)
    policy.honour(12, "/posts.json")
    policy.honour(None, "/posts.json", default=10)
    assert slept == [12, 10]
    with pytest.raises(RateLimitStop, match=r"asked to wait 31 s before /latest.json") as stop:
        policy.honour(31, "/latest.json")
    assert stop.value.source == "discourse" and "next run resumes" in stop.value.fix
    assert slept == [12, 10]


def test_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 2, 28, 23, 59, 30, tzinfo=UTC)
    assert retry_after("7") == 7 and retry_after("0.5") == 0.5
    assert retry_after("Sun, 01 Mar 2026 00:00:00 GMT", now=now) == 30
    assert retry_after("Sat, 28 Feb 2026 23:00:00 GMT", now=now) == 0  # already past
    assert retry_after(None) is None and retry_after("soon") is None


def test_each_stream_goes_on_past_a_failing_stream_and_stops_at_a_spent_limit():
    """The one loop over a sync's streams: a failing stream is recorded, named, and the
    others go on; a spent rate limit stops the sync (the next run resumes)."""
    from connectors.core.batch import Batch, each_stream
    from connectors.core.errors import SourceError

    def ok(name):
        return lambda: iter([Batch("s", name)])

    def fails():
        yield Batch("s", "half")
        raise SourceError("slack", "channel_not_found.", "Invite the app.")

    def limited():
        raise RateLimitStop("slack", "rate-limited.", "Nothing is lost.")
        yield

    problems: list = []
    streams = [("#a", ok("a")), ("#b", fails), ("#c", ok("c")), ("#d", limited), ("#e", ok("e"))]
    scopes = [b.scope for b in each_stream(streams, problems)]
    assert scopes == ["a", "half", "c"]
    assert [str(p) for p in problems] == [
        "[slack] #b: channel_not_found. Fix: Invite the app.",
        "[slack] #d: rate-limited. Fix: Nothing is lost.",
    ]
    assert isinstance(problems[1], RateLimitStop)
