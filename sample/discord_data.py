"""The sample community on its Discord server: #general (where joins are announced),
#help (questions, replies, threads started from a question), #announcements (the
team, a bot and a GitHub webhook), a #showcase forum (each post a thread), a voice
channel and a category (not read), and #staff-only, which the bot may not read.

About two people in five are on the server. Their username is their GitHub login for
most (the same handle is evidence for identity resolution), their display name
(``global_name``) their name as they write it, or none; a few still have a legacy
four-digit discriminator. What real servers hold besides is drawn in too: replies
(``message_reference``), edited messages, reactions, a thread started from no message
(its parent channel only says "started a thread"), a bot, a webhook, and accounts that
were deleted ("Deleted User", discriminator ``0000``, and the new system's
``deleted_user_…``), whose messages stay.

Drawn from a generator of its own (not the community's), so adding the server changes
no other source's draw. The hard cases of identity resolution are not on it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sample.community import Community, Person

GUILD_ID = "1100000000000000001"
EPOCH_MS = 1420070400000
SAYINGS = (
    "Has anyone tried the new plugin API?",
    "Thanks, that fixed it!",
    "I can review that pull request tonight.",
    "The docs for the installer are out of date, I'll open an issue.",
    "Anyone going to the community call on Thursday?",
    "Here is my first contribution, feedback welcome.",
    "Which version are you on?",
)


@dataclass
class DUser:
    id: str
    username: str
    global_name: str | None
    discriminator: str = "0"
    avatar: str | None = None
    bot: bool = False
    person: Person | None = None
    deleted: bool = False
    webhook_id: str | None = None

    @property
    def landed_id(self) -> str:
        """The author as the connector lands them."""
        if self.webhook_id:
            return f"webhook:{self.webhook_id}"
        return "deleted" if self.deleted else self.id

    def json(self) -> dict:
        out = {
            "id": self.webhook_id or self.id,
            "username": self.username,
            "avatar": self.avatar,
            "discriminator": self.discriminator,
            "public_flags": 0,
            "flags": 0,
            "global_name": self.global_name,
        }
        if self.bot or self.webhook_id:
            out["bot"] = True
        return out


@dataclass
class DThread:
    id: str
    parent_id: str
    name: str
    owner: DUser
    created: datetime
    messages: list[DMessage] = field(default_factory=list)
    #: Started from a message of its parent channel (whose id is the thread's).
    from_message: bool = True
    archived_at: datetime | None = None

    @property
    def last_message_id(self) -> str:
        return self.messages[-1].id if self.messages else self.id


@dataclass
class DMessage:
    id: str
    channel_id: str
    author: DUser
    when: datetime
    content: str
    type: int = 0
    reference: DMessage | None = None
    #: The thread it started (a parent channel's message whose id is the thread's).
    thread: DThread | None = None
    reactions: int = 0
    edited: bool = False

    @property
    def counted(self) -> str | None:
        """The activity type it lands as, or None for a system message."""
        return {0: "message", 19: "thread_reply", 7: "server_join"}.get(self.type)


class DiscordData:
    """What the sample community did on Discord (``messages_per_day`` in each of the
    chat channels)."""

    CHANNELS = (
        # id suffix, name, type
        (10, "general", 0),
        (11, "help", 0),
        (12, "announcements", 5),
        (13, "showcase", 15),
        (14, "Voice", 2),
        (15, "Community", 4),
        (16, "staff-only", 0),
    )
    #: The channel the bot may not read.
    FORBIDDEN = "staff-only"

    def __init__(self, community: Community, messages_per_day: float = 1.5) -> None:
        self.community = community
        self.rng = random.Random("acacia-discord")
        self._sequence = 0
        self.channels = {
            name: {"id": f"12000000000000000{n}", "name": name, "type": kind}
            for n, name, kind in self.CHANNELS
        }
        self.messages: dict[str, list[DMessage]] = {c["id"]: [] for c in self.channels.values()}
        self.threads: list[DThread] = []
        hard = {person.key for person, _ in community.regulars()}
        self.users: dict[int, DUser] = {}
        for person in community.people:
            if person.is_bot or person.key in hard:
                continue
            if random.Random(f"discord-member:{person.key}").random() < 0.4:
                self.users[person.key] = self._user(person)
        self.bot = DUser("1300000000000000001", "Acacia Bot", None, "1234", bot=True)
        self.webhook = DUser(
            "1300000000000000002", "Release Feed", None, "0000", webhook_id="1300000000000000003"
        )
        self.ghosts = [
            DUser("1300000000000000004", "Deleted User", None, "0000", deleted=True),
            DUser("1300000000000000005", "deleted_user_5f1c2a9b3d7e", None, "0", deleted=True),
        ]
        self._draw(messages_per_day)

    # -- drawing ------------------------------------------------------------------------
    def _user(self, person: Person) -> DUser:
        rng = random.Random(f"discord-user:{person.key}")
        first = person.name.split(" ")[0].lower()
        username = rng.choices(
            [person.login, f"{first}{rng.randint(10, 99)}", f"{first}_dev"], weights=[65, 25, 10]
        )[0]
        legacy = rng.random() < 0.1
        return DUser(
            str(1_200_000_000_000_000_000 + person.key),
            person.handle_on("discord", username),
            person.name_on("discord") if rng.random() < 0.8 else None,
            f"{rng.randint(1, 9999):04d}" if legacy else "0",
            avatar=f"{rng.getrandbits(64):016x}" if rng.random() < 0.7 else None,
            person=person,
        )

    def snowflake(self, when: datetime) -> str:
        self._sequence += 1
        ms = int(when.timestamp() * 1000) - EPOCH_MS
        return str((ms << 22) | (self._sequence % (1 << 22)))

    def _pick(self, when: datetime, exclude: DUser | None = None) -> DUser | None:
        active = [u for u in self.users.values() if u.person.active_at(when) and u is not exclude]
        if not active:
            return None
        return self.rng.choices(active, weights=[u.person.propensity for u in active])[0]

    def _time(self) -> datetime:
        span = self.community.days * 86400
        return (self.community.start + timedelta(seconds=self.rng.uniform(0, span))).replace(
            microsecond=0
        )

    def _post(self, channel: str, author: DUser, when: datetime, **kw) -> DMessage:
        message = DMessage(
            self.snowflake(when),
            self.channels[channel]["id"],
            author,
            when,
            kw.pop("content", self.rng.choice(SAYINGS)),
            **kw,
        )
        self.messages[message.channel_id].append(message)
        return message

    def _draw(self, per_day: float) -> None:
        end, rng = self.community.end, self.rng
        for user in self.users.values():
            joined = max(user.person.active_from, self.community.start) + timedelta(
                hours=rng.uniform(1, 48)
            )
            if joined < end:
                self._post("general", user, joined.replace(microsecond=0), type=7, content="")
        for channel in ("general", "help", "staff-only"):
            for _ in range(round(self.community.days * per_day)):
                when = self._time()
                author = self._pick(when)
                if author is None:
                    continue
                earlier = [m for m in self.messages[self.channels[channel]["id"]] if m.type == 0]
                replying = rng.random() < 0.3 and earlier
                if replying:
                    parent = rng.choice(earlier[-20:])
                    when = parent.when + timedelta(minutes=rng.uniform(2, 600))
                    if when >= end or parent.author is author:
                        continue
                    self._post(
                        channel, author, when.replace(microsecond=0), type=19, reference=parent
                    )
                    continue
                message = self._post(
                    channel,
                    author,
                    when,
                    reactions=rng.choice([0, 0, 0, 1, 2, 5]),
                    edited=rng.random() < 0.1,
                )
                if channel == "help" and rng.random() < 0.3:
                    self._thread(message, "help")
        for _ in range(round(self.community.days * per_day / 7)):  # the forum: a few a week
            when = self._time()
            author = self._pick(when)
            if author is not None:
                self._forum_post(author, when)
        for days in range(3, self.community.days, 21):  # the team, the bot, the webhook
            when = end - timedelta(days=days, hours=3)
            staff = [
                u
                for u in self.users.values()
                if u.person.organization and u.person.organization.is_staff
            ]
            for author in (self.bot, self.webhook, *(staff[:1])):
                self._post("announcements", author, when, content="Release notes: …")
                when += timedelta(minutes=5)
        for n, ghost in enumerate(self.ghosts):  # what deleted accounts said stays
            for k in range(3):
                self._post("general", ghost, end - timedelta(days=200 - 30 * n - k))
        # A thread started from no message: the channel only says "started a thread".
        when = end - timedelta(days=40)
        starter = self._pick(when)
        if starter is not None:
            notice = self._post("general", starter, when, type=18, content="Release party")
            thread = DThread(
                notice.id, notice.channel_id, "Release party", starter, when, from_message=False
            )
            self.threads.append(thread)
            self._replies(thread, starter, when, first_opens=True)
        for messages in self.messages.values():
            messages.sort(key=lambda m: int(m.id))

    def _thread(self, message: DMessage, channel: str) -> None:
        thread = DThread(
            message.id, message.channel_id, message.content[:40], message.author, message.when
        )
        message.thread = thread
        self.threads.append(thread)
        # The copy of the starter Discord puts first in the thread (not an activity).
        thread.messages.append(
            DMessage(self.snowflake(message.when + timedelta(seconds=1)), thread.id, message.author,
                     message.when + timedelta(seconds=1), "", type=21, reference=message)
        )  # fmt: skip
        self._replies(thread, message.author, message.when)

    def _forum_post(self, author: DUser, when: datetime) -> None:
        first = DMessage(self.snowflake(when), "", author, when, self.rng.choice(SAYINGS))
        thread = DThread(
            first.id,
            self.channels["showcase"]["id"],
            f"Showcase: {first.content[:30]}",
            author,
            when,
        )
        first.channel_id = thread.id
        thread.messages.append(first)
        self.threads.append(thread)
        self._replies(thread, author, when)

    def _replies(
        self, thread: DThread, opener: DUser, when: datetime, first_opens: bool = False
    ) -> None:
        end, previous = self.community.end, opener
        for n in range(self.rng.choice([0, 1, 1, 2, 3, 4]) + int(first_opens)):
            when = when + timedelta(hours=self.rng.expovariate(1 / 8) + 0.05)
            if when >= end:
                break
            who = opener if first_opens and n == 0 else self._pick(when, exclude=previous)
            if who is None:
                break
            thread.messages.append(
                DMessage(self.snowflake(when), thread.id, who, when.replace(microsecond=0),
                         self.rng.choice(SAYINGS))
            )  # fmt: skip
            previous = who
        last = thread.messages[-1].when if thread.messages else thread.created
        if last + timedelta(days=1) < end - timedelta(days=2):
            thread.archived_at = last + timedelta(days=1)

    # -- the truth ----------------------------------------------------------------------
    def readable(self) -> list[dict]:
        """The channels the bot reads (text, announcement and forum, not staff-only)."""
        return [
            c for c in self.channels.values()
            if c["type"] in (0, 5, 15) and c["name"] != self.FORBIDDEN
        ]  # fmt: skip

    def activities(self) -> list[tuple[str, DUser, datetime]]:
        """(type, author, when) of every message the bot can read that is an activity."""
        readable = {c["id"] for c in self.readable()}
        found = [
            (m.counted, m.author, m.when)
            for channel, messages in self.messages.items()
            if channel in readable
            for m in messages
            if m.counted
        ]
        for thread in self.threads:
            if thread.parent_id not in readable:
                continue
            for n, m in enumerate(thread.messages):
                if m.type == 21:
                    continue
                if m.id == thread.id:
                    found.append(("forum_post", m.author, m.when))
                elif not thread.from_message and n == 0:
                    found.append(("message", m.author, m.when))
                else:
                    found.append(("thread_reply", m.author, m.when))
        return found

    def accounts(self) -> dict[str, Person]:
        """landed id -> person, of the accounts that are someone."""
        return {u.landed_id: u.person for u in self.users.values()}
