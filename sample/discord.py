"""A fake Discord REST API (v10) over :class:`DiscordData`, as Discord serves it to a bot.

- ``Authorization: Bot <token>``, else 401 ``{"message": "401: Unauthorized", "code": 0}``;
  a channel the bot may not read answers 403 ``{"message": "Missing Access", "code":
  50001}``.
- ``/channels/{id}/messages`` takes ``after`` or ``before`` and ``limit`` (1–100, 50 by
  default) and answers newest first, as Discord does (``after=`` gives the ``limit``
  messages just after the id).
- ``/guilds/{id}/threads/active`` gives every active thread of the server;
  ``/channels/{id}/threads/archived/public`` a channel's archived public threads, newest
  archived first, ``before`` an ISO time, with ``has_more``.
- Rate limits per route: every answer carries ``X-RateLimit-Limit``, ``-Remaining``,
  ``-Reset``, ``-Reset-After`` and ``-Bucket``; a route called past its limit within a
  window answers 429 with ``{"message", "retry_after", "global": false}``. The faults
  ``rate_limited`` and ``global_limit`` answer 429 once (the latter with ``global:
  true`` and ``X-RateLimit-Global``).
- ``content_intent=False`` serves every message's ``content`` empty, as Discord does to
  a bot without the Message Content intent.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from datetime import UTC, datetime

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sample.base import DemoSource, FakeAPI, Fault
from sample.discord_data import GUILD_ID, DiscordData, DMessage, DThread

PREFIX = "/api/v10"


def iso(when: datetime | None) -> str | None:
    return when.astimezone(UTC).isoformat(timespec="microseconds") if when else None


class FakeDiscord(FakeAPI):
    """Discord for the sample community's server."""

    name = "discord"

    def __init__(
        self,
        data: DiscordData,
        token: str | None = None,
        *,
        content_intent: bool = True,
        limit: int = 50,
        window: float = 0.2,
    ) -> None:
        super().__init__()
        self.data = data
        self.token = token
        self.content_intent = content_intent
        self.limit, self.window = limit, window
        self._calls: dict[str, list[float]] = {}
        self._limits = threading.Lock()

    def rules(self) -> list[Rule]:
        return [
            Rule(f"{PREFIX}/users/@me", endpoint="me"),
            Rule(f"{PREFIX}/guilds/<guild>", endpoint="guild"),
            Rule(f"{PREFIX}/guilds/<guild>/channels", endpoint="channels"),
            Rule(f"{PREFIX}/guilds/<guild>/roles", endpoint="roles"),
            Rule(f"{PREFIX}/guilds/<guild>/members", endpoint="members"),
            Rule(f"{PREFIX}/guilds/<guild>/threads/active", endpoint="active"),
            Rule(f"{PREFIX}/channels/<channel>/messages", endpoint="messages"),
            Rule(f"{PREFIX}/channels/<channel>/threads/archived/public", endpoint="archived"),
        ]

    # -- protocol ---------------------------------------------------------------------
    @staticmethod
    def bucket(request: Request) -> str:
        """The route's bucket: its path with ids but the top-level one replaced."""
        path = request.path.removeprefix(PREFIX)
        major = re.match(r"^/(channels|guilds)/\d+", path)
        rest = re.sub(r"/\d+", "/{id}", path[major.end() :] if major else path)
        return hashlib.sha1(((major.group(0) if major else "") + rest).encode()).hexdigest()[:16]

    def dispatch(self, request: Request) -> Response:
        authorized = self.token is None or (
            request.headers.get("Authorization") == f"Bot {self.token}"
        )
        if request.path.startswith(PREFIX) and not authorized:
            return self.json({"message": "401: Unauthorized", "code": 0}, status=401)
        if request.path.startswith(PREFIX):
            spent = self._spend(request)
            if spent is not None:
                return spent
        return super().dispatch(request)

    def _spend(self, request: Request) -> Response | None:
        bucket, now = self.bucket(request), time.monotonic()
        with self._limits:
            calls = [t for t in self._calls.get(bucket, []) if t > now - self.window]
            calls.append(now)
            self._calls[bucket] = calls
            over = len(calls) > self.limit
        if over:
            wait = round(self.window, 3)
            return self.json(
                {"message": "You are being rate limited.", "retry_after": wait, "global": False},
                status=429,
                headers={"Retry-After": str(wait), "X-RateLimit-Scope": "user"},
            )
        return None

    def extra_headers(self, request: Request, response: Response) -> None:
        if not request.path.startswith(PREFIX):
            return
        bucket = self.bucket(request)
        with self._limits:
            used = len(self._calls.get(bucket, []))
        response.headers["X-RateLimit-Limit"] = str(self.limit)
        response.headers["X-RateLimit-Remaining"] = str(max(self.limit - used, 0))
        response.headers["X-RateLimit-Reset-After"] = f"{self.window:.3f}"
        response.headers["X-RateLimit-Reset"] = f"{time.time() + self.window:.3f}"
        response.headers["X-RateLimit-Bucket"] = bucket

    def fault_response(self, fault: Fault, request: Request) -> Response | None:
        if fault.kind in ("rate_limited", "global_limit"):
            is_global = fault.kind == "global_limit"
            wait = float(fault.params.get("retry_after", 0.05))
            headers = {
                "Retry-After": str(wait),
                "X-RateLimit-Scope": "global" if is_global else "user",
            }
            if is_global:
                headers["X-RateLimit-Global"] = "true"
            return self.json(
                {
                    "message": "You are being rate limited.",
                    "retry_after": wait,
                    "global": is_global,
                },
                status=429,
                headers=headers,
            )
        return super().fault_response(fault, request)

    # -- payloads ---------------------------------------------------------------------
    def message(self, m: DMessage, depth: int = 0) -> dict:
        out = {
            "id": m.id,
            "type": m.type,
            "content": m.content if self.content_intent else "",
            "channel_id": m.channel_id,
            "author": m.author.json(),
            "attachments": [],
            "embeds": [],
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "mention_everyone": False,
            "tts": False,
            "timestamp": iso(m.when),
            "edited_timestamp": iso(m.when.replace(second=59)) if m.edited else None,
            "flags": 32 if m.thread else 0,
            "components": [],
        }
        if m.author.webhook_id:
            out["webhook_id"] = m.author.webhook_id
        if m.reactions:
            out["reactions"] = [
                {"emoji": {"id": None, "name": "👍"}, "count": m.reactions, "me": False}
            ]
        if m.reference is not None:
            out["message_reference"] = {
                "type": 0,
                "message_id": m.reference.id,
                "channel_id": m.reference.channel_id,
                "guild_id": GUILD_ID,
            }
            if depth == 0:
                out["referenced_message"] = self.message(m.reference, 1)
        if m.thread is not None:
            out["thread"] = self.thread(m.thread)
        return out

    def thread(self, t: DThread) -> dict:
        return {
            "id": t.id,
            "type": 11,
            "guild_id": GUILD_ID,
            "parent_id": t.parent_id,
            "owner_id": t.owner.id,
            "name": t.name,
            "last_message_id": t.last_message_id,
            "message_count": sum(m.type != 21 for m in t.messages),
            "member_count": len({m.author.id for m in t.messages}),
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": t.archived_at is not None,
                "archive_timestamp": iso(t.archived_at or t.created),
                "auto_archive_duration": 1440,
                "locked": False,
                "create_timestamp": iso(t.created),
            },
        }

    def channel(self, c: dict) -> dict:
        messages = self.data.messages.get(c["id"], [])
        threads = [t for t in self.data.threads if t.parent_id == c["id"]]
        last = (
            max((t.id for t in threads), key=int, default=None)
            if c["type"] == 15
            else (messages[-1].id if messages else None)
        )
        out = {
            "id": c["id"],
            "type": c["type"],
            "guild_id": GUILD_ID,
            "name": c["name"],
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
        }
        if c["type"] in (0, 5, 15):
            out |= {"last_message_id": last, "topic": None, "rate_limit_per_user": 0}
        return out

    # -- routes -----------------------------------------------------------------------
    def on_me(self, request: Request) -> Response:
        return self.json(self.data.bot.json() | {"bot": True, "username": "Acacia Bot"})

    def on_guild(self, request: Request, guild: str) -> Response:
        if guild != GUILD_ID:
            return self.json({"message": "Unknown Guild", "code": 10004}, status=404)
        return self.json({"id": GUILD_ID, "name": "Acacia", "owner_id": "1"})

    def on_channels(self, request: Request, guild: str) -> Response:
        if guild != GUILD_ID:
            return self.json({"message": "Unknown Guild", "code": 10004}, status=404)
        return self.json([self.channel(c) for c in self.data.channels.values()])

    def on_roles(self, request: Request, guild: str) -> Response:
        return self.json(
            [
                {"id": GUILD_ID, "name": "@everyone", "position": 0},
                {"id": "1400000000000000001", "name": "Team", "position": 2},
                {"id": "1400000000000000002", "name": "Contributors", "position": 1},
            ]
        )

    def on_members(self, request: Request, guild: str) -> Response:
        limit = min(int(request.args.get("limit", 1)), 1000)
        after = int(request.args.get("after", 0))
        people = sorted(self.data.users.values(), key=lambda u: int(u.id))
        page = [u for u in people if int(u.id) > after][:limit]
        return self.json(
            [
                {
                    "user": u.json(),
                    "nick": None,
                    "roles": ["1400000000000000001"]
                    if u.person.organization and u.person.organization.is_staff
                    else ["1400000000000000002"],
                    "joined_at": iso(u.person.active_from),
                    "deaf": False,
                    "mute": False,
                }
                for u in page
            ]
        )

    def on_active(self, request: Request, guild: str) -> Response:
        active = [t for t in self.data.threads if t.archived_at is None]
        return self.json({"threads": [self.thread(t) for t in active], "members": []})

    def _history(self, channel: str) -> list[DMessage] | None:
        if channel in self.data.messages:
            return self.data.messages[channel]
        thread = next((t for t in self.data.threads if t.id == channel), None)
        return thread.messages if thread else None

    def on_messages(self, request: Request, channel: str) -> Response:
        forbidden = self.data.channels[self.data.FORBIDDEN]["id"]
        if channel == forbidden:
            return self.json({"message": "Missing Access", "code": 50001}, status=403)
        history = self._history(channel)
        if history is None:
            return self.json({"message": "Unknown Channel", "code": 10003}, status=404)
        limit = int(request.args.get("limit", 50))
        if not 1 <= limit <= 100:
            return self.json({"message": "Invalid Form Body", "code": 50035}, status=400)
        ordered = sorted(history, key=lambda m: int(m.id))
        if "after" in request.args:
            after = int(request.args["after"])
            page = [m for m in ordered if int(m.id) > after][:limit]
        else:
            before = int(request.args.get("before", 1 << 63))
            page = [m for m in ordered if int(m.id) < before][-limit:]
        return self.json([self.message(m) for m in reversed(page)])

    def on_archived(self, request: Request, channel: str) -> Response:
        limit = int(request.args.get("limit", 50))
        before = request.args.get("before")
        archived = sorted(
            (t for t in self.data.threads if t.parent_id == channel and t.archived_at),
            key=lambda t: t.archived_at,
            reverse=True,
        )
        if before:
            edge = datetime.fromisoformat(before)
            archived = [t for t in archived if t.archived_at < edge]
        page = archived[:limit]
        return self.json(
            {
                "threads": [self.thread(t) for t in page],
                "members": [],
                "has_more": len(archived) > limit,
            }
        )


DEMO = DemoSource(
    port=8771,
    api=lambda community: FakeDiscord(DiscordData(community)),
    secrets={"token_env": "ACACIA_DEMO_DISCORD_TOKEN"},
    settings=lambda url: {
        "guild_id": GUILD_ID,
        "base_url": f"{url}{PREFIX}",
        "staff_roles": ["Team"],
    },
)
