"""What the Slack connector reads, and how it stays incremental.

Per channel, one walk of ``conversations.history`` (newest first) from the channel's
cursor, or from ``thread_lookback_days`` ago if that is earlier: messages newer than the
cursor are new; older ones in the look-back are only checked for threads whose
``latest_reply`` moved, whose new replies are then read with ``conversations.replies``.
So a quiet channel costs one request, and a reply posted weeks after its parent is still
found (as long as the parent is within the look-back window).

An interrupted walk commits, page by page, the range of timestamps it has landed
(``pending``); the next run skips that range, so resuming never lands a message twice.
"""

from __future__ import annotations

import json
import logging
import urllib.error
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from connectors.core import clock
from connectors.core.batch import Batch, NewestFirstWalk, each_stream, read_each
from connectors.core.errors import RateLimitStop, SourceError
from connectors.core.records import Activity, Identity
from connectors.core.retry import RetryPolicy

log = logging.getLogger(__name__)

SOURCE = "slack"
#: Message subtypes that are someone's message; every other subtype (joins aside) is a
#: system event (topic changes, leaves, deletions, tombstones) and is not an activity.
#: ``file_comment``: a comment on a file, from older workspaces (the commenter is in
#: ``comment.user``).
MESSAGE_SUBTYPES = {
    None,
    "thread_broadcast",
    "bot_message",
    "file_share",
    "me_message",
    "file_comment",
}
FIXES = {
    "not_in_channel": "Invite the app to the channel (/invite @your-app), or remove it from "
    "sources.slack.channels.",
    "channel_not_found": "Check the channel name in sources.slack.channels; a private "
    "channel is only visible once the app is invited (/invite @your-app).",
    "invalid_auth": "Set a valid bot token (xoxb-...) in the variable named by "
    "sources.slack.token_env.",
    "not_authed": "Set the bot token in the variable named by sources.slack.token_env.",
    "missing_scope": "Add the missing scope to the Slack app and reinstall it (see README).",
    "ratelimited": "Nothing is lost: the next run resumes from the last landed page.",
}


def ts_of(when: datetime) -> str:
    return f"{when.timestamp():.6f}"


def utc_ts(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)


def actor_of(message: dict[str, Any]) -> str | None:
    """Who wrote a message: its user; a file comment's commenter; a bot's id; for a bot
    message with only a ``username`` (a legacy webhook), ``bot:<username>``."""
    comment = message.get("comment") or {}
    username = message.get("username")
    return (
        message.get("user")
        or comment.get("user")
        or message.get("bot_id")
        or (f"bot:{username}" if username and message.get("subtype") == "bot_message" else None)
    )


