"""Reading a mailing list's archive: an mbox (plain or gzipped, as a file, Mailman 2's
Pipermail monthly archives and Mailman 3's HyperKitty export all are) into messages as
a community team means them (issue 41; docs/new-source.md).

Python's ``mailbox`` splits the archive and ``email`` parses each message. What real
archives hold, and what this makes of it:

- **names in RFC 2047** (``=?utf-8?q?Jos=C3=A9?=``) are decoded; **addresses obfuscated**
  by Pipermail (``jane at example.org``, ``jane at example dot org``) are read back;
- **odd charsets and undecodable bytes**: a body is decoded by its declared charset, an
  unknown one as UTF-8, and bytes that do not decode become U+FFFD: a bad message never
  stops the archive;
- **dates** in any RFC 822 variant (``Tue, 3 Mar 2026 10:00:00 +0100``, a named zone, no
  weekday, two-digit years) are read by ``email.utils``; a missing or unreadable Date
  falls back to the mbox separator's ``From `` line (asctime), else the message has no
  time and is a reject;
- **no Message-ID**: a stable one is made from the sender, the date and the subject and
  body (``<sha256…@acacia.invalid>``), so the same message in two archives lands once;
- **threads**: ``In-Reply-To`` and ``References`` name the parent; a message with
  neither starts a thread (``list_thread_started``), else it is a reply (``list_reply``);
- **digests, bounces, spam and the list's own robot** (``-bounces@``, ``-request@``,
  ``-owner@``, ``mailer-daemon``, ``Auto-Submitted``, ``X-Spam-Flag: YES``) are told
  apart (:attr:`MailMessage.skip`): they are nobody's activity;
- **quoted text** (``> …`` and the "On … wrote:" line above it) is cut from the text a
  message says, so a reply that quotes a whole thread says only what it adds.
"""

from __future__ import annotations

import gzip
import hashlib
import mailbox
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

#: Addresses a list's own software sends from.
ROBOTS = re.compile(
    r"(^|[.+-])(bounces?|request|owner|mailman|listserv|majordomo|sympa|noreply|"
    r"no-reply)(\+[^@]*)?@|^(mailer-daemon|postmaster)@",
    re.IGNORECASE,
)
#: Pipermail's obfuscation of an address: "jane at example.org", "jane at example dot org".
OBFUSCATED = re.compile(r"^\s*([^\s@]+)\s+at\s+([^\s@]+(?:\s+dot\s+[^\s@]+)*)\s*$", re.I)
#: The line a reply puts above the text it quotes.
ATTRIBUTION = re.compile(r"^(on .+ wrote:|.+ (schrieb|a écrit|escribió|scrisse)\s*:)\s*$", re.I)
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
#: The time at the end of an mbox separator line (asctime).
ASCTIME = re.compile(r"(\w{3} \w{3} +\d{1,2} \d\d:\d\d:\d\d \d{4})\s*$")


@dataclass(frozen=True)
class MailMessage:
    """One message of an archive, as the connector lands it."""

    message_id: str
    #: The parent it answers (In-Reply-To, else the last of References); None: it
    #: starts a thread. ``thread_id`` is the first message of its References (the
    #: thread's root as the sender's client knew it), else its parent, else itself.
    parent_id: str | None
    thread_id: str
    subject: str
    author_name: str
    author_address: str
    sent_at: datetime | None
    #: What the message says, without what it quotes.
    text: str
    #: Why it is nobody's activity ("digest", "bounce", "spam", "list robot"), or None.
    skip: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "list_reply" if self.parent_id else "list_thread_started"


def read_archive(data: bytes) -> Iterator[MailMessage]:
    """Every message of an mbox archive (gzipped or not), in the archive's order."""
    for raw in raw_messages(data):
        yield read_message(raw)


def raw_messages(data: bytes) -> Iterator[mailbox.mboxMessage]:
    """The messages of an mbox archive (gzipped or not) as ``email`` parsed them, for a
    reader that sets a message it cannot read aside and reads on."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "archive.mbox"
        path.write_bytes(data)
        box = mailbox.mbox(path, create=False)
        try:
            yield from box
        finally:
            box.close()


def read_message(raw: Message) -> MailMessage:
    """One message, read as the module's docstring says."""
    problems: list[str] = []
    name, address = _sender(raw.get("From", ""))
    subject = _decoded(raw.get("Subject", "")).strip()
    sent_at = _date(raw, problems)
    text = _text(raw, problems)
    parent, root = _parents(raw)
    message_id = _first_id(raw.get("Message-ID", ""))
    if message_id is None:
        seed = "\n".join([address, sent_at.isoformat() if sent_at else "", subject, text[:2000]])
        message_id = f"<{hashlib.sha256(seed.encode()).hexdigest()[:32]}@acacia.invalid>"
        problems.append("no Message-ID: a stable one was made from its sender, date and text")
    return MailMessage(
        message_id=message_id,
        parent_id=parent,
        thread_id=root or parent or message_id,
        subject=subject,
        author_name=name,
        author_address=address,
        sent_at=sent_at,
        text=_without_quotes(text),
        skip=_skip(raw, address, subject),
        problems=problems,
    )


