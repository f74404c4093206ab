"""The one retry policy of the connectors' own retry loops (connectors/retry.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors import retry
from connectors.errors import RateLimitStop
from connectors.retry import RetryPolicy, retry_after


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
