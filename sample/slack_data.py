"""The sample community as Slack sees it: channels, messages, threads, joins, users.

Most people of the community are in the workspace; their Slack names are written their
own way (``ana.s``, ``Ana``), most share their email with their other accounts, a few
accounts are deleted, and a deploy bot posts now and then. Some thread replies arrive
weeks after their parent, as they do in real workspaces.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sample import ambassadors
from sample.community import Community, Person, unique_handle
from sample.themes import Said, place_of

PUBLIC_CHANNELS = (
    ("general", 1.0),
    ("help", 0.9),
    ("dev", 0.6),
    ("announcements", 0.15),
    ("random", 0.3),
)
#: Channels the app is not a member of: the app cannot read them.
CLOSED_CHANNELS = ("random", "core-team")


@dataclass
class SlackUser:
    id: str
    name: str
    real_name: str
    display_name: str
    email: str | None
    tz: str | None
    person: Person | None = None
    is_bot: bool = False
    deleted: bool = False


@dataclass
class Message:
    ts: str
    user: str
    text: str
    subtype: str | None = None
    thread_ts: str | None = None
    replies: list[Message] = field(default_factory=list)
    edited: bool = False
    deleted: bool = False  # a deleted parent stays in history as a tombstone

    @property
    def when(self) -> datetime:
        from datetime import UTC

        return datetime.fromtimestamp(float(self.ts), UTC)


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool
    is_member: bool
    created: datetime
    messages: list[Message] = field(default_factory=list)  # parents and channel events


def ts_of(when: datetime, seq: int) -> str:
    return f"{int(when.timestamp())}.{seq % 1_000_000:06d}"


def slack_name(rng: random.Random, person: Person, taken: set[str]) -> tuple[str, str]:
    """(handle, display name) written the way people do on Slack; a handle is one
    account's (``taken``: the workspace's handles so far)."""
    first, last = person.name.split(" ", 1)
    drawn = rng.choice([f"{first}.{last[0]}", first, f"{first}{last}", person.login]).lower()
    handle = unique_handle(person.handle_on("slack", drawn), taken)
    display = person.name_on(
        "slack", rng.choice([first, f"{first} {last[0]}.", person.name, handle])
    )
    return handle, display


REPLIES = ("Yes, it works for me.", "Thanks, that fixed it!", "Same here, on 2.1.")


class SlackData:
    """A Slack workspace for the community, drawn deterministically."""

    def __init__(
        self, community: Community, messages_per_day: float = 10.0, workspace: str = "acacia-sample"
    ) -> None:
        self.community = community
        self.workspace = workspace
        self.rng = rng = random.Random("slack")
        self._seq = 0
        self.said = Said()
        self.users: dict[str, SlackUser] = {}
        taken: set[str] = set()
        for person in community.people:
            # Everyone with a second address is on Slack: that is where they use it.
            if (rng.random() < 0.7) | bool(person.other_email):
                handle, display = slack_name(rng, person, taken)
                # Drawn whatever chat address they have: the draw of everyone after them
                # stays as it was.
                drawn = person.other_email or (person.email if rng.random() < 0.9 else None)
                user = SlackUser(
                    f"U{person.key:07d}",
                    handle,
                    person.name_on("slack"),
                    display,
                    person.chat_email or drawn,
                    person.timezone,
                    person,
                )
                self.users[user.id] = user
        regulars = community.regulars()
        keep = {person.key for person, _ in regulars}
        candidates = [u for u in self.users.values() if u.person.key not in keep]
        for user in rng.sample(sorted(candidates, key=lambda u: u.id), 3):
            user.deleted = True
        self.bot = SlackUser(
            "U0DEPLOYBOT", "deploybot", "Deploy Bot", "deploybot", None, None, is_bot=True
        )
        self.users[self.bot.id] = self.bot
        self.by_person = {u.person.key: u for u in self.users.values() if u.person}
        #: Legacy integrations (webhooks): they post, but are not users.
        self.integrations: dict[str, SlackUser] = {}

        start = community.start
        self.channels: dict[str, Channel] = {}
        weights = dict(PUBLIC_CHANNELS)
        for number, name in enumerate([*weights, "core-team"]):
            channel = Channel(
                f"C{number + 1:08d}",
                name,
                is_private=name == "core-team",
                is_member=name not in CLOSED_CHANNELS,
                created=start,
            )
            self.channels[channel.id] = channel
        readable = [c for c in self.channels.values() if c.name in weights]
        for day in range(community.days):
            for _ in range(int(rng.expovariate(1 / messages_per_day))):
                when = start + timedelta(days=day, seconds=rng.uniform(0, 86400))
                channel = rng.choices(readable, weights=[weights[c.name] for c in readable])[0]
                self._draw_message(channel, when.replace(microsecond=0))
        for user in self.users.values():
            if user.person and not user.is_bot:
                joined = max(user.person.active_from, start + timedelta(hours=1))
                general = next(c for c in self.channels.values() if c.name == "general")
                general.messages.append(
                    Message(
                        self._ts(joined),
                        user.id,
                        f"<@{user.id}> has joined the channel",
                        subtype="channel_join",
                    )
                )
        # The hard cases' people say something in #general at their moments
        # (Community.regulars).
        general = next(c for c in self.channels.values() if c.name == "general")
        for person, moments in regulars:
            if (user := self.by_person.get(person.key)) is not None:
                for when in moments:
                    general.messages.append(Message(self._ts(when), user.id, "Hello all!"))
        self._add_legacy_shapes()
        self._add_welcomes()
        for channel in self.channels.values():
            channel.messages.sort(key=lambda m: m.ts)

    def _add_welcomes(self) -> None:
        """The Lagos champion answers the newcomers asking in #help first, while active
        (sample/ambassadors.py; no draw)."""
        lead = ambassadors.champion(self.community)
        user = self.by_person.get(lead.key) if lead else None
        if lead is None or user is None or user.deleted:
            return
        window = timedelta(days=ambassadors.NEWCOMER_DAYS)
        channel = next(c for c in self.channels.values() if c.name == "help")
        for parent in list(channel.messages):
            asker = self.users.get(parent.user)
            when = parent.when
            if (
                parent.subtype is None
                and not parent.deleted
                and asker is not None
                and asker.person is not None
                and asker is not user
                and self.community.start
                < asker.person.active_from
                <= when
                < (asker.person.active_from + window)
                and lead.active_at(when)
            ):
                reply_at = when + timedelta(seconds=ambassadors.WELCOME_SECONDS)
                if reply_at > self.community.end:
                    continue
                parent.thread_ts = parent.ts
                welcome = Message(
                    self._ts(reply_at), user.id, "Welcome! Here is how", thread_ts=parent.ts
                )
                parent.replies.insert(0, welcome)

    def _add_legacy_shapes(self) -> None:
        """What older workspaces hold (no draw from the generator, so nothing else moves):
        comments on shared files (``file_comment``, the commenter in ``comment.user``), and
        release notes from a legacy webhook: ``bot_message`` with only a ``username``,
        no ``bot_id`` and no ``bot_profile``, and no entry in users.list."""
        channels = {c.name: c for c in self.channels.values()}
        top_level = [m for m in channels["help"].messages if m.subtype is None and not m.deleted]
        for message in top_level[7::40]:
            channels["help"].messages.append(
                Message(
                    self._ts(message.when + timedelta(seconds=40)),
                    message.user,
                    "See the log I attached.",
                    subtype="file_comment",
                )
            )
        webhook = SlackUser(
            "bot:release-notes", "release-notes", "", "release-notes", None, None, is_bot=True
        )
        self.integrations[webhook.id] = webhook
        start = self.community.start
        for day in range(15, self.community.days, 30):
            when = start + timedelta(days=day, hours=9)
            channels["announcements"].messages.append(
                Message(self._ts(when), webhook.id, "Release notes", subtype="bot_message")
            )

    def who(self, user_id: str) -> SlackUser:
        """A message's author: a user, or a legacy integration (not in users.list)."""
        return self.users.get(user_id) or self.integrations[user_id]

    def _ts(self, when: datetime) -> str:
        self._seq += 1
        return ts_of(when, self._seq)

    def _author(self, when: datetime, exclude: SlackUser | None = None) -> SlackUser:
        for _ in range(30):
            person = self.community.pick(when, staff_bias=2)
            user = self.by_person.get(person.key)
            if user and user is not exclude and not user.deleted:
                return user
        return next(
            u for u in self.users.values() if u.person and not u.deleted and u is not exclude
        )

    def _draw_message(self, channel: Channel, when: datetime) -> None:
        rng, end = self.rng, self.community.end
        if rng.random() < 0.04:
            channel.messages.append(
                Message(self._ts(when), self.bot.id, "Deployed v1.2.3", subtype="bot_message")
            )
            return
        author = self._author(when)
        # What they ask: the importer, or, for people living in a place with themes of
        # its own (sample/themes.py), that place's themes in turn (no draw).
        place = place_of(author.person.location if author.person else None)
        parent = Message(
            self._ts(when),
            author.id,
            self.said.next(place) if place else "Has anyone tried the new importer?",
            edited=rng.random() < 0.1,
        )
        channel.messages.append(parent)
        if rng.random() < 0.35:
            parent.thread_ts = parent.ts
            reply_at = when
            for _ in range(1 + int(rng.expovariate(1 / 2.5))):
                late = rng.random() < 0.1
                reply_at += (
                    timedelta(days=rng.uniform(5, 25))
                    if late
                    else timedelta(minutes=rng.uniform(2, 600))
                )
                if reply_at > end:
                    break
                who = self._author(reply_at, exclude=author if rng.random() < 0.6 else None)
                # What replies say (taken in turn, so the draw does not move): some
                # thank, which the default tag rule notices.
                said = REPLIES[len(parent.replies) % len(REPLIES)]
                reply = Message(self._ts(reply_at), who.id, said, thread_ts=parent.ts)
                if rng.random() < 0.05:
                    reply.subtype = "thread_broadcast"
                parent.replies.append(reply)
            if parent.replies and rng.random() < 0.03:
                parent.deleted = True  # deleted after people replied: a tombstone stays

    # -- changes between syncs (tests) ----------------------------------------------
    def post(
        self,
        channel_name: str,
        user_id: str,
        when: datetime,
        thread_ts: str | None = None,
        text: str = "A new message",
    ) -> Message:
        channel = next(c for c in self.channels.values() if c.name == channel_name)
        message = Message(self._ts(when), user_id, text, thread_ts=thread_ts)
        if thread_ts is None:
            channel.messages.append(message)
        else:
            parent = next(m for m in channel.messages if m.ts == thread_ts)
            parent.thread_ts = parent.ts
            parent.replies.append(message)
        return message

    # -- what tests compare against -----------------------------------------------------
    def accounts(self) -> dict[str, Person]:
        """Every person's account as the connector lands it: user id -> person (the truth
        identity resolution is measured against; bots and integrations are nobody)."""
        return {u.id: u.person for u in self.users.values() if u.person and not u.is_bot}

    def activities(self, readable_only: bool = True) -> list[tuple[str, SlackUser, str]]:
        """Every activity as (type, who, ts), read off the drawn data."""
        out: list[tuple[str, SlackUser, str]] = []
        for channel in self.channels.values():
            if readable_only and not channel.is_member:
                continue
            for message in channel.messages:
                user = self.who(message.user)
                if message.subtype == "channel_join":
                    out.append(("channel_join", user, message.ts))
                elif not message.deleted:
                    out.append(("message", user, message.ts))
                out += [("thread_reply", self.users[r.user], r.ts) for r in message.replies]
        return out
