"""The one retry policy of every connector's own retry loop.

The SDKs keep the retries they do well (PyGithub's ``GithubRetry`` for secondary limits,
slack_sdk's rate-limit handler, prawcore's and StackAPI's own); what each connector
retries itself (a connection that failed, a 5xx, a malformed body, a throttle answer)
follows this policy, with the source's settings: ``request_retries`` tries more,
waiting ``retry_backoff_seconds``, doubling each time up to a minute; and a wait the API
asks for (``Retry-After``, Discourse's ``wait_seconds``, Stack Exchange's ``backoff``) is
honoured as asked, up to ``max_rate_limit_wait``, past which the sync stops cleanly and
the next run resumes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import requests

from connectors.core import clock
from connectors.core.errors import RateLimitStop, SourceError
from connectors.core.source import ApiSourceSettings

T = TypeVar("T")

log = logging.getLogger(__name__)

#: The longest pause between two tries of a failing request.
MAX_BACKOFF = 60.0


@dataclass(frozen=True)
class RetryPolicy:
    source: str
    retries: int = ApiSourceSettings.default("request_retries")
    backoff: float = ApiSourceSettings.default("retry_backoff_seconds")
    max_rate_limit_wait: float = ApiSourceSettings.default("max_rate_limit_wait")

    def tries(self) -> range:
        """1, 2, … retries + 1."""
        return range(1, self.retries + 2)

    def wait_before(self, retry: int) -> float:
        """Seconds before the ``retry``-th retry (1-based): backoff, doubling, capped."""
        return min(self.backoff * 2 ** (retry - 1), MAX_BACKOFF)

    def pause(self, retry: int, what: str, reason: str) -> None:
        wait = self.wait_before(retry)
        log.warning(
            "%s: %s on %s; retry %d of %d in %.1f s",
            self.source,
            reason,
            what,
            retry,
            self.retries,
            wait,
        )
        time.sleep(wait)

    def honour(self, wait: float | None, what: str, default: float = 60.0) -> None:
        """Wait as long as the API asked (``None``: ``default``); a wait longer than
        max_rate_limit_wait stops the sync cleanly instead."""
        wait = default if wait is None else max(float(wait), 0.0)
        if wait > self.max_rate_limit_wait:
            raise RateLimitStop(
                self.source,
                f"the API asked to wait {wait:.0f} s before {what}, more than "
                f"max_rate_limit_wait ({self.max_rate_limit_wait:.0f} s).",
                "Nothing is lost: the next run resumes from the last landed page.",
            )
        log.info("%s: rate limit on %s; waiting %.0f s as asked", self.source, what, wait)
        time.sleep(wait)


class Again(Exception):
    """Raised by a reader of :func:`send` to have the request sent again (a malformed
    body), saying why."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def send(
    policy: RetryPolicy,
    what: str,
    request: Callable[[], requests.Response],
    *,
    waited: Callable[[requests.Response], None],
    read: Callable[[requests.Response], T],
    who: str,
    fix: str,
) -> T:
    """The one retry loop of the clients that speak HTTP themselves (Discourse, Discord,
    the lists' archives): ``request()`` is sent until ``read`` takes its answer. A
    failed connection, a timeout and a 5xx are tried again after the policy's pause; a
    429 is handed to ``waited`` (which waits as the API asks, or stops the sync); a
    reader raising :class:`Again` has it sent again. Past the retries, a SourceError
    says that ``who`` kept failing on ``what``, and ``fix``."""
    problem = ""
    for attempt in policy.tries():
        if attempt > 1:
            policy.pause(attempt - 1, what, problem)
        try:
            response = request()
        except (requests.Timeout, requests.ConnectionError) as error:
            problem = type(error).__name__
            continue
        if response.status_code == 429:
            waited(response)
            continue
        if response.status_code >= 500:
            problem = f"HTTP {response.status_code}"
            continue
        try:
            return read(response)
        except Again as again:
            problem = again.problem
            log.warning("%s: %s on %s (try %d)", policy.source, problem, what, attempt)
    raise SourceError(
        policy.source,
        f"{who} kept failing on {what} after {policy.retries} retries ({problem}).",
        fix,
    )


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number, or an HTTP date."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    # A server's date is real time, whatever the pinned clock says.
    return max((when - (now or clock.arrival_time())).total_seconds(), 0.0)
