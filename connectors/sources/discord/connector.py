"""What the Discord connector reads, and how it stays incremental.

- **channels**: the server's text, announcement and forum channels (all of them, or
  those named in ``sources.discord.channels``), from ``/guilds/{id}/channels``.
- **messages**: a text or announcement channel's history, oldest first from the newest
  id landed (``after=<id>``, 100 a page; the first sync starts at the snowflake of the
  backfill's first day). Each page lands with its newest id as the cursor, so an
  interrupted sync resumes after the last page it landed.
- **threads**: a thread is a channel of its own. The server's active threads come in
  one call (``/guilds/{id}/threads/active``); a channel's archived public threads are
  listed (``/channels/{id}/threads/archived/public``, newest archived first) only when
  the channel changed since they were last listed (its ``last_message_id``: a new
  thread leaves a message in a text channel, and is the last "message" of a forum), and
  down to the last listing only. A thread is read (from its own cursor) when its
  ``last_message_id`` is past it, and a thread that was active at the last sync and is
  not now is read once more (it may have had replies before it was archived). So a
  quiet sync costs one request per text channel, plus the channel list and the active
  threads.
- **members** (only with ``staff_roles``): ``/guilds/{id}/members`` (1,000 a page, the
  Server Members intent) and ``/guilds/{id}/roles``, for who is staff.

What a message is: a channel message is a ``message`` (a chat message, which opens a
thread once someone answers it); a reply (``message_reference``) or a message in a
thread is a ``thread_reply``; a forum post (a forum thread's first message, whose id is
the thread's) is a ``forum_post``; a member joining the server (system message type 7)
is ``server_join``. Other system messages (pins, boosts, "started a thread") are not
activities. Bots and webhooks are bot identities (a webhook is ``webhook:<id>``); a
deleted account ("Deleted User", discriminator ``0000``, or ``deleted_user_…``) counts
for the one ghost identity. A message's text is empty when the bot lacks the Message
Content intent: the activity still counts, and the sync says so once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from connectors.core import clock
from connectors.core.batch import Batch, SavedState, each_stream, read_each
from connectors.core.clock import utc
from connectors.core.errors import SourceError
from connectors.core.records import Activity, Identity
from connectors.sources.discord.client import DiscordClient, Forbidden

log = logging.getLogger(__name__)
SOURCE = "discord"
PAGE = 100
MEMBERS_PAGE = 1000
#: Discord's epoch (2015-01-01) in Unix milliseconds: a snowflake's time is its top bits.
EPOCH_MS = 1420070400000
#: Channel types read: text, announcement, forum; threads: announcement and public.
TEXT, ANNOUNCEMENT, FORUM = 0, 5, 15
READ_TYPES = (TEXT, ANNOUNCEMENT, FORUM)
#: Message types: a plain message and a reply are someone's words; a join is a join.
DEFAULT, JOIN, REPLY = 0, 7, 19
#: The copy of a thread's starter message Discord puts first in the thread.
STARTER = 21
#: Deleted accounts' posts all count for this one identity, flagged deleted.
GHOST_ID = "deleted"
DELETED = re.compile(r"^(deleted user|deleted_user_[0-9a-f]+)$", re.I)
CDN = "https://cdn.discordapp.com"


def snowflake_time(snowflake: str | int) -> datetime:
    return datetime.fromtimestamp(((int(snowflake) >> 22) + EPOCH_MS) / 1000, UTC)


def snowflake_at(when: datetime) -> str:
    """The smallest snowflake of an instant: ``after=`` it reads from that instant."""
    return str(max(int(when.timestamp() * 1000) - EPOCH_MS, 0) << 22)


def newer(a: str | None, b: str | None) -> bool:
    """Whether snowflake ``a`` is after ``b`` (None is before everything)."""
    return a is not None and (b is None or int(a) > int(b))


@dataclass(frozen=True)
class ChannelState(SavedState):
    """A channel's saved state (``<channel id>:channel``)."""

    #: The newest message id landed (text and announcement channels).
    after: str | None = None
    #: The channel's last_message_id when its archived threads were last listed, and
    #: when (ISO): the next listing stops at threads archived before it.
    listed: str | None = None
    listed_at: str | None = None


@dataclass(frozen=True)
class ThreadState(SavedState):
    """A thread's saved state (``<thread id>:thread``): the newest message id landed, the
    channel it belongs to, and, for a thread started from no message, its first
    message's id: the conversation its replies answer."""

    after: str | None = None
    parent: str | None = None
    root: str | None = None


