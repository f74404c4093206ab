"""The team's own data (pipelines/storage/team_store.py): decisions, tags, notes and follow-ups kept
in a SQLite store that the dashboard and the command line write at once, that identity
resolution reads, and that forget and backups cover."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time

import duckdb
import pytest
from typer.testing import CliRunner

from connectors.core import clock
from connectors.core.config import load_config
from pipelines.cli.main import app
from pipelines.identity.rules import team_rules
from pipelines.storage.snapshot import current_snapshot
from pipelines.storage.team_store import TeamDataError, TeamStore, normalize_tag, store_path
from tests.conftest import copy_workspace

runner = CliRunner()


def test_decisions_later_win_and_can_be_undone(tmp_path):
    store = TeamStore(tmp_path / "team.sqlite")
    merged = store.decide("merge", "github:1", "slack:U1", author="ada")
    store.decide("not_same", "github:2", "reddit:t2_x", author="bo")
    assert [(d.kind, d.author) for d in store.decisions()] == [("merge", "ada"), ("not_same", "bo")]
    # A split undoes the merges that named the account; a merge undoes its splits.
    store.decide("split", "slack:U1", author="cy")
    assert [d.kind for d in store.decisions()] == ["not_same", "split"]
    store.decide("merge", "slack:U1", "github:1", author="ada")
    assert [d.kind for d in store.decisions()] == ["not_same", "merge"]
    store.undo(store.decisions()[0].id, author="bo")
    assert [d.kind for d in store.decisions()] == ["merge"]
    with pytest.raises(TeamDataError):
        store.undo(merged.id, author="bo")  # undone already (by the split)
    with pytest.raises(TeamDataError, match="who you are"):
        store.decide("merge", "a:1", "b:2", author=" ")
    with pytest.raises(TeamDataError):
        store.decide("split", "a:1", "b:2", author="ada")


def test_tags_notes_and_follow_ups_with_who_and_when(tmp_path):
    store = TeamStore(tmp_path / "team.sqlite")
    store.tag("github:1", " Thankful ", author="ada")
    store.tag("github:1", "thankful", author="bo")  # once per account
    store.note("github:1", "Met at the Lisbon summit.", author="ada")
    store.follow_up("github:1", "to welcome", author="ada")
    store.follow_up("github:1", "welcomed", author="bo")
    assert [r[:3] for r in store.rows("tags")] == [("github:1", "thankful", "ada")]
    assert [r[:2] + r[3:4] for r in store.rows("notes")] == [
        ("github:1", "ada", "Met at the Lisbon summit.")
    ]
    assert [r[:3] for r in store.rows("follow_ups")] == [("github:1", "welcomed", "bo")]
    with pytest.raises(TeamDataError):
        store.follow_up("github:1", "ghosted", author="ada")
    assert normalize_tag("Good  First Timer") == "good-first-timer"
    store.untag(["github:1"], "Thankful")
    assert store.rows("tags") == []


def _writer(path: str, who: str, count: int) -> None:
    store = TeamStore(path)
    for n in range(count):
        store.note(f"github:{n}", f"note {n} by {who}", author=who)
        store.tag(f"github:{n}", f"{who}-{n % 5}", author=who)
        if n % 10 == 0:
            store.decide("not_same", f"github:{n}", f"slack:{who}{n}", author=who)


def test_two_writers_at_once_lose_nothing(tmp_path):
    """The dashboard and the command line are two processes: both write at once."""
    path = str(tmp_path / "team.sqlite")
    TeamStore(path)
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_writer, args=(path, who, 150)) for who in ("ui", "cli")]
    for process in writers:
        process.start()
    for process in writers:
        process.join(120)
        assert process.exitcode == 0
    store = TeamStore(path)
    assert len(store.rows("notes")) == 300
    assert len(store.rows("tags")) == 300
    assert len(store.decisions()) == 30
    # WAL mode: a reader is never blocked by a writer.
    with sqlite3.connect(path) as con:
        assert con.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_a_backup_is_a_consistent_copy(tmp_path):
    store = TeamStore(tmp_path / "team.sqlite")
    store.note("github:1", "hello", author="ada")
    copy = TeamStore(store.backup(tmp_path / "backups" / "team.sqlite"))
    assert copy.rows("notes") == store.rows("notes")


def test_resolution_reads_the_file_and_the_store(tmp_path):
    (tmp_path / "acacia.yml").write_text("community_name: T\n")
    (tmp_path / "identities.yml").write_text(
        "merge:\n  - [github:1, slack:U1]\n  - [github:3, slack:U3]\n"
    )
    config = load_config(tmp_path / "acacia.yml")
    store = TeamStore(store_path(config))
    store.decide("merge", "github:2", "discourse:2", author="ada")
    store.decide("not_same", "github:4", "reddit:t2_4", author="ada")
    store.decide("split", "slack:U3", author="bo")  # wins over the file's merge
    manual, rejected = team_rules(config)
    assert manual.merges == [["github:1", "slack:U1"], ["github:2", "discourse:2"]]
    assert manual.splits == {"slack:U3"}
    assert rejected == {frozenset({"github:4", "reddit:t2_4"})}


def members(config_path) -> dict[str, str]:
    config = load_config(config_path)
    with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
        return dict(con.execute("select identity_key, member_id from identities").fetchall())


@pytest.mark.slow
def test_cli_decisions_show_without_a_full_rebuild(synced, tmp_path):
    """accept --above, reject and unmerge from the command line, then `acacia apply`
    (the models' build and publish, without a sync or a Dagster run)."""
    path = copy_workspace(synced, tmp_path)
    config = load_config(path)
    with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
        waiting = con.execute(
            "select suggestion_id, identity_a, identity_b, score from identity_suggestions "
            "where decision = 'review' order by score desc, suggestion_id"
        ).fetchall()
        automatic = con.execute(
            "select suggestion_id, identity_a, identity_b from identity_suggestions "
            "where decision = 'automatic' order by suggestion_id limit 1"
        ).fetchone()
    assert len(waiting) >= 3
    before = members(path)
    top, rejected = waiting[0], waiting[-1]
    args = ["--config", str(path), "--author", "ada"]
    accepted = runner.invoke(app, ["accept", "--above", str(top[3]), *args])
    assert accepted.exit_code == 0 and "by ada" in accepted.output, accepted.output
    assert runner.invoke(app, ["reject", rejected[0], *args]).exit_code == 0
    assert runner.invoke(app, ["reject", automatic[0], *args]).exit_code == 0  # undo it
    started = time.monotonic()
    applied = runner.invoke(app, ["apply", "--config", str(path)])
    assert applied.exit_code == 0, applied.output
    assert "Decisions applied in" in applied.output, applied.output
    print(f"apply took {time.monotonic() - started:.1f} s")
    after = members(path)
    assert after[top[1]] == after[top[2]] and before[top[1]] != before[top[2]]
    assert after[automatic[1]] != after[automatic[2]]
    assert after[rejected[1]] != after[rejected[2]]
    # Splitting an account off gives it a member of its own.
    split = runner.invoke(app, ["unmerge", top[2], "--apply", *args])
    assert split.exit_code == 0, split.output
    final = members(path)
    assert [k for k, m in final.items() if m == final[top[2]]] == [top[2]]
    assert all(d.author == "ada" for d in TeamStore(store_path(config)).decisions())


@pytest.mark.slow
def test_a_tag_rule_tags_the_authors_of_new_messages(fake_slack, slack_data, tmp_path, monkeypatch):
    """tags.rules reads each new message at sync (text kept only with store_bodies) and
    tags its author from the next build on."""
    import yaml

    from pipelines.orchestration.execute import run_job
    from tests.conftest import SLACK_TOKEN

    monkeypatch.setenv("ACACIA_TEST_SLACK_TOKEN", SLACK_TOKEN)
    path = tmp_path / "acacia.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "storage": {"data_dir": "data"},
                "sources": {
                    "slack": {
                        "base_url": fake_slack.url + "/api/",
                        "token_env": "ACACIA_TEST_SLACK_TOKEN",
                        "backfill_days": 400,
                    }
                },
                "tags": {"rules": {"Docs": ["documentation page"], "thankful": ["thanks"]}},
            }
        )
    )
    assert run_job(path, "nightly_sync", ephemeral=True).success

    def tags() -> set[tuple[str, str]]:
        return {
            (m, t)
            for m, t in snapshot(
                path, "select member_id, tag from member_tags where origin = 'rule'"
            )
        }

    first = tags()
    assert any(t == "thankful" for _, t in first)  # the sample's replies thank
    assert not any(t == "docs" for _, t in first)
    author = next(u for u in slack_data.users.values() if u.person and not u.deleted)
    slack_data.post("dev", author.id, clock.now(), text="Where is the Documentation page?")
    assert run_job(path, "nightly_sync", ephemeral=True).success
    member = dict(snapshot(path, "select identity_key, member_id from identities"))[
        f"slack:{author.id}"
    ]
    assert {m for m, t in tags() if t == "docs"} == {member}
    # The text was read for the rule, not landed.
    config = load_config(path)
    with duckdb.connect() as con:
        bodies = con.execute(
            "select count(body) from read_parquet(?)",
            [config.storage.landing().uri("slack", "activities", "*.parquet")],
        ).fetchone()[0]
    assert bodies == 0


