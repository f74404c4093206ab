"""The mailing-list connector against the fake list server (Mailman 2's Pipermail and
Mailman 3's HyperKitty, real HTTP), and against mbox files: every drawn message lands
once, a quiet sync costs one request per list, an interrupted one loses and repeats
nothing, and what cannot be read is set aside or reported by name."""

from __future__ import annotations

import gzip
import shutil
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from connectors.core.config import load_config
from connectors.core.errors import SourceError
from connectors.core.source import Secrets
from connectors.sources.mailing_lists.connector import RANGE_DAYS, hyperkitty_hash, user_id
from connectors.sources.mailing_lists.source import MailingListsSource, build, check
from pipelines.cli.main import app
from pipelines.orchestration.execute import run_job
from pipelines.storage.snapshot import current_snapshot
from sample import FakeServer
from sample.mailing_lists import DEMO, FakeMailingLists, month_file
from sample.mailing_lists_data import ListMessage, MailingListData
from tests.conftest import GROUPSIO_TOKEN, drive, small_community
from tests.test_forget import traces

ARCHIVE = Path(__file__).parent / "mailing_lists" / "archive.mbox"
BACKFILL = 400


def settings(url: str | None = None, **overrides: object) -> MailingListsSource:
    values = {
        **(DEMO.settings(url) if url else {}),
        "backfill_days": BACKFILL,
        "retry_backoff_seconds": 0.01,
        **overrides,
    }
    return MailingListsSource(**values)


def run(
    source: MailingListsSource,
    state: dict,
    limit: int | None = None,
    today=None,
    token: str = GROUPSIO_TOKEN,
):
    connector = build(source, Secrets(token=token), None)
    if today is not None:
        connector.today = today
    return drive(connector, state, limit), connector


def landed(batches) -> list:
    return [a for b in batches for a in b.activities]


def truth(data: MailingListData, messages=None) -> Counter:
    """(type, sender's id, time) of every message that is someone's activity."""
    return Counter((m.kind, user_id(m.address), m.dated) for m in messages or data.counted())


def as_landed(activities) -> Counter:
    return Counter((a.type, a.actor, a.occurred_at) for a in activities)


def test_every_message_lands_once_with_its_sender_and_thread(
    fake_mailing_lists, mailing_lists_data
):
    batches, connector = run(settings(fake_mailing_lists.url), {})
    assert connector.problems == []
    activities = landed(batches)
    ids = [a.activity_id for a in activities]
    # The cross-posted message is in both archives: the second read lands it again under
    # its one id, so the models count it once.
    crossed = [m for m in mailing_lists_data.counted() if len(m.lists) == 2]
    assert len(crossed) == 1 and ids.count(crossed[0].message_id) == 2
    assert as_landed({a.activity_id: a for a in activities}.values()) == truth(mailing_lists_data)
    # Digests, bounces, spam and the list's robot are nobody's activity.
    assert connector.skipped == {"digest": 1, "bounce": 1, "spam": 1, "list robot": 1}
    # Senders: their address (read back from Pipermail's "jane at example.org") and
    # their name as written (RFC 2047 decoded).
    people = {i.source_user_id: i for b in batches for i in b.identities}
    for message in mailing_lists_data.counted():
        identity = people[user_id(message.address)]
        assert identity.email == message.address and identity.display_name == message.name
    assert any(not i.display_name.isascii() for i in people.values())
    # Threads: a reply's parent and root, as its headers say (on Groups.io, its topic).
    by_id = {a.activity_id: a for a in activities}
    for message in mailing_lists_data.counted():
        if message.parent and "community" not in message.lists:
            reply = by_id[message.message_id]
            assert reply.parent_id == message.parent.message_id
            assert reply.thread_id == message.references[0]
    # Where a person reads it: HyperKitty's page of the message, Pipermail's month.
    dev = next(m for m in mailing_lists_data.counted() if m.lists == ("dev",) and m.message_id)
    assert by_id[dev.message_id].url.endswith(f"/message/{hyperkitty_hash(dev.message_id)}/")
    user = next(m for m in mailing_lists_data.counted() if m.lists == ("users",))
    assert by_id[user.message_id].url.endswith(f"/{month_file(user.when)}/thread.html")


