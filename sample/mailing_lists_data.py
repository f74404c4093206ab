"""The sample community on its three mailing lists: ``dev`` (Mailman 3, read through
HyperKitty's export), ``users`` (Mailman 2, Pipermail's monthly archives) and
``community`` (a Groups.io group, read through its API).

About two people in five are on the lists, writing from their usual address (some from
their personal one), with their name as their mail client writes it (RFC 2047 when it
is not ASCII). Threads open at random moments of the year and get a few replies, each
quoting what it answers. What real archives hold besides is drawn in too:

- a message without a Message-ID (its id is then a hash; nobody answers it),
- dates written in other forms (a named zone, no weekday), and a sender's clock a day
  late (the message is archived after newer ones),
- a body in Latin-1, and one with bytes that are not its declared charset,
- one message cross-posted to both lists (one activity),
- a digest, a bounce, a spam message and the list robot's welcome: nobody's activity.

Drawn from a generator of its own (not the community's), so adding the lists changes
no other source's draw. The hard cases of identity resolution (``Community.regulars``)
are not on the lists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime

from connectors.sources.mailing_lists.connector import user_id
from sample.community import Community, Person

LISTS = ("dev", "users", "community")
HOST = "lists.acacia.dev"
SUBJECTS = (
    "Release plan for {n}.0",
    "Proposal: a plugin API",
    "Docs question about the installer",
    "Build fails on Windows",
    "Call for speakers at the community call",
    "Security audit results",
    "Mentoring newcomers this quarter",
    "Deprecating the old config format",
    "Help: upgrade from {n}.x broke my setup",
    "Translations status",
)
SAYINGS = (
    "I had a look at this and I think we should go ahead.",
    "Thanks for raising it, I can help with the release process.",
    "Could you share the full log? It works here on Linux.",
    "+1 from me, with one question about the timeline.",
    "I wrote a first draft in the wiki, comments welcome.",
    "We hit the same problem at work; the workaround is to pin the version.",
    "Happy to do mentoring for this one.",
)


@dataclass
class ListMessage:
    """One message as a list archives it."""

    message_id: str | None  # None: the sender's client wrote none
    lists: tuple[str, ...]
    author: Person
    address: str
    name: str
    when: datetime
    subject: str
    text: str
    parent: ListMessage | None = None
    references: list[str] = field(default_factory=list)
    #: How the Date header is written: "rfc" (as most clients), "named" (a named US
    #: zone), "bare" (no weekday), "late" (the sender's clock a day behind).
    date_style: str = "rfc"
    charset: str = "utf-8"
    #: Why it is nobody's activity (a digest, a bounce, spam, the list's robot).
    skip: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "list_reply" if self.parent else "list_thread_started"

    @property
    def dated(self) -> datetime:
        """The time its Date header says (the sender's clock)."""
        return self.when - timedelta(days=1) if self.date_style == "late" else self.when

    def email(self) -> EmailMessage:
        """The message as its sender's client wrote it."""
        message = EmailMessage()
        sender = Header(self.name, "utf-8").encode() if not self.name.isascii() else self.name
        message["From"] = f"{sender} <{self.address}>"
        message["To"] = f"{self.lists[0]}@{HOST}"
        message["Subject"] = self.subject
        message["Date"] = self._date()
        if self.message_id:
            message["Message-ID"] = self.message_id
        if self.parent and self.parent.message_id:
            message["In-Reply-To"] = self.parent.message_id
            message["References"] = " ".join(self.references)
        for key, value in self.extra_headers.items():
            message[key] = value
        if self.charset == "broken":
            message.set_content(self.text.encode("utf-8") + b"\xff\xfe", "text", "plain")
            message.replace_header("Content-Type", 'text/plain; charset="utf-8"')
        else:
            message.set_content(self.text, charset=self.charset)
        return message

    def _date(self) -> str:
        when = self.dated
        if self.date_style == "named":
            return when.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
        if self.date_style == "bare":
            return when.astimezone(UTC).strftime("%d %b %Y %H:%M:%S +0000")
        return format_datetime(when.astimezone(UTC))


class MailingListData:
    """What the sample community wrote on its lists (``threads_per_week`` threads)."""

    def __init__(self, community: Community, threads_per_week: float = 4.0) -> None:
        self.community = community
        self.rng = random.Random("acacia-mailing-lists")
        hard = {person.key for person, _ in community.regulars()}
        self.members = [
            p
            for p in community.people
            if not p.is_bot
            and p.key not in hard
            and random.Random(f"list-member:{p.key}").random() < 0.4
        ]
        self.messages: list[ListMessage] = []
        self._number = 0
        weeks = community.days / 7
        for _ in range(round(weeks * threads_per_week)):
            self._thread()
        self._odd_ones()
        self.messages.sort(key=lambda m: m.when)

    # -- drawing ------------------------------------------------------------------------
    def address(self, person: Person) -> str:
        """The address a person writes to the lists from: their usual one, or for one in
        five of those who have one, their personal one."""
        personal = random.Random(f"list-address:{person.key}").random() < 0.2
        return (person.other_email if personal and person.other_email else person.email).lower()

    def _pick(self, when: datetime, exclude: Person | None = None) -> Person | None:
        active = [p for p in self.members if p.active_at(when) and p is not exclude]
        if not active:
            return None
        return self.rng.choices(active, weights=[p.propensity for p in active])[0]

    def _id(self) -> str:
        self._number += 1
        return f"<{self._number:05d}.{self.rng.getrandbits(40):010x}@mail.acacia.test>"

    def _message(self, author: Person, when: datetime, subject: str, **kw) -> ListMessage:
        return ListMessage(
            kw.pop("message_id", self._id()),
            kw.pop("lists", (self.rng.choice(LISTS),)),
            author,
            self.address(author),
            author.name_on("mailing_lists"),
            when,
            subject,
            kw.pop("text", self.rng.choice(SAYINGS)),
            **kw,
        )

    def _thread(self) -> None:
        start = self.community.start
        when = start + timedelta(seconds=self.rng.uniform(0, self.community.days * 86400))
        when = when.replace(microsecond=0)
        opener = self._pick(when)
        if opener is None:
            return
        subject = self.rng.choice(SUBJECTS).format(n=self.rng.randint(2, 4))
        style = self.rng.choices(["rfc", "named", "bare", "late"], weights=[85, 6, 6, 3])[0]
        charset = (
            "iso-8859-1" if opener.name.isascii() is False and self.rng.random() < 0.3 else "utf-8"
        )
        first = self._message(opener, when, subject, date_style=style, charset=charset)
        self.messages.append(first)
        previous, speaker = first, opener
        for _ in range(self.rng.choice([0, 0, 1, 1, 2, 3, 4, 6])):
            when = when + timedelta(hours=self.rng.expovariate(1 / 20) + 0.1)
            if when >= self.community.end:
                break
            who = self._pick(when, exclude=speaker)
            if who is None:
                break
            quoted = "\n".join(f"> {line}" for line in previous.text.splitlines())
            text = (
                f"{self.rng.choice(SAYINGS)}\n\nOn {format_datetime(previous.when)}, "
                f"{previous.name} wrote:\n{quoted}\n"
            )
            reply = self._message(
                who,
                when.replace(microsecond=0),
                f"Re: {subject}",
                text=text,
                lists=first.lists,
                parent=previous,
                references=[*previous.references, previous.message_id],
            )
            self.messages.append(reply)
            previous, speaker = reply, who

    def _odd_ones(self) -> None:
        """The shapes real archives hold that the random draw would rarely make."""
        end = self.community.end
        starters = [m for m in self.messages if not m.parent]
        # A message without a Message-ID (nobody answers it), a cross-post, and one whose
        # body holds bytes that are not its charset.
        lonely = starters[len(starters) // 3]
        self.messages.append(
            self._message(
                lonely.author,
                lonely.when + timedelta(minutes=7),
                "Meeting notes (no id)",
                message_id=None,
                lists=lonely.lists,
            )
        )
        # Cross-posted to the two Mailman archives (one Message-ID): a thread of one of them.
        crossed = next(m for m in starters[len(starters) // 2 :] if m.lists[0] != "community")
        crossed.lists = ("dev", "users")
        broken = starters[(2 * len(starters)) // 3]
        broken.charset = "broken"
        robot = self.members[0]
        for days, skip, subject, headers in (
            (40, "digest", "dev Digest, Vol 12, Issue 3", {"Content-Type": "multipart/digest"}),
            (30, "bounce", "Undelivered Mail Returned to Sender", {}),
            (20, "spam", "You won a prize", {"X-Spam-Flag": "YES"}),
            (10, "list robot", "Welcome to the dev list", {"Auto-Submitted": "auto-generated"}),
        ):
            message = self._message(
                robot,
                end - timedelta(days=days),
                subject,
                lists=("dev",),
                skip=skip,
                extra_headers={k: v for k, v in headers.items() if k != "Content-Type"},
            )
            message.address = {
                "digest": f"dev-request@{HOST}",
                "bounce": "mailer-daemon@mail.acacia.test",
                "spam": "winner@prizes.example",
                "list robot": f"dev-owner@{HOST}",
            }[skip]
            message.name = {"spam": "Prize Office"}.get(skip, "Mailman")
            self.messages.append(message)

    # -- the truth ----------------------------------------------------------------------
    def on(self, list_name: str) -> list[ListMessage]:
        return [m for m in self.messages if list_name in m.lists]

    def counted(self) -> list[ListMessage]:
        """The messages that are someone's activity (each once, cross-posts included)."""
        return [m for m in self.messages if m.skip is None]

    def activities(self) -> list[tuple[str, Person, datetime]]:
        """(type, person, when) of every message that is someone's activity."""
        return [(m.kind, m.author, m.dated) for m in self.counted()]

    def accounts(self) -> dict[str, Person]:
        """source_user_id -> person, as the connector lands senders."""
        return {user_id(m.address): m.author for m in self.counted()}
