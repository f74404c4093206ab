"""Reading a mailing list's archive (connectors/sources/mailing_lists/messages.py): each
awkward shape real archives hold, on tests/mailing_lists/archive.mbox (plain and
gzipped), as Mailman 2, Mailman 3 and a plain mbox write them."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.sources.mailing_lists.messages import deobfuscate, read_archive

ARCHIVE = Path(__file__).parent / "mailing_lists" / "archive.mbox"


@pytest.fixture(scope="module")
def messages() -> dict[str, object]:
    return {m.subject + "|" + m.author_address: m for m in read_archive(ARCHIVE.read_bytes())}


def one(messages, subject: str, address: str):
    return messages[f"{subject}|{address}"]


def test_a_gzipped_archive_reads_as_the_plain_one():
    plain = list(read_archive(ARCHIVE.read_bytes()))
    assert list(read_archive(gzip.compress(ARCHIVE.read_bytes()))) == plain
    assert len(plain) == 9


def test_names_in_rfc_2047_and_obfuscated_addresses_are_read_back(messages):
    plan = one(messages, "Release plan for 2.0", "jose@example.org")  # the subject too
    assert plan.author_name == "José Rodríguez"
    reply = one(messages, "Re: Release plan for 2.0", "jane@example.org")
    assert reply.author_name == "Jane Müller"  # Pipermail's "jane at example.org (…)"
    assert deobfuscate("jane at lists dot example dot org") == "jane@lists.example.org"
    assert deobfuscate("jane@example.org") == "jane@example.org"
    assert one(messages, "Docs question", "li@example.org").author_name == "Li, Wei"


def test_threads_follow_in_reply_to_and_references(messages):
    plan = one(messages, "Release plan for 2.0", "jose@example.org")
    first = one(messages, "Re: Release plan for 2.0", "jane@example.org")
    second = one(messages, "Re: Release plan for 2.0", "ana@example.org")
    assert plan.kind == "list_thread_started" and plan.thread_id == plan.message_id
    assert (first.kind, first.parent_id, first.thread_id) == (
        "list_reply",
        plan.message_id,
        plan.message_id,
    )
    # Only References (its client dropped In-Reply-To): the last is the parent.
    assert (second.parent_id, second.thread_id) == (first.message_id, plan.message_id)
    # A parent the archive does not hold is still a reply, in a thread of its own.
    orphan = one(messages, "Re: Docs question", "jose@example.org")
    assert orphan.kind == "list_reply" and orphan.thread_id == "<no-such-parent@example.org>"


def test_dates_in_every_variant_and_none(messages):
    def when(subject, address):
        return one(messages, subject, address).sent_at

    utc = UTC
    assert when("Release plan for 2.0", "jose@example.org") == datetime(2026, 3, 3, 9, tzinfo=utc)
    assert when("Re: Release plan for 2.0", "jane@example.org") == datetime(
        2026, 3, 3, 12, 30, tzinfo=utc
    )
    # A named zone and a two-digit year.
    assert when("Docs question", "li@example.org") == datetime(2026, 3, 5, 7, tzinfo=utc)
    # A comment after the zone.
    assert when("Re: Docs question", "jose@example.org") == datetime(2026, 3, 7, 10, tzinfo=utc)
    # No Date: the mbox's From line, and the reason said.
    ana = one(messages, "Re: Release plan for 2.0", "ana@example.org")
    assert ana.sent_at == datetime(2026, 3, 4, 8, 15, tzinfo=utc)
    assert any("no Date" in p for p in ana.problems)


def test_charsets_undecodable_bytes_and_a_missing_message_id(messages):
    jane = one(messages, "Re: Release plan for 2.0", "jane@example.org")
    assert "Grüße" in jane.text  # latin-1
    ana = one(messages, "Re: Release plan for 2.0", "ana@example.org")
    assert ana.text == "Thanks Jane \ufffd\ufffd that helps."
    li = one(messages, "Docs question", "li@example.org")
    assert li.text == "Where do the docs live?" and li.problems
    # A stable id: the same message read again (from another archive) gets the same one.
    again = [m for m in read_archive(ARCHIVE.read_bytes()) if m.author_address == li.author_address]
    assert li.message_id.endswith("@acacia.invalid>") and again[0].message_id == li.message_id


def test_quoted_text_and_signatures_are_cut_and_from_lines_read_back(messages):
    jane = one(messages, "Re: Release plan for 2.0", "jane@example.org")
    assert jane.text == "I can take the changelog. Grüße!"
    orphan = one(messages, "Re: Docs question", "jose@example.org")
    assert orphan.text == "From the docs folder: see docs/index.md"


def test_digests_bounces_spam_and_the_list_robot_are_nobodys_activity(messages):
    skipped = {m.subject: m.skip for m in messages.values() if m.skip}
    assert skipped == {
        "acacia-dev Digest, Vol 12, Issue 3": "digest",
        "Undelivered Mail Returned to Sender": "bounce",
        "You won": "spam",
        "lists.example.org mailing list memberships reminder": "list robot",
    }


def test_a_name_in_a_charset_nobody_knows_still_reads():
    from email import message_from_bytes

    from connectors.sources.mailing_lists.messages import read_message

    raw = message_from_bytes(
        b"From: =?x-unknown?q?Jos=C3=A9?= <jose@example.org>\n"
        b"Subject: =?utf-8?q?bad_=FF_byte?=\nDate: Tue, 3 Mar 2026 10:00:00 +0000\n"
        b"Message-ID: <odd@example.org>\n\nhello\n"
    )
    found = read_message(raw)
    assert found.author_name == "José" and found.subject == "bad \ufffd byte"
    assert found.text == "hello" and found.skip is None