def test_one_request_per_period_and_a_quiet_sync_one_per_list(
    fake_mailing_lists, mailing_lists_data
):
    state: dict = {}
    _, connector = run(settings(fake_mailing_lists.url), state)
    api = fake_mailing_lists.api
    ranges = -(-(BACKFILL + 1) // RANGE_DAYS)  # from the backfill's first day to today
    assert len(api.requests_to("/export/")) == ranges
    floor = connector.floor
    months = {
        month_file(m.when)
        for m in mailing_lists_data.on("users")
        if (m.when.year, m.when.month) >= (floor.year, floor.month)
    }
    assert len(api.requests_to("/pipermail/")) == 1 + len(months)  # the page, each month
    # Groups.io: the topics (a page), the members' addresses, and each topic once.
    topics = {
        m.references[0] if m.parent else m.message_id for m in mailing_lists_data.on("community")
    }
    assert len(api.requests_to("/gettopic?")) == 0
    assert Counter(r.path.rsplit("/", 1)[-1] for r in api.requests_to("/groupsio/")) == {
        "gettopics": 1,
        "getmembers": 1,
        "gettopic": len(topics),
    }
    api.reset_log()
    batches, connector = run(settings(fake_mailing_lists.url), state)
    assert landed(batches) == []
    # One per list: HyperKitty's range, Pipermail's month of the day before its newest
    # message (and the months after it, when the month turned since), Groups.io's topics.
    newest = max(m.dated for m in mailing_lists_data.on("users") if not m.skip)
    since, today = (newest - timedelta(days=1)).date(), connector.today
    months = (today.year - since.year) * 12 + today.month - since.month + 1
    assert connector.requests == 1 + months + 1
    pipermail = api.requests_to("/pipermail/")
    # The month read last is asked for with its ETag and has not changed.
    assert pipermail[0].headers.get("If-None-Match") and pipermail[0].status == 304


def test_an_interrupted_sync_resumes_and_repeats_nothing(fake_mailing_lists, mailing_lists_data):
    state: dict = {}
    first, _ = run(settings(fake_mailing_lists.url), state, limit=4)
    second, connector = run(settings(fake_mailing_lists.url), state)
    assert connector.problems == []
    both = landed(first) + landed(second)
    crossed = {m.message_id for m in mailing_lists_data.counted() if len(m.lists) == 2}
    once = [a.activity_id for a in both if a.activity_id not in crossed]
    assert len(once) == len(set(once))
    assert as_landed({a.activity_id: a for a in both}.values()) == truth(mailing_lists_data)


def test_new_and_late_messages_land_and_nothing_twice(fake_mailing_lists, mailing_lists_data):
    data = mailing_lists_data
    state: dict = {}
    _, connector = run(settings(fake_mailing_lists.url), state)
    today = connector.today
    newest = max(m.when for m in data.messages)
    author = data.members[0]
    new = []
    for name, hours, style in (("users", 30, "rfc"), ("dev", 31, "rfc"), ("dev", 32, "late")):
        # The last one's sender's clock is a day behind: dated before the newest message.
        new.append(
            ListMessage(
                f"<new-{name}-{hours}@mail.acacia.test>",
                (name,),
                author,
                data.address(author),
                author.name,
                newest + timedelta(hours=hours),
                f"News on {name}",
                "Something new.",
                date_style=style,
            )
        )
    data.messages += new
    later = (newest + timedelta(hours=33)).date()
    batches, connector = run(settings(fake_mailing_lists.url), state, today=max(later, today))
    assert connector.problems == []
    assert as_landed(landed(batches)) == truth(data, new)


def test_an_mbox_file_by_path_or_url_is_read_again_only_when_it_changed(
    tmp_path, fake_mailing_lists, mailing_lists_data
):
    (tmp_path / "archives").mkdir()
    shutil.copy(ARCHIVE, tmp_path / "archives" / "project.mbox")
    (tmp_path / "acacia.yml").write_text(
        yaml.safe_dump(
            {
                "community_name": "Lists",
                "sources": {
                    "mailing_lists": {
                        "backfill_days": 3650,
                        "lists": [
                            {"name": "project", "mbox": "archives/project.mbox"},
                            {
                                "name": "users",
                                "mbox": f"{fake_mailing_lists.url}/archives/users.mbox.gz",
                            },
                        ],
                    }
                },
            }
        )
    )
    source = load_config(tmp_path / "acacia.yml").sources.mailing_lists
    assert source.lists[0].mbox == str(tmp_path / "archives" / "project.mbox")  # from acacia.yml
    state: dict = {}
    batches, connector = run(source, state)
    assert connector.problems == []
    project = [a for a in landed(batches) if a.channel == "project"]
    assert len({a.activity_id for a in project}) == 5  # its people's messages
    users = [a for a in landed(batches) if a.channel == "users"]
    assert as_landed(users) == truth(mailing_lists_data, mailing_lists_data.on("users"))
    fake_mailing_lists.api.reset_log()
    batches, connector = run(source, state)
    assert landed(batches) == [] and connector.requests == 1  # the file: not even opened
    assert fake_mailing_lists.api.requests_to("/archives/")[0].status == 304
    with (tmp_path / "archives" / "project.mbox").open("ab") as archive:
        archive.write(
            b"\nFrom new@example.org Mon Nov 30 10:00:00 2026\nFrom: New Person "
            b"<new@example.org>\nSubject: Hello\nMessage-ID: <hello@example.org>\n"
            b"Date: Mon, 30 Nov 2026 10:00:00 +0000\n\nHello list.\n"
        )
    batches, _ = run(source, state)
    assert [a.activity_id for a in landed(batches)] == ["<hello@example.org>"]


def test_a_message_without_a_time_or_a_sender_is_set_aside_and_the_rest_lands(tmp_path):
    good = ARCHIVE.read_bytes()
    bad = (
        b"From nobody\nFrom: No Time <notime@example.org>\nSubject: When?\n"
        b"Message-ID: <notime@example.org>\n\nNo date anywhere.\n\n"
        b"From x@example.org Mon Nov 30 10:00:00 2026\nFrom: Nobody\nSubject: Who?\n"
        b"Message-ID: <nobody@example.org>\nDate: Mon, 30 Nov 2026 10:00:00 +0000\n\nAnon.\n\n"
    )
    (tmp_path / "list.mbox").write_bytes(bad + good)
    source = settings(
        lists=[{"name": "l", "mbox": str(tmp_path / "list.mbox")}], backfill_days=3650
    )
    batches, connector = run(source, {})
    assert connector.problems == []
    rejects = [r for b in batches for r in b.rejects]
    assert [(r.stream, r.scope) for r in rejects] == [("archive", "l")] * 2
    assert "no time" in rejects[0].reason and "no sender address" in rejects[1].reason
    assert rejects[0].item["Message-ID"] == "<notime@example.org>"  # enough to find it
    assert "No date anywhere" not in str(rejects[0].item)  # not what it says
    assert len({a.activity_id for a in landed(batches)}) == 5


def test_failures_are_retried_or_named_and_the_other_lists_go_on(
    tmp_path, fake_mailing_lists, mailing_lists_data
):
    api = fake_mailing_lists.api
    api.inject("server_error", path="/export/", times=2)
    api.inject("malformed", path="/gettopics", times=1)  # a cut-off body: asked for again
    batches, connector = run(settings(fake_mailing_lists.url), {})
    assert connector.problems == [] and api.faults == []
    assert as_landed({a.activity_id: a for a in landed(batches)}.values()) == truth(
        mailing_lists_data
    )
    # A list whose page is not a Pipermail archive, and a corrupt gzip: each named, with
    # its fix; the dev list still lands.
    (tmp_path / "broken.mbox.gz").write_bytes(gzip.compress(b"From x")[:12])
    lists = [
        *DEMO.settings(fake_mailing_lists.url)["lists"][:1],
        {"name": "old", "pipermail": f"{fake_mailing_lists.url}/pipermail/nosuchlist/"},
        {"name": "gz", "mbox": str(tmp_path / "broken.mbox.gz")},
    ]
    batches, connector = run(settings(lists=lists), {})
    problems = [str(p) for p in connector.problems]
    assert len(problems) == 2
    assert "list old" in problems[0] and "not a Pipermail archive page" in problems[0]
    assert "list gz" in problems[1] and "broken.mbox.gz is not a readable archive" in problems[1]
    assert {a.channel for a in landed(batches)} == {"dev"}


def test_the_check_reads_one_thing_per_list(fake_mailing_lists):
    line = check(settings(fake_mailing_lists.url), Secrets(token=GROUPSIO_TOKEN))
    assert "dev: hyperkitty archive readable" in line and "users: " in line
    topics = len(
        {
            m.references[0] if m.parent else m.message_id
            for m in fake_mailing_lists.api.data.on("community")
        }
    )
    assert f"community: Groups.io group with {topics} topics" in line
    with pytest.raises(SourceError, match="not a Pipermail archive page"):
        check(
            settings(lists=[{"name": "x", "pipermail": f"{fake_mailing_lists.url}/pipermail/no/"}]),
            Secrets(),
        )


def test_a_list_names_exactly_one_archive():
    with pytest.raises(ValidationError, match="exactly one of mbox, pipermail, hyperkitty or"):
        settings(lists=[{"name": "dev", "mbox": "a.mbox", "pipermail": "https://x/pipermail/d/"}])
    with pytest.raises(ValidationError, match="must be the archive's https:// URL"):
        settings(lists=[{"name": "dev", "hyperkitty": "lists.example.org/dev"}])


@pytest.mark.slow
def test_a_list_member_forgotten_by_address_stays_forgotten(tmp_path, monkeypatch):
    """The forget contract (tests/test_forget.py) for a list, whose senders are their
    addresses: forgetting one by it leaves neither the address nor the id made of it
    anywhere, the next message they send is skipped, and the others' messages, replies
    to theirs included, stay."""
    community = small_community()
    data = MailingListData(community)
    counted = data.counted()
    # Someone whose threads others answered.
    person = max(
        data.members,
        key=lambda p: sum(m.parent is not None and m.parent.author is p for m in counted),
    )
    address = data.address(person)
    theirs = sum(m.author is person for m in counted)
    monkeypatch.setenv("ACACIA_TEST_GROUPSIO_TOKEN", GROUPSIO_TOKEN)
    with FakeServer(FakeMailingLists(data, token=GROUPSIO_TOKEN)) as server:
        path = tmp_path / "acacia.yml"
        path.write_text(
            yaml.safe_dump(
                {
                    "community_name": "Lists",
                    "storage": {"data_dir": "data"},
                    "sources": {
                        "mailing_lists": {
                            **DEMO.settings(server.url),
                            "token_env": "ACACIA_TEST_GROUPSIO_TOKEN",
                            "backfill_days": 400,
                        }
                    },
                }
            )
        )
        assert run_job(path, "nightly_sync").success
        config = load_config(path)
        tokens = {address, user_id(address)}
        assert traces(config.storage.data_dir, tokens), "the person should be there first"
        with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
            total = con.execute("select count(*) from activities").fetchone()[0]
            member_id = con.execute(
                "select member_id from identities where identity_key = ?",
                [f"mailing_lists:{user_id(address)}"],
            ).fetchone()[0]
        tokens.add(member_id)

        command = ["acacia", "forget", address, "--yes", "--config", str(path)]
        monkeypatch.setattr(sys, "argv", command)
        forgotten = CliRunner().invoke(app, command[1:])
        assert forgotten.exit_code == 0, forgotten.output
        assert traces(config.storage.data_dir, tokens) == []

        # They write again; the next night skips it.
        last = data.on("users")[-1]
        data.messages.append(
            ListMessage(
                "<back-again@mail.acacia.test>",
                ("users",),
                person,
                address,
                person.name,
                last.when + timedelta(hours=2),
                "Back again",
                "Hello.",
            )
        )
        server.api.reset_log()
        assert run_job(path, "nightly_sync").success
        month = [r for r in server.api.requests_to("/pipermail/") if r.path.endswith(".txt.gz")]
        assert [r.status for r in month][-1] == 200, "the new message was read"
        assert traces(config.storage.data_dir, tokens) == []
        with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
            assert con.execute("select count(*) from activities").fetchone()[0] == total - theirs


def test_a_groupsio_group_needs_its_token_and_its_members_give_the_addresses(
    fake_mailing_lists, mailing_lists_data
):
    """Groups.io: without the token (or with a wrong one) the group is reported by name,
    with the fix, and the other lists land; with it, senders are their addresses (the
    members' list), the same identities as on the other lists; a topic answered later
    lands only its new message."""
    data = mailing_lists_data
    batches, connector = run(settings(fake_mailing_lists.url), {}, token="")
    (problem,) = connector.problems
    assert "list community" in str(problem) and "token_env" in str(problem)
    assert {a.channel for a in landed(batches)} == {"dev", "users"}
    batches, connector = run(settings(fake_mailing_lists.url), {}, token="wrong-0123456789")
    (problem,) = connector.problems
    assert "unauthorized" in str(problem) and "wrong-0123456789" not in str(problem)
    state: dict = {}
    batches, connector = run(settings(fake_mailing_lists.url), state)
    assert connector.problems == []
    group = [a for a in landed(batches) if a.channel == "community"]
    assert as_landed(group) == truth(data, data.on("community"))
    assert all(a.url.startswith("https://groups.io/g/community/message/") for a in group)
    # A topic answered later: only the answer lands, once.
    opener = next(m for m in data.on("community") if not m.parent and m.message_id)
    author = next(p for p in data.members if p is not opener.author)
    later = max(m.when for m in data.messages) + timedelta(hours=5)
    answer = ListMessage(
        "<late@mail.acacia.test>",
        ("community",),
        author,
        data.address(author),
        author.name,
        later,
        f"Re: {opener.subject}",
        "Late, but here.",
        parent=opener,
        references=[opener.message_id],
    )
    data.messages.append(answer)
    batches, connector = run(settings(fake_mailing_lists.url), state, today=later.date())
    assert as_landed(landed(batches)) == truth(data, [answer])