def snapshot(path, sql: str) -> list[tuple]:
    config = load_config(path)
    with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.slow
def test_forget_removes_what_the_team_wrote(synced, tmp_path):
    from pipelines.orchestration.execute import run_job
    from pipelines.storage.forget import forget_member

    path = copy_workspace(synced, tmp_path)
    config = load_config(path)
    member_id, keys = snapshot(
        path,
        "select member_id, list(identity_key order by identity_key) from identities "
        "group by member_id having count(*) >= 2 order by member_id limit 1",
    )[0]
    other = snapshot(
        path, f"select identity_key from identities where member_id <> '{member_id}' limit 1"
    )[0][0]
    store = TeamStore(store_path(config))
    store.tag(keys[0], "speaker", author="ada")
    store.note(keys[1], "Call them about the summit.", author="ada")
    store.follow_up(keys[0], "reached out", author="ada")
    store.decide("not_same", keys[0], other, author="ada")
    store.note(other, "someone else", author="ada")
    report = forget_member(config, member_id, lambda: run_job(path, "rebuild", ephemeral=True))
    assert report.rows_removed["team notes, tags and decisions"] == 4
    # (The sample team's own follow-ups of other people stay.)
    assert store.rows("tags") == [] and not [r for r in store.rows("follow_ups") if r[0] in keys]
    assert [r[0] for r in store.rows("notes")] == [other]
    assert store.decisions() == []
