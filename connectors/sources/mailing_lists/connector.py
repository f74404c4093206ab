"""What the mailing-list connector reads, and how it stays incremental.

Each list in ``sources.mailing_lists.lists`` is read from one kind of archive:

- **mbox**: one file, by path or URL, gzipped or not. It is read again only when it
  changed (an HTTP ETag or Last-Modified answered with ``304 Not Modified``; a local
  file's size and modification time).
- **pipermail** (Mailman 2): the list's archive page links one file per month
  (``2026-March.txt.gz`` or ``.txt``). The first sync reads the page and the months
  since the backfill; later ones read the last month read again, conditionally, and the
  months after it by name, without the page.
- **groupsio**: a Groups.io group, through its API (``Authorization: Bearer <token>``):
  ``gettopics`` (most recently active first) down to the newest message landed, then
  each newer topic's messages (``gettopic``), and the members' addresses
  (``getmembers``, with a moderator's token) so that senders are the same people as on
  the other lists. A topic's first message starts its thread.
- **hyperkitty** (Mailman 3): ``<list>/export/<name>.mbox.gz?start=<day>&end=<day>``
  (``end`` excluded), one request per 31 days of the range to read: from ``since`` to
  today.

So each sync reads one file per archive period it has not read, and a quiet sync one
per list (a Pipermail list two on the first days of a month: the last month's file
and the new one's). Every list's stream keeps ``since``, the first day
its next read starts at: the day before the newest message landed, so that a message
archived late, or dated by a sender's clock in another time zone, is still read; the
ids landed on or after that day (``seen``) are not landed again. The same Message-ID
read in two lists' archives is one activity (its id is the Message-ID).

Who wrote a message is its sender's address, lowercased (read back from Pipermail's
``jane at example.org``): the identity's ``email``, which identity resolution takes as
strong evidence. Its id is a hash of the address, so the address is never an id shown
on a page. Digests, bounces, spam and the list's own robot are nobody's activity
(:mod:`.messages`); a message without a time or a sender is set aside as a reject.
"""

from __future__ import annotations

import base64
import hashlib
import html
import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import Message
from functools import partial
from typing import Any, Literal

from connectors.core import clock
from connectors.core.batch import Batch, SavedState, each_stream, read_each
from connectors.core.clock import utc
from connectors.core.errors import SourceError
from connectors.core.fetch import Fetched, Validated
from connectors.core.records import Activity, Identity
from connectors.sources.mailing_lists.client import ArchiveClient
from connectors.sources.mailing_lists.messages import raw_messages, read_message

log = logging.getLogger(__name__)
SOURCE = "mailing_lists"
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
#: A Pipermail month's archive file, as its archive page links it.
PIPERMAIL_FILE = re.compile(r'href="((\d{4})-(' + "|".join(MONTHS) + r')(\.txt(?:\.gz)?))"')

#: The longest range of one HyperKitty export request (days).
RANGE_DAYS = 31

Kind = Literal["mbox", "pipermail", "hyperkitty", "groupsio"]
#: Groups.io's API, and its pages of topics and messages.
GROUPSIO_API = "https://groups.io/api/v1"
GROUPSIO_PAGE = 100


@dataclass(frozen=True)
class ArchiveList:
    """One list to read: the name it is shown by (its channel), the kind of archive and
    where it is (a URL, or a path for an mbox file)."""

    name: str
    kind: Kind
    where: str

    @property
    def base(self) -> str:
        return self.where.rstrip("/")


@dataclass(frozen=True)
class ListState(SavedState, Validated):
    """A list's saved state (``<list>:archive``)."""

    #: The first day (ISO) the next read starts at.
    since: str | None = None
    #: [Message-ID, day] of the messages landed on or after ``since``.
    seen: tuple = ()
    #: Pipermail: how its month files end (``.txt.gz`` or ``.txt``).
    suffix: str | None = None
    #: The file last read, and what tells whether it changed since.
    file: str | None = None
    etag: str | None = None
    modified: str | None = None


@dataclass(frozen=True)
class GroupsioState(SavedState):
    """A Groups.io group's saved state (``<list>:archive``): the newest message's time
    landed (as Groups.io writes it) and the ids landed at that time."""

    cursor: str | None = None
    seen: tuple[str, ...] = ()


@dataclass(frozen=True)
class Period:
    """One archive file to read: where, with which query, and the page a person can
    read its messages on."""

    where: str
    params: dict[str, str] | None = None
    page: str | None = None


def user_id(address: str) -> str:
    """A sender's id: a hash of their address (the address itself is the identity's
    email, never an id)."""
    return hashlib.sha256(address.encode()).hexdigest()[:20]


