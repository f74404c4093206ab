"""HTTP for the Discourse connector: requests, API-key headers, retries, rate limits.

Discourse has no official Python SDK, and its API is plain JSON over HTTP, so this is a
``requests.Session`` with the retry rules Discourse needs: 429 waits ``Retry-After`` (or
the body's ``extras.wait_seconds``), 5xx and timeouts back off, a malformed body is
asked for again. Waits longer than ``max_rate_limit_wait`` stop the sync cleanly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests

from connectors.core.errors import SourceError
from connectors.core.retry import Again, RetryPolicy, retry_after, send
from connectors.core.source import ApiSourceSettings

log = logging.getLogger(__name__)
SOURCE = "discourse"


@dataclass(frozen=True)
class DiscourseSettings:
    base_url: str
    api_key: str
    api_username: str = "system"
    timeout: float = ApiSourceSettings.default("request_timeout_seconds")
    retries: int = ApiSourceSettings.default("request_retries")
    backoff: float = ApiSourceSettings.default("retry_backoff_seconds")
    max_rate_limit_wait: float = ApiSourceSettings.default("max_rate_limit_wait")


class DiscourseClient:
    """GET JSON from a Discourse forum, with its retry rules; counts requests."""

    def __init__(self, settings: DiscourseSettings) -> None:
        self.settings = settings
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Api-Key": settings.api_key,
                "Api-Username": settings.api_username,
                "Accept": "application/json",
            }
        )
        self.requests = 0
        self.policy = RetryPolicy(
            SOURCE, settings.retries, settings.backoff, settings.max_rate_limit_wait
        )

    def get(self, path: str, params: Any = None) -> Any:
        """The JSON at ``path`` (relative to base_url)."""
        url = self.settings.base_url.rstrip("/") + path

        def request() -> requests.Response:
            self.requests += 1
            return self.session.get(url, params=params, timeout=self.settings.timeout)

        def read(response: requests.Response) -> Any:
            if response.status_code >= 400:
                raise self._client_error(response, path)
            try:
                return response.json()
            except ValueError:
                raise Again("a malformed JSON body") from None

        return send(
            self.policy,
            path,
            request,
            waited=lambda response: self._wait(response, path),
            read=read,
            who="Discourse",
            fix="Usually the forum is having a bad moment; the next run resumes here.",
        )

    def _wait(self, response: requests.Response, path: str) -> None:
        try:
            extras = response.json().get("extras") or {}
        except ValueError:
            extras = {}
        wait = retry_after(response.headers.get("Retry-After")) or extras.get("wait_seconds")
        self.policy.honour(wait, path, default=10)

    @staticmethod
    def _client_error(response: requests.Response, path: str) -> SourceError:
        try:
            body = response.json()
            message = "; ".join(body.get("errors") or []) or body.get("error_type", "")
        except ValueError:
            message = response.reason
        fix = {
            403: "Check the API key in the variable named by sources.discourse.api_key_env and "
            "sources.discourse.api_username (see README: Discourse API key).",
            404: "Check sources.discourse.base_url (the forum's address, without /latest).",
        }.get(response.status_code, "Check sources.discourse in the configuration.")
        return SourceError(SOURCE, f"{path} answered {response.status_code}: {message}", fix)
