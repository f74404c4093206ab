"""HTTP for the Meetup connector: Meetup's GraphQL API (``https://api.meetup.com/gql-ext``,
``Authorization: Bearer <token>``) under the shared retry loop.

Meetup's Python SDKs are gone with its REST API; GraphQL is one POST with a query and
its variables, which ``requests`` sends as well as any GraphQL client would. What
Meetup adds to the shared policy:

- **the points budget**: a query costs points, and a token may spend a budget of them per
  window (Meetup's guide: 500 points in 60 seconds). A spent budget answers an error
  whose ``extensions.code`` is ``RATE_LIMITED``, with the time the budget comes back
  (``extensions.resetAt``): the client waits until then (or stops the sync cleanly when
  that is past ``max_rate_limit_wait``) and asks again;
- **errors in a 200**: GraphQL answers most errors with HTTP 200 and an ``errors`` list:
  a group that does not exist or the token may not read is named with its fix, and a
  401 says the token is refused;
- 5xx, timeouts, 429s and cut-off bodies are retried as everywhere.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import requests

from connectors.core import clock
from connectors.core.errors import SourceError
from connectors.core.fetch import FetchSettings
from connectors.core.retry import Again, RetryPolicy, retry_after, send

log = logging.getLogger(__name__)
SOURCE = "meetup"
API = "https://api.meetup.com/gql-ext"
TOKEN_FIX = (
    "Put a Meetup OAuth token of an organizer of the groups in the variable named by "
    "sources.meetup.token_env (README, Connecting Meetup)."
)


class NotFound(SourceError):
    """A group or network the API does not know (or the token may not read)."""


class MeetupClient:
    """Sends GraphQL queries; ``requests`` counts what reached the server."""

    def __init__(self, token: str, base_url: str = API, settings: FetchSettings | None = None):
        self.token, self.base_url = token, base_url
        self.settings = settings = settings or FetchSettings()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "Acacia community analytics (meetup)"
        self.requests = 0
        self.policy = RetryPolicy(
            SOURCE, settings.retries, settings.backoff, settings.max_rate_limit_wait
        )

    def query(self, name: str, text: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The ``data`` of the query ``name`` (its operation name) with ``variables``."""
        if not self.token:
            raise SourceError(SOURCE, "no Meetup token is set.", TOKEN_FIX)
        body = {"operationName": name, "query": text, "variables": variables}
        headers = {"Authorization": f"Bearer {self.token}"}

        def request() -> requests.Response:
            self.requests += 1
            return self.session.post(
                self.base_url, json=body, headers=headers, timeout=self.settings.timeout
            )

        return send(
            self.policy,
            name,
            request,
            waited=lambda response: self.policy.honour(
                retry_after(response.headers.get("Retry-After")), name, 60
            ),
            read=lambda response: self._read(response, name, variables),
            who="Meetup's API",
            fix="Usually Meetup is having a bad moment; the next run resumes here.",
        )

    def _read(self, response: requests.Response, name: str, variables: dict) -> dict[str, Any]:
        if response.status_code in (401, 403):
            raise SourceError(
                SOURCE, f"Meetup refused the token ({response.status_code}).", TOKEN_FIX
            )
        try:
            body = response.json()
        except ValueError:
            raise Again("a malformed JSON body") from None
        if not isinstance(body, dict):
            raise Again("a body that is not a JSON object")
        errors = body.get("errors") or []
        for error in errors:
            code = (error.get("extensions") or {}).get("code", "")
            if code == "RATE_LIMITED":
                self.policy.honour(self._until(error), name, 60)
                raise Again("the points budget was spent")
            if code in ("UNAUTHENTICATED", "UNAUTHORIZED"):
                raise SourceError(SOURCE, "Meetup refused the token.", TOKEN_FIX)
        if response.status_code >= 400 or (errors and not body.get("data")):
            what = "; ".join(str(e.get("message", "")) for e in errors) or response.reason
            raise SourceError(
                SOURCE,
                f"Meetup answered {response.status_code} to {name}: {what}.",
                "Check sources.meetup in the configuration.",
            )
        return body.get("data") or {}

    @staticmethod
    def _until(error: dict[str, Any]) -> float | None:
        """Seconds until a spent budget comes back (``extensions.resetAt``)."""
        reset = (error.get("extensions") or {}).get("resetAt")
        if not reset:
            return None
        try:
            at = datetime.fromisoformat(str(reset).replace("Z", "+00:00"))
        except ValueError:
            return None
        return max((at - clock.now()).total_seconds(), 0.0)