def hyperkitty_hash(message_id: str) -> str:
    """How HyperKitty names a message in its URLs: base32 of the SHA-1 of the Message-ID
    without its angle brackets."""
    return base64.b32encode(hashlib.sha1(message_id.strip("<>").encode()).digest()).decode()


def months(first: date, last: date) -> Iterator[date]:
    """The first day of every month from ``first``'s to ``last``'s."""
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = (month + timedelta(days=32)).replace(day=1)


def summary(raw: Message) -> dict[str, str]:
    """What a reject keeps of a message it could not read: enough to find it in the
    archive (its id, sender, subject and date, as written), not its text."""
    return {k: str(raw.get(k, "")) for k in ("Message-ID", "From", "Subject", "Date")}


class MailingListConnector:
    """Reads each list's archive incrementally and yields one :class:`Batch` per
    archive period read."""

    def __init__(
        self,
        client: ArchiveClient,
        lists: list[ArchiveList],
        *,
        backfill_days: int = 365,
        store_bodies: bool = False,
        today: date | None = None,
        token: str = "",
        groupsio_api: str = GROUPSIO_API,
    ) -> None:
        self.client = client
        self.lists = lists
        self.token = token
        self.groupsio_api = groupsio_api.rstrip("/")
        self.today = today or clock.today()
        self.floor = self.today - timedelta(days=backfill_days)
        self.store_bodies = store_bodies
        self.problems: list[SourceError] = []
        #: Messages that are nobody's activity, by why (digest, bounce, spam, list robot).
        self.skipped: Counter[str] = Counter()

    @property
    def requests(self) -> int:
        return self.client.requests

    def sync(self, state: dict[str, dict[str, Any]]) -> Iterator[Batch]:
        yield from each_stream(
            (
                (f"list {each.name}", partial(self._list, each, state.get(f"{each.name}:archive")))
                for each in self.lists
            ),
            self.problems,
        )
        if self.skipped:
            log.info(
                "mailing lists: %s left out (nobody's activity)",
                ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items())),
            )

    def probe(self, archive: ArchiveList) -> str:
        """A line for ``acacia check``: the list's archive answers (one request)."""
        if archive.kind == "groupsio":
            listed = self._groupsio_call("gettopics", group_name=archive.where, limit=1)
            return f"{archive.name}: Groups.io group with {listed.get('total_count', 0)} topics"
        if archive.kind == "pipermail":
            return f"{archive.name}: {len(self._pipermail_index(archive))} monthly archives"
        period = next(
            iter(
                {"mbox": self._mbox, "hyperkitty": self._hyperkitty}[archive.kind](
                    archive, ListState(), self.today
                )
            )
        )[0]
        fetched = self.client.get(period.where, None, period.params)
        if fetched is None:
            raise SourceError(
                SOURCE,
                f"{period.where} was not found (404).",
                f"Check the {archive.kind} address of list {archive.name!r}.",
            )
        return f"{archive.name}: {archive.kind} archive readable"

    # -- one list -----------------------------------------------------------------------
    def _list(self, archive: ArchiveList, raw: dict[str, Any] | None) -> Iterator[Batch]:
        if archive.kind == "groupsio":
            yield from self._groupsio(archive, GroupsioState.load(raw or {}))
            return
        state = ListState.load(raw or {})
        since = date.fromisoformat(state.since) if state.since else self.floor
        seen = {message_id: day for message_id, day in state.seen}
        periods = {
            "mbox": self._mbox,
            "pipermail": self._pipermail,
            "hyperkitty": self._hyperkitty,
        }[archive.kind]
        for period, suffix in periods(archive, state, since):
            known = state.validators() if period.where == state.file else None
            fetched = self.client.get(period.where, known, period.params)
            if fetched is None:
                continue
            activities, identities, rejects = self._read(archive, period, fetched, since, seen)
            newest = max((date.fromisoformat(d) for d in seen.values()), default=None)
            if newest is not None and newest - timedelta(days=1) > since:
                since = newest - timedelta(days=1)
                seen = {m: d for m, d in seen.items() if d >= since.isoformat()}
            state = ListState(
                since=since.isoformat(),
                seen=tuple(sorted([m, d] for m, d in seen.items())),
                suffix=suffix,
                file=period.where,
                **fetched.validators(),
            )
            yield Batch(
                "archive",
                archive.name,
                activities,
                identities,
                state.dump(),
                [*rejects],
            )

    def _read(
        self,
        archive: ArchiveList,
        period: Period,
        fetched: Fetched,
        since: date,
        seen: dict[str, str],
    ) -> tuple[list[Activity], list[Identity], list]:
        identities: dict[str, Identity] = {}

        def read(raw: Message) -> list[Activity]:
            message = read_message(raw)
            if message.skip:
                self.skipped[message.skip] += 1
                return []
            if message.sent_at is None:
                raise ValueError("no time: neither a readable Date nor the archive's From line")
            if not message.author_address or "@" not in message.author_address:
                raise ValueError(f"no sender address in From {raw.get('From', '')!r}")
            day = message.sent_at.date().isoformat()
            if day < since.isoformat() or message.message_id in seen:
                return []
            seen[message.message_id] = day
            address = message.author_address
            who = user_id(address)
            local = address.split("@")[0]
            identities.setdefault(
                who,
                Identity(
                    SOURCE,
                    who,
                    message.author_name or local,
                    display_name=message.author_name or None,
                    email=address,
                    has_profile=True,
                ),
            )
            return [
                Activity(
                    SOURCE,
                    message.message_id,
                    message.kind,
                    message.sent_at,
                    who,
                    archive.name,
                    url=self._url(archive, period, message.message_id),
                    title=message.subject or None,
                    thread_id=message.thread_id,
                    parent_id=message.parent_id,
                    body=message.text if self.store_bodies else None,
                    extra={"problems": message.problems} if message.problems else {},
                )
            ]

        try:
            messages = list(raw_messages(fetched.data))
        except (OSError, EOFError) as error:  # a truncated or corrupt gzip
            raise SourceError(
                SOURCE,
                f"{period.where} is not a readable archive ({type(error).__name__}).",
                "Check that the address gives an mbox file, gzipped or not.",
            ) from None
        activities, rejects = read_each(messages, read, "archive", archive.name)
        for reject in rejects:
            reject.item = summary(reject.item)
        return activities, list(identities.values()), rejects

    @staticmethod
    def _url(archive: ArchiveList, period: Period, message_id: str) -> str | None:
        if archive.kind == "hyperkitty":
            return f"{archive.base}/message/{hyperkitty_hash(message_id)}/"
        return period.page

    # -- Groups.io ----------------------------------------------------------------------
    def _groupsio_call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.client.api(f"{self.groupsio_api}/{method}", params, self.token)

    def _groupsio(self, archive: ArchiveList, state: GroupsioState) -> Iterator[Batch]:
        """A Groups.io group: its topics, most recently active first, down to the newest
        message landed; each newer topic's messages from its first page (a topic rarely
        holds more than a page). The members' addresses (a moderator's token) make the
        senders the same people as in the other lists."""
        group = archive.where
        floor = utc(state.cursor or f"{self.floor.isoformat()}T00:00:00Z")
        topics: list[dict[str, Any]] = []
        page_token = None
        while True:
            listed = self._groupsio_call(
                "gettopics",
                group_name=group,
                limit=GROUPSIO_PAGE,
                **({"page_token": page_token} if page_token else {}),
            )
            fresh = [t for t in listed.get("data") or [] if utc(t["most_recent_message"]) > floor]
            topics += fresh
            if len(fresh) < len(listed.get("data") or []) or not listed.get("has_more"):
                break
            page_token = listed.get("next_page_token")
        # The addresses only when there is something to read: a quiet night costs one call.
        addresses = self._groupsio_addresses(group) if topics else {}
        cursor, seen = (floor if state.cursor else None), set(state.seen)
        for topic in sorted(topics, key=lambda t: utc(t["most_recent_message"])):
            messages: list[dict[str, Any]] = []
            page_token = None
            while True:
                found = self._groupsio_call(
                    "gettopic",
                    topic_id=topic["id"],
                    limit=GROUPSIO_PAGE,
                    **({"page_token": page_token} if page_token else {}),
                )
                messages += found.get("data") or []
                if not found.get("has_more"):
                    break
                page_token = found.get("next_page_token")
            new = [m for m in messages if self._unseen(m, floor, state.seen)]
            activities, identities, rejects = self._groupsio_read(archive, topic, new, addresses)
            newest = max((a.occurred_at for a in activities), default=None)
            if newest is not None and (cursor is None or newest > cursor):
                cursor, seen = newest, set()
            if newest is not None and newest == cursor:
                seen |= {a.activity_id for a in activities if a.occurred_at == cursor}
            yield Batch(
                "archive",
                archive.name,
                activities,
                identities,
                GroupsioState(cursor.isoformat() if cursor else None, tuple(sorted(seen))).dump(),
                rejects,
            )

    @staticmethod
    def _unseen(message: dict[str, Any], floor: Any, seen: tuple[str, ...]) -> bool:
        """Newer than the cursor, or at it and not landed; one without a time is read
        (and set aside)."""
        try:
            when = utc(message["created"])
        except (KeyError, TypeError, ValueError):
            return True
        key = f"groupsio:{message.get('group_id')}:{message.get('id')}"
        return when > floor or (when == floor and key not in seen)

    def _groupsio_addresses(self, group: str) -> dict[str, str]:
        """user_id -> address of the group's members, where the token may read them."""
        found: dict[str, str] = {}
        page_token = None
        try:
            while True:
                listed = self._groupsio_call(
                    "getmembers",
                    group_name=group,
                    limit=GROUPSIO_PAGE,
                    **({"page_token": page_token} if page_token else {}),
                )
                for member in listed.get("data") or []:
                    if member.get("email") and member.get("user_id") is not None:
                        found[str(member["user_id"])] = member["email"].strip().lower()
                if not listed.get("has_more"):
                    return found
                page_token = listed.get("next_page_token")
        except SourceError as error:
            if "inadequate_permissions" not in error.problem:
                raise
            log.info("mailing lists: %s: members not readable with this token", group)
            return found

    def _groupsio_read(
        self,
        archive: ArchiveList,
        topic: dict[str, Any],
        messages: list[dict[str, Any]],
        addresses: dict[str, str],
    ) -> tuple[list[Activity], list[Identity], list]:
        identities: dict[str, Identity] = {}
        thread = f"groupsio:{topic['group_id']}:{topic['id']}"
        first = min((m["msg_num"] for m in messages if "msg_num" in m), default=None)

        def read(message: dict[str, Any]) -> list[Activity]:
            sender = str(message["user_id"])
            address = addresses.get(sender)
            who = user_id(address) if address else f"groupsio:{sender}"
            name = message.get("name") or ""
            identities.setdefault(
                who,
                Identity(
                    SOURCE,
                    who,
                    name or (address or sender).split("@")[0],
                    display_name=name or None,
                    email=address,
                    has_profile=True,
                ),
            )
            opens = not message.get("is_reply") and message["msg_num"] == first
            text = re.sub(r"<[^>]+>", " ", message.get("body") or "")
            return [
                Activity(
                    SOURCE,
                    f"groupsio:{message['group_id']}:{message['id']}",
                    "list_thread_started" if opens else "list_reply",
                    utc(message["created"]),
                    who,
                    archive.name,
                    url=f"https://groups.io/g/{archive.where}/message/{message['msg_num']}",
                    title=message.get("subject") or topic.get("subject"),
                    thread_id=thread,
                    parent_id=None if opens else thread,
                    body=html.unescape(" ".join(text.split())) if self.store_bodies else None,
                )
            ]

        activities, rejects = read_each(messages, read, "archive", archive.name)
        return activities, list(identities.values()), rejects

    # -- the periods of each kind of archive ------------------------------------------
    def _mbox(
        self, archive: ArchiveList, state: ListState, since: date
    ) -> Iterator[tuple[Period, str | None]]:
        yield Period(archive.where), None

    def _hyperkitty(
        self, archive: ArchiveList, state: ListState, since: date
    ) -> Iterator[tuple[Period, str | None]]:
        slug = archive.base.rsplit("/", 1)[-1].split("@")[0] or "list"
        start, last = since, self.today + timedelta(days=1)
        while start < last:
            end = min(start + timedelta(days=RANGE_DAYS), last)
            params = {"start": start.isoformat(), "end": end.isoformat()}
            yield Period(f"{archive.base}/export/{slug}-{start:%Y-%m-%d}.mbox.gz", params), None
            start = end

    def _pipermail(
        self, archive: ArchiveList, state: ListState, since: date
    ) -> Iterator[tuple[Period, str | None]]:
        if state.suffix is None:
            found = self._pipermail_index(archive)
            first = (since.year, since.month)
            for key in sorted(k for k in found if k >= first):
                name, suffix = found[key]
                yield self._pipermail_month(archive, name, suffix), suffix
            return
        for month in months(since, self.today):
            name = f"{month.year}-{MONTHS[month.month - 1]}{state.suffix}"
            yield self._pipermail_month(archive, name, state.suffix), state.suffix

    def _pipermail_index(self, archive: ArchiveList) -> dict[tuple[int, int], tuple[str, str]]:
        """The month files the archive page links: (year, month) -> (file, suffix)."""
        listed = self.client.get(archive.base + "/")
        found = {
            (int(year), MONTHS.index(month) + 1): (name, suffix)
            for name, year, month, suffix in PIPERMAIL_FILE.findall(
                listed.data.decode("utf-8", "replace") if listed else ""
            )
        }
        if not found:
            raise SourceError(
                SOURCE,
                f"{archive.where} is not a Pipermail archive page: it links no monthly "
                "archive (2026-March.txt.gz).",
                "Give the list's Pipermail archive page (…/pipermail/<list>/).",
            )
        return found

    @staticmethod
    def _pipermail_month(archive: ArchiveList, name: str, suffix: str) -> Period:
        stem = name.removesuffix(suffix)
        return Period(f"{archive.base}/{name}", page=f"{archive.base}/{stem}/thread.html")
