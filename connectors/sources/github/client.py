"""The HTTP side of the GitHub connector: PyGithub's requester, pages, ETags, limits.

PyGithub gives us authentication, ``base_url`` handling (GitHub Enterprise, the local
fake), ``GithubRetry`` (Retry-After, secondary limits, waiting for a primary reset up to a
bound) and rate-limit bookkeeping. We drive its requester directly instead of its
``PaginatedList`` for two reasons: conditional requests (an ETag on the first page, so an
unchanged stream costs one free ``304``), and reading the raw JSON of list responses,
which avoids PyGithub's lazy completion (one extra request per object touched).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlparse

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.GithubException import BadCredentialsException, RateLimitExceededExceedsMaxWait

from connectors.core.errors import RateLimitStop, SourceError
from connectors.core.retry import RetryPolicy
from connectors.core.source import ApiSourceSettings

log = logging.getLogger(__name__)

STAR_MEDIA_TYPE = "application/vnd.github.star+json"


@dataclass(frozen=True)
class GitHubSettings:
    """How to reach GitHub and how patient to be with it."""

    token: str
    base_url: str = "https://api.github.com"
    per_page: int = 100
    timeout: float = ApiSourceSettings.default("request_timeout_seconds")
    retries: int = ApiSourceSettings.default("request_retries")
    backoff_factor: float = ApiSourceSettings.default("retry_backoff_seconds")
    #: Longest wait for a rate-limit reset; past it the stream stops and resumes next run.
    max_rate_limit_wait: float = ApiSourceSettings.default("max_rate_limit_wait")
    secondary_rate_wait: float = 60.0
    #: GitHub's etiquette asks for a pause between requests; tests set it to 0.
    seconds_between_requests: float = 0.25


@dataclass
class Page:
    items: Any
    headers: dict[str, str]
    not_modified: bool = False

    @property
    def next_url(self) -> str | None:
        for part in self.headers.get("link", "").split(","):
            url, _, rel = part.partition(";")
            if 'rel="next"' in rel:
                return url.strip().strip("<>")
        return None


class GitHubClient:
    """A thin layer over PyGithub's requester that pages, retries and counts requests."""

    def __init__(self, settings: GitHubSettings) -> None:
        self.settings = settings
        retry = GithubRetry(
            total=settings.retries,
            backoff_factor=settings.backoff_factor,
            status_forcelist=[429, *range(500, 600)],
            max_rate_limit_wait=settings.max_rate_limit_wait,
            secondary_rate_wait=settings.secondary_rate_wait,
        )
        self.github = Github(
            auth=Auth.Token(settings.token),
            base_url=settings.base_url.rstrip("/"),
            per_page=settings.per_page,
            timeout=settings.timeout,
            retry=retry,
            seconds_between_requests=settings.seconds_between_requests or None,
            # GraphQL reads are POSTs; PyGithub's 1 s pause between writes is not for them.
            seconds_between_writes=settings.seconds_between_requests or None,
        )
        self.requester = self.github.requester
        self.requests = 0
        self.policy = RetryPolicy(
            "github", settings.retries, settings.backoff_factor, settings.max_rate_limit_wait
        )

    # -- single requests ------------------------------------------------------------
    def get(
        self,
        url: str,
        params: dict[str, Any] | None = None,
        *,
        etag: str | None = None,
        accept: str | None = None,
    ) -> Page:
        """GET one page (``url`` relative to base_url or absolute); 304 gives ``not_modified``."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if accept:
            headers["Accept"] = accept
        data = self._call(
            lambda: self.requester.requestJsonAndCheck(
                "GET", url, parameters=params, headers=headers
            ),
            url,
        )
        response_headers, items = data
        return Page(items, response_headers, not_modified=items is None and etag is not None)

    def graphql(
        self, query: str, variables: dict[str, Any], *, partial: bool = False
    ) -> dict[str, Any]:
        """Run a GraphQL query; returns its ``data``.

        With ``partial``, ``NOT_FOUND`` errors are the answer, not a failure: ``nodes(ids:)``
        gives ``null`` and one such error for each id that is gone (a deleted account)."""
        if not partial:
            _, payload = self._call(
                lambda: self.requester.graphql_query(query, variables), "graphql"
            )
            return payload["data"]
        _, payload = self._call(
            lambda: self.requester.requestJsonAndCheck(
                "POST", self.requester.graphql_url, input={"query": query, "variables": variables}
            ),
            "graphql",
        )
        errors = [e for e in payload.get("errors") or [] if e.get("type") != "NOT_FOUND"]
        if errors or payload.get("data") is None:
            message = errors[0].get("message") if errors else "no data"
            raise SourceError(
                "github",
                f"GitHub's GraphQL API refused a query ({message}).",
                "Check the token's scopes; a GitHub Enterprise without this query is read "
                "through REST instead.",
            )
        return payload["data"]

    def _call(self, send: Any, what: str) -> Any:
        """One request through PyGithub (whose GithubRetry retries connections, 5xx and
        secondary limits); a malformed body is retried here, under the one policy."""
        attempts = self.policy.retries + 1
        for attempt in self.policy.tries():
            self._wait_if_exhausted()
            self.requests += 1
            try:
                return send()
            except json.JSONDecodeError as error:
                # A truncated body: the request itself is safe to repeat.
                if attempt == attempts:
                    raise SourceError(
                        "github",
                        f"GitHub sent malformed JSON for {_path(what)} {attempts} times in a row.",
                        "Try again later; if it persists, check base_url "
                        "points at a GitHub API (not a web page or proxy).",
                    ) from error
                self.policy.pause(attempt, _path(what), "a malformed body")
            except RateLimitExceededExceedsMaxWait as error:
                raise RateLimitStop(
                    "github",
                    f"GitHub's rate limit is spent and resets in {error.wait:.0f} s, "
                    f"more than max_rate_limit_wait ({self.settings.max_rate_limit_wait:.0f} s).",
                    "Nothing is lost: the next run resumes from the last landed page.",
                ) from error
            except BadCredentialsException as error:
                raise SourceError(
                    "github",
                    "GitHub rejected the token (401 Bad credentials).",
                    "Set a valid token in the environment variable named by "
                    "sources.github.token_env.",
                ) from error
            except requests.exceptions.RetryError as error:
                raise SourceError(
                    "github",
                    f"GitHub kept failing on {_path(what)} after "
                    f"{self.settings.retries} retries ({_reason(error)}).",
                    "Usually GitHub is having a bad moment; the next run resumes here.",
                ) from error
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
                raise SourceError(
                    "github",
                    f"Could not reach GitHub at {self.settings.base_url} ({type(error).__name__}).",
                    "Check sources.github.base_url and the network.",
                ) from error
            except GithubException as error:
                message = (
                    (error.data or {}).get("message")
                    if isinstance(error.data, dict)
                    else error.data
                )
                raise SourceError(
                    "github",
                    f"GitHub answered {error.status} for {_path(what)}: {message}.",
                    _fix_for(error.status),
                ) from error
        raise AssertionError("unreachable")

    def _wait_if_exhausted(self) -> None:
        """Before a request: if the primary quota is spent, wait for its reset when that
        is within bounds, else stop cleanly (GithubRetry only acts after a failure)."""
        remaining, _limit = self.requester.rate_limiting
        if remaining != 0:
            return
        wait = self.requester.rate_limiting_resettime - time.time() + 1
        if wait > self.settings.max_rate_limit_wait:
            raise RateLimitStop(
                "github",
                f"GitHub's rate limit is spent and resets in {wait:.0f} s, more than "
                f"max_rate_limit_wait ({self.settings.max_rate_limit_wait:.0f} s).",
                "Nothing is lost: the next run resumes from the last landed page.",
            )
        if wait > 0:
            self.policy.honour(wait, "the next request (primary rate limit spent)")

    # -- pagination -----------------------------------------------------------------
    def pages(
        self,
        url: str,
        params: dict[str, Any] | None = None,
        *,
        etag: str | None = None,
        accept: str | None = None,
    ) -> Iterator[Page]:
        """Every page of a list, following ``Link: rel=next``. Only the first page is
        conditional: if it answers 304, one Page with ``not_modified`` is yielded."""
        page = self.get(
            url, {"per_page": self.settings.per_page, **(params or {})}, etag=etag, accept=accept
        )
        yield page
        while not page.not_modified and (next_url := page.next_url):
            page = self.get(next_url, accept=accept)
            yield page


def _path(what: str) -> str:
    parsed = urlparse(what)
    query = "&".join(f"{k}={v}" for k, v in parse_qsl(parsed.query) if k != "access_token")
    return parsed.path + (f"?{query}" if query else "")


def _reason(error: Exception) -> str:
    text = str(error)
    return text.split("(Caused by ")[-1].rstrip(")") if "Caused by" in text else text


def _fix_for(status: int) -> str:
    return {
        403: "Check the token's scopes (public_repo / repo, read:org) and that the "
        "organization allows the token.",
        404: "Check the organization and repository names in sources.github, and that the "
        "token can see them.",
    }.get(status, "Check sources.github.base_url; the next run retries.")
