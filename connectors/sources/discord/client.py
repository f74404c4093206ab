"""HTTP for the Discord connector: Discord's REST API v10 with a bot token, its rate
limits and the shared retry policy.

No well-kept Python library reads history better: discord.py and its forks are
gateway clients (a websocket session, an event loop, intents negotiated at login) whose
REST side is private to them; history is a few GETs. So this is a ``requests.Session``
that keeps Discord's rules:

- **per-route buckets**: every answer says its bucket (``X-RateLimit-Bucket``) and how
  many calls are left in it (``X-RateLimit-Remaining``) for how long
  (``X-RateLimit-Reset-After``); when a bucket is spent the next call to it waits for
  its reset instead of earning a 429;
- **429**: the wait is the body's ``retry_after`` (seconds, a float), for the route or,
  with ``global: true`` (``X-RateLimit-Global``), for every route; a wait longer than
  ``max_rate_limit_wait`` stops the sync cleanly;
- **401 and 403 are never retried**: ten thousand invalid requests in ten minutes earn
  a temporary ban. 401 stops the sync (the token); 403 stops one channel (the bot may
  not read it), and the others are read;
- 5xx, timeouts and malformed bodies are retried under the shared policy.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

import requests

from connectors.core.errors import SourceError
from connectors.core.retry import Again, RetryPolicy, send
from connectors.core.source import ApiSourceSettings

log = logging.getLogger(__name__)
SOURCE = "discord"
API = "https://discord.com/api/v10"


@dataclass(frozen=True)
class DiscordSettings:
    token: str
    base_url: str = API
    timeout: float = ApiSourceSettings.default("request_timeout_seconds")
    retries: int = ApiSourceSettings.default("request_retries")
    backoff: float = ApiSourceSettings.default("retry_backoff_seconds")
    max_rate_limit_wait: float = ApiSourceSettings.default("max_rate_limit_wait")


class Forbidden(SourceError):
    """The bot may not read this (403): one channel's problem, not the sync's."""


def route(path: str) -> str:
    """The rate-limit route of a path: its top-level resource's id kept (a channel's
    and a guild's limits are their own), every other id a placeholder."""
    major = re.match(r"^/(channels|guilds|webhooks)/(\d+)", path)
    rest = re.sub(r"/\d+", "/{id}", path[major.end() :] if major else path)
    return (major.group(0) if major else "") + rest


class DiscordClient:
    """GET JSON from Discord's API with its limits; counts requests."""

    def __init__(self, settings: DiscordSettings) -> None:
        self.settings = settings
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bot {settings.token}",
                "User-Agent": "DiscordBot (https://github.com/acacia-community, 1.0) Acacia",
            }
        )
        self.requests = 0
        self.policy = RetryPolicy(
            SOURCE, settings.retries, settings.backoff, settings.max_rate_limit_wait
        )
        #: route -> bucket, and bucket -> the monotonic time it resets if spent.
        self._buckets: dict[str, str] = {}
        self._spent: dict[str, float] = {}
        self._global_until = 0.0

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The JSON at ``path`` (relative to the API's base)."""
        url = self.settings.base_url.rstrip("/") + path
        key = route(path)

        def request() -> requests.Response:
            self._wait_for(key, path)
            self.requests += 1
            response = self.session.get(url, params=params, timeout=self.settings.timeout)
            self._remember(key, response)
            return response

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
            waited=lambda response: self._rate_limited(response, path),
            read=read,
            who="Discord",
            fix="Usually Discord is having a bad moment; the next run resumes here.",
        )

    # -- rate limits ------------------------------------------------------------------
    def _wait_for(self, key: str, path: str) -> None:
        now = time.monotonic()
        until = max(self._global_until, self._spent.get(self._buckets.get(key, key), 0.0))
        if until > now:
            self.policy.honour(until - now, path, default=1)

    def _remember(self, key: str, response: requests.Response) -> None:
        bucket = response.headers.get("X-RateLimit-Bucket")
        if bucket:
            self._buckets[key] = bucket
        remaining = response.headers.get("X-RateLimit-Remaining")
        reset_after = response.headers.get("X-RateLimit-Reset-After")
        if remaining == "0" and reset_after:
            with contextlib.suppress(ValueError):
                self._spent[bucket or key] = time.monotonic() + float(reset_after)

    def _rate_limited(self, response: requests.Response, path: str) -> None:
        try:
            body = response.json()
        except ValueError:
            body = {}
        wait = body.get("retry_after")
        if wait is None:
            wait = response.headers.get("Retry-After")
        wait = float(wait) if wait is not None else None
        if body.get("global") or response.headers.get("X-RateLimit-Global") == "true":
            self._global_until = time.monotonic() + (wait or 1)
            log.info("discord: the bot's global rate limit is spent")
        self.policy.honour(wait, path, default=1)

    @staticmethod
    def _client_error(response: requests.Response, path: str) -> SourceError:
        try:
            body = response.json()
            message = f"{body.get('message', '')} (code {body.get('code')})"
        except ValueError:
            message = response.reason
        if response.status_code == 401:
            return SourceError(
                SOURCE,
                f"Discord refused the bot token (401: {message}).",
                "Check the bot token in the variable named by sources.discord.token_env "
                "(Discord Developer Portal → your application → Bot → Reset Token).",
            )
        if response.status_code == 403:
            return Forbidden(
                SOURCE,
                f"the bot may not read {path} (403: {message}).",
                "Give the bot's role View Channel and Read Message History there, or "
                "leave the channel out of sources.discord.channels.",
            )
        return SourceError(
            SOURCE,
            f"{path} answered {response.status_code}: {message}",
            "Check sources.discord.guild_id and channels.",
        )