def _decoded(value: str) -> str:
    """A header as text: RFC 2047 words decoded, an unknown charset read as UTF-8."""
    try:
        return str(make_header(decode_header(str(value))))
    except (LookupError, UnicodeDecodeError, ValueError):
        parts = []
        for chunk, charset in decode_header(str(value)):
            if isinstance(chunk, str):
                parts.append(chunk)
                continue
            try:
                parts.append(chunk.decode(charset or "utf-8", errors="replace"))
            except LookupError:  # a charset Python does not know
                parts.append(chunk.decode("utf-8", errors="replace"))
        return "".join(parts)


def deobfuscate(address: str) -> str:
    """An address as written, or read back from Pipermail's "jane at example.org"."""
    found = OBFUSCATED.match(address)
    if not found:
        return address.strip()
    user, host = found.groups()
    host = re.sub(r"\s+dot\s+", ".", host, flags=re.I)
    return f"{user}@{host}"


def _sender(value: str) -> tuple[str, str]:
    """(name, address) of a From header: the name decoded, the address read back from
    its obfuscation and lowercased."""
    decoded = _decoded(value)
    # Pipermail writes "jane at example.org (Jane Doe)": getaddresses cannot read it.
    pipermail = re.match(r"^\s*(.+?\s+at\s+\S+)\s*\((.*)\)\s*$", decoded)
    if pipermail:
        return pipermail.group(2).strip(), deobfuscate(pipermail.group(1)).lower()
    pairs = getaddresses([decoded])
    name, address = pairs[0] if pairs else ("", "")
    if not address and OBFUSCATED.match(decoded):
        address = decoded
    address = deobfuscate(address).lower()
    return name.strip().strip('"'), address


def _date(raw: Message, problems: list[str]) -> datetime | None:
    value = raw.get("Date")
    if value:
        try:
            found = parsedate_to_datetime(str(value))
        except (TypeError, ValueError, IndexError):
            found = None
        if found is not None:
            return found.astimezone(UTC) if found.tzinfo else found.replace(tzinfo=UTC)
    problems.append(
        f"Date {value!r} cannot be read: the archive's From line gives the time"
        if value
        else "no Date: the archive's From line gives the time"
    )
    separator = raw.get_from() if isinstance(raw, mailbox.mboxMessage) else None
    if separator:
        # "jane@example.org Tue Mar  3 10:00:00 2026" (Pipermail: "jane at example.org
        # Tue Mar  3 …"): asctime at its end, in UTC.
        stamp = ASCTIME.search(separator)
        try:
            if stamp:
                when = " ".join(stamp.group(1).split())
                return datetime.strptime(when, "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC)
        except ValueError:
            pass
    return None


def _text(raw: Message, problems: list[str]) -> str:
    """The message's plain text: its first text/plain part, decoded by its charset."""
    part = next(
        (p for p in raw.walk() if p.get_content_type() == "text/plain" and not p.is_multipart()),
        None,
    )
    if part is None:
        return ""
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset)
    except LookupError:
        problems.append(f"unknown charset {charset!r}: read as UTF-8")
        text = payload.decode("utf-8", errors="replace")
    except UnicodeDecodeError:
        problems.append(f"bytes that are not {charset}: replaced")
        text = payload.decode(charset, errors="replace")
    # An mbox quotes a body line starting with "From " as ">From " (and ">From " as
    # ">>From "): read it back.
    return re.sub(r"(?m)^>(>*From )", r"\1", text.replace("\r\n", "\n"))


def _first_id(value: object) -> str | None:
    found = MESSAGE_ID.findall(str(value or ""))
    return found[0] if found else None


def _parents(raw: Message) -> tuple[str | None, str | None]:
    """(parent, thread root) from In-Reply-To and References."""
    references = MESSAGE_ID.findall(str(raw.get("References", "") or ""))
    parent = _first_id(raw.get("In-Reply-To")) or (references[-1] if references else None)
    return parent, references[0] if references else None


def _skip(raw: Message, address: str, subject: str) -> str | None:
    if raw.get_content_type() == "multipart/digest" or re.search(
        r"\bdigest,\s+vol\b", subject, re.I
    ):
        return "digest"
    if raw.get_content_type() == "multipart/report" or re.match(
        r"^(mailer-daemon|postmaster)@", address
    ):
        return "bounce"
    if str(raw.get("X-Spam-Flag", "")).strip().upper() == "YES":
        return "spam"
    auto = str(raw.get("Auto-Submitted", "no")).strip().lower()
    if auto != "no" or ROBOTS.search(address):
        return "list robot"
    return None


def _without_quotes(text: str) -> str:
    """What a message says itself: quoted lines and the attribution above them cut,
    and the signature after "-- " too."""
    kept: list[str] = []
    for line in text.split("\n"):
        if line.rstrip() == "--":
            break
        if line.lstrip().startswith(">"):
            if kept and ATTRIBUTION.match(kept[-1].strip()):
                kept.pop()
            continue
        kept.append(line)
    return "\n".join(kept).strip()