@dataclass(frozen=True)
class OpenThreads(SavedState):
    """The threads active at the last sync (``guild:threads``)."""

    open: tuple[str, ...] = ()


class DiscordConnector:
    """Reads a Discord server incrementally and yields :class:`Batch` es."""

    def __init__(
        self,
        client: DiscordClient,
        guild_id: str,
        *,
        channels: list[str] | None = None,
        staff_roles: list[str] | None = None,
        backfill_days: int = 365,
        store_bodies: bool = False,
        now: datetime | None = None,
    ) -> None:
        self.client = client
        self.guild = str(guild_id)
        self.only = {str(c).lstrip("#").lower() for c in channels or []}
        self.staff_roles = {r.lower() for r in staff_roles or []}
        self.now = now or clock.now()
        self.floor = snowflake_at(self.now - timedelta(days=backfill_days))
        self.store_bodies = store_bodies
        self.problems: list[SourceError] = []
        #: Messages whose text Discord hid (no Message Content intent), and of how many.
        self.hidden = 0
        self.read = 0
        #: Channels the bot may not read (when every channel was asked for).
        self.unreadable: list[str] = []
        self._staff: set[str] = set()
        self._roots: dict[str, str] = {}

    @property
    def requests(self) -> int:
        return self.client.requests

    # -- the sync ---------------------------------------------------------------------
    def sync(self, state: dict[str, dict[str, Any]]) -> Iterator[Batch]:
        try:
            channels = self.channels()
            active = self.client.get(f"/guilds/{self.guild}/threads/active").get("threads", [])
        except SourceError as error:
            self.problems.append(error)
            return
        if self.staff_roles:
            yield from each_stream([("members", self._members)], self.problems)
        wanted = {c["id"] for c in channels}
        active = [t for t in active if t.get("parent_id") in wanted]
        was_open = set(OpenThreads.load(state.get("guild:threads", {})).open)
        streams = [
            (f"#{c['name']}", partial(self._channel, c, active, was_open, state)) for c in channels
        ]
        yield from each_stream(streams, self.problems)
        yield Batch(
            "threads", "guild", state=OpenThreads(tuple(sorted(t["id"] for t in active))).dump()
        )
        if self.unreadable:
            log.info(
                "discord: the bot may not read %s (not named in sources.discord.channels: skipped)",
                ", ".join(f"#{name}" for name in self.unreadable),
            )
        if self.hidden:
            log.warning(
                "discord: %d of %d messages came without their text: the bot lacks the "
                "Message Content intent (README, Connecting Discord); they still count",
                self.hidden,
                self.read,
            )

    def channels(self) -> list[dict[str, Any]]:
        """The channels to read, as the server lists them."""
        listed = self.client.get(f"/guilds/{self.guild}/channels")
        found = [
            c
            for c in listed
            if c.get("type") in READ_TYPES
            and (not self.only or c["id"] in self.only or c.get("name", "").lower() in self.only)
        ]
        missing = self.only - {c["id"] for c in found} - {c["name"].lower() for c in found}
        for name in sorted(missing):
            self.problems.append(
                SourceError(
                    SOURCE,
                    f"no text, announcement or forum channel {name!r} in the server.",
                    "Check sources.discord.channels (names without #, or ids).",
                )
            )
        return found

    def _channel(
        self,
        channel: dict[str, Any],
        active: list[dict[str, Any]],
        was_open: set[str],
        state: dict[str, dict[str, Any]],
    ) -> Iterator[Batch]:
        key = f"{channel['id']}:channel"
        saved = ChannelState.load(state.get(key, {}))
        if channel["type"] != FORUM:
            start = saved.after or self.floor
            try:
                for page, newest in self._pages(channel["id"], start):
                    batch = self._batch(page, channel, None)
                    saved = ChannelState(newest, saved.listed, saved.listed_at)
                    batch.state = saved.dump()
                    yield batch
            except Forbidden:
                if channel["id"] in self.only or channel["name"].lower() in self.only:
                    raise  # named in acacia.yml: the team wants it read
                # Every channel was asked for: one the bot may not see is not a problem.
                self.unreadable.append(channel["name"])
                return
        threads = [t for t in active if t["parent_id"] == channel["id"]]
        mine = {t["id"] for t in threads}
        if newer(channel.get("last_message_id"), saved.listed) or saved.listed is None:
            threads += [
                t for t in self._archived(channel["id"], saved.listed_at) if t["id"] not in mine
            ]
            saved = ChannelState(saved.after, channel.get("last_message_id"), self.now.isoformat())
        else:
            # Active at the last sync, archived since: read once more.
            threads += [
                {"id": t, "parent_id": channel["id"], "last_message_id": None}
                for t in sorted(was_open - mine)
                if self._parent_unknown_or(channel["id"], t, state)
            ]
        for thread in threads:
            yield from self._thread(thread, channel, state)
        yield Batch("channel", channel["id"], state=saved.dump())

    @staticmethod
    def _parent_unknown_or(channel_id: str, thread_id: str, state: dict) -> bool:
        """A thread once open is re-read under the channel whose threads it was."""
        return ThreadState.load(state.get(f"{thread_id}:thread", {})).parent == channel_id

    def _thread(
        self, thread: dict[str, Any], channel: dict[str, Any], state: dict[str, dict[str, Any]]
    ) -> Iterator[Batch]:
        key = f"{thread['id']}:thread"
        saved = ThreadState.load(state.get(key, {}))
        last = thread.get("last_message_id")
        if last is not None and not newer(last, saved.after):
            return  # nothing new in it
        start = saved.after or self.floor
        root = saved.root
        pages = 0
        for page, newest in self._pages(thread["id"], start):
            # A thread started from no message (no starter copy, type 21, first): its
            # first message opens it, and the conversation is that message's, as a
            # chat message's is (its replies' thread is its id).
            first = page[0]
            fresh = not pages and saved.after is None
            if fresh and first["type"] != STARTER and first["id"] != thread["id"]:
                root = first["id"]
            pages += 1
            batch = self._batch(page, channel, {**thread, "root": root or thread["id"]})
            batch.state = ThreadState(newest, channel["id"], root).dump()
            yield batch
        if not pages and key not in state:
            yield Batch("thread", thread["id"], state=ThreadState(None, channel["id"]).dump())

    def _pages(self, channel_id: str, after: str) -> Iterator[tuple[list[dict], str]]:
        """Pages of a channel's messages after ``after``, each oldest first, with the
        newest id in it (Discord answers ``after=`` with the next ``limit`` messages,
        newest first)."""
        while True:
            page = self.client.get(
                f"/channels/{channel_id}/messages", {"after": after, "limit": PAGE}
            )
            if not page:
                return
            page = sorted(page, key=lambda m: int(m["id"]))
            after = page[-1]["id"]
            yield page, after
            if len(page) < PAGE:
                return

    def _archived(self, channel_id: str, since: str | None) -> list[dict[str, Any]]:
        """A channel's archived public threads, newest archived first, down to those
        archived before ``since`` (ISO; None: all)."""
        found: list[dict[str, Any]] = []
        before = None
        while True:
            params = {"limit": PAGE, **({"before": before} if before else {})}
            try:
                listed = self.client.get(f"/channels/{channel_id}/threads/archived/public", params)
            except Forbidden:
                return found  # threads the bot may not list: its messages are still read
            threads = listed.get("threads", [])
            for thread in threads:
                archived = (thread.get("thread_metadata") or {}).get("archive_timestamp")
                if since and archived and utc(archived) < utc(since):
                    return found
                found.append(thread)
            if not listed.get("has_more") or not threads:
                return found
            before = (threads[-1].get("thread_metadata") or {}).get("archive_timestamp")

    def _members(self) -> Iterator[Batch]:
        """Who is staff: the members holding a role named in ``staff_roles``."""
        roles = self.client.get(f"/guilds/{self.guild}/roles")
        staff = {r["id"] for r in roles if r.get("name", "").lower() in self.staff_roles}
        after = "0"
        while True:
            page = self.client.get(
                f"/guilds/{self.guild}/members", {"limit": MEMBERS_PAGE, "after": after}
            )
            identities = []
            for member in page:
                user = member.get("user") or {}
                if staff & set(member.get("roles") or ()) and user.get("id"):
                    self._staff.add(user["id"])
                    identities.append(self._user(user, member.get("nick"), has_profile=True))
            yield Batch("members", "guild", identities=identities)
            if len(page) < MEMBERS_PAGE:
                return
            after = max((m["user"]["id"] for m in page), key=int)

    # -- records ----------------------------------------------------------------------
    def _batch(
        self,
        page: list[dict[str, Any]],
        channel: dict[str, Any],
        thread: dict[str, Any] | None,
    ) -> Batch:
        """A page of a channel's (``<channel id>:channel``) or a thread's (``<thread
        id>:thread``) messages; its state is set by the caller."""
        identities: dict[str, Identity] = {}

        def read(message: dict[str, Any]) -> list[Activity]:
            activity = self._activity(message, channel, thread, identities)
            return [activity] if activity else []

        stream = "thread" if thread else "messages"
        activities, rejects = read_each(page, read, stream, f"#{channel['name']}")
        scope = thread["id"] if thread else channel["id"]
        return Batch(
            "thread" if thread else "channel",
            scope,
            activities,
            list(identities.values()),
            None,
            rejects,
        )

    def _activity(
        self,
        message: dict[str, Any],
        channel: dict[str, Any],
        thread: dict[str, Any] | None,
        identities: dict[str, Identity],
    ) -> Activity | None:
        kind = message["type"]
        if kind not in (DEFAULT, REPLY, JOIN):
            return None  # pins, boosts, "started a thread", a thread's starter copy
        identity = self._author(message)
        identities[identity.source_user_id] = identity
        message_id = message["id"]
        when = utc(message["timestamp"])
        where = thread["id"] if thread else channel["id"]
        url = f"https://discord.com/channels/{self.guild}/{where}/{message_id}"
        if kind == JOIN:
            return Activity(
                SOURCE, message_id, "server_join", when, identity.source_user_id, channel["name"],
                url=url,
            )  # fmt: skip
        reference = (message.get("message_reference") or {}).get("message_id")
        title = None
        if thread is not None and message_id == thread["id"]:
            kind_name, root, parent = "forum_post", message_id, None
            title = thread.get("name")
        elif thread is not None and message_id == thread.get("root"):
            kind_name, root, parent = "message", message_id, None  # a thread's own opener
        elif thread is not None:
            root = thread.get("root") or thread["id"]
            kind_name, parent = "thread_reply", reference or root
        elif reference:
            kind_name, parent = "thread_reply", reference
            root = self._roots.get(reference, reference)
        else:
            kind_name, root, parent = "message", message_id, None
        self._roots[message_id] = root
        content = message.get("content") or ""
        self.read += 1
        extra: dict[str, Any] = {}
        if not content and not message.get("attachments") and not message.get("embeds"):
            self.hidden += 1
            extra["text_hidden"] = True
        reactions = sum(r.get("count", 0) for r in message.get("reactions") or [])
        if reactions:
            extra["reactions"] = reactions
        if message.get("edited_timestamp"):
            extra["edited"] = True
        return Activity(
            SOURCE,
            message_id,
            kind_name,
            when,
            identity.source_user_id,
            channel["name"],
            url=url,
            title=title,
            thread_id=root,
            parent_id=parent,
            body=content if self.store_bodies and content else None,
            extra=extra,
        )

    def _author(self, message: dict[str, Any]) -> Identity:
        author = message["author"]
        if message.get("webhook_id"):
            return Identity(
                SOURCE,
                f"webhook:{message['webhook_id']}",
                author.get("username") or "webhook",
                is_bot=True,
                has_profile=True,
            )
        if DELETED.match(author.get("username", "")) and author.get("discriminator") in (
            "0000",
            "0",
            None,
        ):
            return Identity(SOURCE, GHOST_ID, "Deleted User", is_deleted=True, has_profile=True)
        return self._user(author)

    def _user(self, user: dict[str, Any], nick: str | None = None, **flags: Any) -> Identity:
        avatar = user.get("avatar")
        return Identity(
            SOURCE,
            user["id"],
            user["username"],
            display_name=nick or user.get("global_name") or None,
            is_bot=bool(user.get("bot") or user.get("system")),
            is_staff=user["id"] in self._staff,
            avatar_url=f"{CDN}/avatars/{user['id']}/{avatar}.png" if avatar else None,
            profile_url=f"https://discord.com/users/{user['id']}",
            **flags,
        )

    # -- for acacia check ---------------------------------------------------------------
    def probe(self) -> str:
        """A line for ``acacia check``: who the bot is, the channels it reads, and
        whether it sees messages' text (one page of the first text channel)."""
        me = self.client.get("/users/@me")
        channels = self.channels()
        line = f"bot {me.get('username')} reads {len(channels)} channels"
        text = next((c for c in channels if c["type"] != FORUM), None)
        if text is not None:
            page = self.client.get(f"/channels/{text['id']}/messages", {"limit": 50})
            said = [m for m in page if m.get("type") in (DEFAULT, REPLY)]
            empty = sum(not m.get("content") and not m.get("attachments") for m in said)
            if said and empty == len(said):
                line += (
                    f"; the last {len(said)} messages of #{text['name']} came without their "
                    "text: turn on the Message Content intent (Developer Portal → Bot → "
                    "Privileged Gateway Intents) to read it (activity is counted either way)"
                )
        return line