class SlackConnector:
    """Reads channels incrementally and yields :class:`Batch` es of normalized records.

    ``channels``: names or ids to read; empty means every public channel the app is a
    member of. ``known_users``: user ids whose identity is already landed.
    ``unidentified``: landed actors still without an identity (from an interrupted run).
    """

    def __init__(
        self,
        client: WebClient,
        *,
        channels: list[str] | None = None,
        backfill_days: int = 365,
        thread_lookback_days: int = 14,
        known_users: set[str] | None = None,
        unidentified: set[str] | None = None,
        now: datetime | None = None,
        page_size: int = 200,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.client = client
        #: Malformed answers are retried under it; slack_sdk retries connections and
        #: rate limits itself (its retry handlers).
        self.policy = policy or RetryPolicy(SOURCE, retries=2, backoff=0.5)
        self.channels = channels or []
        now = now or clock.now()
        self.floor = ts_of(now - timedelta(days=backfill_days))
        self.lookback = ts_of(now - timedelta(days=thread_lookback_days))
        self.known_users = set(known_users or ())
        self.unidentified = set(unidentified or ())
        self.page_size = page_size
        self.requests = 0
        self.problems: list[SourceError] = []
        self.workspace_url = ""
        self._actors: set[str] = set()
        #: Thread replies that could not be read, landed with the page of their thread.
        self._set_aside: list = []

    # -- calls ------------------------------------------------------------------------
    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One Web API call; Slack's error codes become SourceErrors with a fix."""
        attempts = self.policy.retries + 1
        for attempt in self.policy.tries():
            self.requests += 1
            try:
                return self.client.api_call(method, params=params).data
            except json.JSONDecodeError:
                error = "malformed JSON"
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                # slack-sdk already retried the connection (its retry handler).
                reason = "timed out" if isinstance(exc, TimeoutError) else "could not connect"
                raise SourceError(
                    SOURCE,
                    f"Could not reach Slack at {self.client.base_url} for {method} ({reason}).",
                    "Check sources.slack.base_url and the network; the next run resumes here.",
                ) from None
            except SlackApiError as exc:
                error = exc.response.get("error", "unknown_error")
                malformed = error.startswith("Received a response in a non-JSON format")
                if exc.response.status_code != 200 or not malformed:
                    raise self._error(method, exc.response, error) from None
            if attempt < attempts:
                self.policy.pause(attempt, method, "a malformed body")
        raise SourceError(
            SOURCE,
            f"Slack sent malformed responses to {method} {attempts} times in a row.",
            "Try again later; check sources.slack.base_url.",
        )

    def _error(self, method: str, response: Any, error: str) -> SourceError:
        status = getattr(response, "status_code", 200)
        if error == "ratelimited" or status == 429:
            return RateLimitStop(
                SOURCE,
                f"Slack rate-limited {method} for longer than max_rate_limit_wait.",
                FIXES["ratelimited"],
            )
        if status >= 500:
            return SourceError(
                SOURCE,
                f"Slack kept failing on {method} (HTTP {status}).",
                "Usually a bad moment at Slack; the next run resumes here.",
            )
        needed = f" (needs {response.get('needed')})" if response.get("needed") else ""
        return SourceError(
            SOURCE,
            f"{method} answered {error}{needed}.",
            FIXES.get(error, "See Slack's documentation of this error."),
        )

    def pages(self, method: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of a list: by ``next_cursor``, or, when Slack says ``has_more``
        without one (its older paging, still answered), by timestamp from the page's last
        message. A list that has more but gives no way on is an error, so the walk is
        not committed as complete."""
        cursor = None
        while True:
            data = self.call(method, **params, **({"cursor": cursor} if cursor else {}))
            yield data
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if cursor or not data.get("has_more"):
                if not cursor:
                    return
                continue
            stamps = [m["ts"] for m in data.get("messages") or [] if m.get("ts")]
            # History is newest first (next: older than the oldest); replies oldest first.
            bound, edge = ("latest", min) if method == "conversations.history" else ("oldest", max)
            if not stamps or params.get(bound) == edge(stamps):
                raise SourceError(
                    SOURCE,
                    f"{method} said it has more but gave no next_cursor and no message to "
                    "page from.",
                    "Nothing is lost: the next run reads this list again.",
                )
            params[bound] = edge(stamps)

    # -- orchestration -----------------------------------------------------------------
    def sync(self, state: dict[str, dict[str, Any]]) -> Iterator[Batch]:
        """Every channel, then the identities of people not landed yet."""
        try:
            self.workspace_url = self.call("auth.test").get("url", "").rstrip("/")
            channels = self._channels()
        except SourceError as error:
            self.problems.append(error)
            return
        limited = len(self.problems)
        yield from each_stream(
            (
                (
                    f"#{c['name']}",
                    partial(self._channel, c, state.get(f"{c['name']}:messages", {})),
                )
                for c in channels
            ),
            self.problems,
        )
        if any(isinstance(p, RateLimitStop) for p in self.problems[limited:]):
            return
        try:
            yield from self._users()
        except SourceError as error:
            self.problems.append(error)

    def _channels(self) -> list[dict[str, Any]]:
        listed = [
            c
            for page in self.pages(
                "conversations.list",
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=200,
            )
            for c in page["channels"]
        ]
        if not self.channels:
            return [c for c in listed if c.get("is_member") and not c.get("is_private")]
        by_key = {**{c["name"]: c for c in listed}, **{c["id"]: c for c in listed}}
        chosen = []
        for wanted in self.channels:
            name = wanted.lstrip("#")
            if name in by_key:
                chosen.append(by_key[name])
            else:
                # Private channels the app is not in are not even listed: try by name,
                # so the error tells the team what to do.
                chosen.append({"id": name, "name": name})
        return chosen

    # -- one channel -------------------------------------------------------------------
    def _channel(self, channel: dict[str, Any], state: dict[str, Any]) -> Iterator[Batch]:
        walk = NewestFirstWalk.resume(state)
        cursor = walk.cursor
        threads: dict[str, str] = dict(state.get("threads", {}))
        oldest = self.floor if cursor is None else min(cursor, self.lookback)
        scope = channel["name"]

        for page in self.pages(
            "conversations.history", channel=channel["id"], oldest=oldest, limit=self.page_size
        ):
            identities: list[Identity] = []

            def read(message: dict[str, Any], identities: list = identities) -> list[Activity]:
                ts = message["ts"]
                found, landed = [], walk.landed(ts)
                if not landed:
                    found += self._message_activities(channel, message)
                    identities += self._bot_identity(message)
                if message.get("reply_count") and message.get("thread_ts") == ts:
                    found += self._new_replies(
                        channel, message, threads, threads.get(ts, cursor) if landed else None
                    )
                if landed:
                    walk.saw(ts)
                else:
                    walk.took(ts)
                return found

            activities, rejects = read_each(page.get("messages", []), read, "messages", scope)
            rejects, self._set_aside = self._set_aside + rejects, []
            yield Batch(
                "messages",
                scope,
                activities,
                identities,
                {**walk.progress(), "threads": threads},
                rejects,
            )
        # Walk complete: everything up to its newest message is landed.
        threads = {ts: last for ts, last in threads.items() if ts >= self.lookback}
        yield Batch("messages", scope, state={**walk.complete(), "threads": threads})

    def _new_replies(
        self,
        channel: dict[str, Any],
        parent: dict[str, Any],
        threads: dict[str, str],
        seen_until: str | None,
    ) -> list[Activity]:
        """Replies of a thread newer than ``seen_until`` (all of them when None)."""
        latest = parent.get("latest_reply")
        if not latest or (seen_until is not None and latest <= seen_until):
            return []
        params = {"oldest": seen_until} if seen_until else {}
        replies = [
            m
            for page in self.pages(
                "conversations.replies", channel=channel["id"], ts=parent["ts"], limit=200, **params
            )
            for m in page.get("messages", [])
            if m.get("ts") != parent["ts"]
        ]
        threads[parent["ts"]] = latest
        activities, rejects = read_each(
            [r for r in replies if r.get("subtype") != "thread_broadcast"],  # also in history
            lambda reply: self._message_activities(channel, reply),
            "thread_replies",
            channel["name"],
        )
        self._set_aside += rejects
        return activities

    def _message_activities(
        self, channel: dict[str, Any], message: dict[str, Any]
    ) -> list[Activity]:
        subtype = message.get("subtype")
        ts, thread_ts = message["ts"], message.get("thread_ts")
        if subtype == "channel_join":
            kind = "channel_join"
        elif subtype in MESSAGE_SUBTYPES and not message.get("hidden"):
            kind = "thread_reply" if thread_ts and thread_ts != ts else "message"
        else:
            return []  # edits, deletions, tombstones, topic changes: not activities
        actor = actor_of(message)
        if not actor:
            return []
        self._actors.add(actor)
        channel_id = channel["id"]
        return [
            Activity(
                SOURCE,
                f"{channel_id}:{ts}",
                kind,
                utc_ts(ts),
                actor,
                channel["name"],
                url=f"{self.workspace_url}/archives/{channel_id}/p{ts.replace('.', '')}",
                thread_id=f"{channel_id}:{thread_ts or ts}",
                parent_id=f"{channel_id}:{thread_ts}" if kind == "thread_reply" else None,
                # The text: tag rules read it; it lands only with store_bodies (ingest).
                body=message.get("text"),
                extra={"subtype": subtype} if subtype else {},
            )
        ]

    def _bot_identity(self, message: dict[str, Any]) -> list[Identity]:
        """A bot's identity from its message: ``bot_profile`` when there is one, else the
        message's ``username`` (legacy integrations and webhooks have no profile; they
        are not in users.list either, so waiting for it would re-read it every run)."""
        if message.get("subtype") != "bot_message" or message.get("user"):
            return []
        bot_id = actor_of(message)
        if not bot_id or bot_id in self.known_users:
            return []
        self.known_users.add(bot_id)
        profile = message.get("bot_profile") or {}
        name = profile.get("name") or message.get("username") or bot_id
        return [
            Identity(
                SOURCE,
                bot_id,
                name,
                display_name=name,
                is_bot=True,
                is_deleted=bool(profile.get("deleted")),
                has_profile=True,
            )
        ]

    # -- people --------------------------------------------------------------------------
    def _users(self) -> Iterator[Batch]:
        """Identities from users.list, read only when someone new has shown up."""
        if not (self._actors - self.known_users or self.unidentified) and self.known_users:
            return
        for page in self.pages("users.list", limit=200):
            identities, rejects = read_each(
                page.get("members", []),
                lambda u: [self._identity(u)] if u["id"] not in self.known_users else [],
                "users",
                "workspace",
            )
            self.known_users.update(i.source_user_id for i in identities)
            yield Batch("users", "workspace", [], identities, rejects=rejects)

    def _identity(self, user: dict[str, Any]) -> Identity:
        profile = user.get("profile") or {}
        return Identity(
            SOURCE,
            user["id"],
            user.get("name") or user["id"],
            # The full name (for recognising people across sources), else the nickname.
            display_name=profile.get("real_name")
            or user.get("real_name")
            or profile.get("display_name"),
            email=profile.get("email"),
            timezone=user.get("tz"),
            is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
            is_deleted=bool(user.get("deleted")),
            profile_url=f"{self.workspace_url}/team/{user['id']}",
            avatar_url=profile.get("image_72"),
            has_profile=True,
        )
