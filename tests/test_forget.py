"""Forgetting a member: nothing of them stays, and later syncs do not bring them back."""

from __future__ import annotations

import re
import shutil
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from connectors.core.config import load_config
from pipelines.cli.main import app
from pipelines.orchestration.execute import run_job
from pipelines.storage.snapshot import current_snapshot
from sample import FakeServer
from sample.community import organizations_file
from sample.discourse import FakeDiscourse
from sample.discourse_data import DiscourseData
from sample.github import FakeGitHub
from sample.github_data import GitHubData
from tests.conftest import DISCOURSE_KEY, TOKEN, community_end, small_community, write_config

pytestmark = pytest.mark.slow


def cells(path: Path) -> list[tuple]:
    """Every row of every table of a DuckDB file or a Parquet file."""
    with (
        duckdb.connect(str(path), read_only=True)
        if path.suffix == ".duckdb"
        else duckdb.connect() as con
    ):
        if path.suffix != ".duckdb":
            return con.execute("select * from read_parquet(?)", [str(path)]).fetchall()
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        return [
            row
            for schema, table in tables
            for row in con.execute(f'select * from "{schema}"."{table}"').fetchall()
        ]


def traces(data_dir: Path, tokens: set[str]) -> list[str]:
    """Every trace of ``tokens`` in the data folder: a Parquet or DuckDB cell equal to
    one (or containing an email of them), whatever such files are called (a snapshot
    left half-published ends in .tmp), and the bytes of every other file (dbt's
    artifacts and logs, Dagster's storage and compute logs, state, exports)."""
    found = []
    lowered = {t.lower() for t in tokens}
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        name = path.relative_to(data_dir)
        if ".parquet" in path.name or (".duckdb" in path.name and ".wal" not in path.name):
            if ".duckdb" in path.name and path.suffix != ".duckdb":
                copy = path.with_name(path.name + ".read.duckdb")
                copy.write_bytes(path.read_bytes())
                found += [f"{name}: {t}" for t in traces_in(copy, lowered)]
                copy.unlink()
            else:
                found += [f"{name}: {t}" for t in traces_in(path, lowered)]
            continue
        text = path.read_bytes().decode("latin-1").lower()
        found += [f"{name}: {t}" for t in lowered if t in text]
    return found


def traces_in(path: Path, lowered: set[str]) -> list[str]:
    found = []
    for row in cells(path):
        for cell in row:
            text = str(cell).lower()
            if text in lowered or any(
                ("@" in t or t.startswith("m_")) and t in text for t in lowered
            ):
                found.append(str(cell))
    return found


def test_a_forgotten_member_leaves_no_trace_and_stays_forgotten(tmp_path, monkeypatch):
    community = small_community()
    github, forum = GitHubData(community, repos=(("core", 80),)), DiscourseData(community, 3)
    servers = [
        FakeServer(FakeGitHub(github, tokens={TOKEN})).start(),
        FakeServer(FakeDiscourse(forum, api_key=DISCOURSE_KEY)).start(),
    ]
    try:
        monkeypatch.setenv("ACACIA_TEST_GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("ACACIA_TEST_DISCOURSE_KEY", DISCOURSE_KEY)
        path = write_config(tmp_path, servers[0].url, discourse_url=servers[1].url)
        (tmp_path / "organizations.yml").write_text(yaml.safe_dump(organizations_file(community)))
        # Recorded in the workspace's Dagster instance: its storage is searched too.
        assert run_job(path, "nightly_sync").success
        config = load_config(path)

        # The person with a GitHub account and a forum account merged by noreply address.
        person = community.hard_cases["noreply"]
        forum_user = forum.by_person[person.key]
        tokens = {person.login, forum_user.username, person.forum_email or ""} - {""}
        assert traces(config.storage.data_dir, tokens), "the person should be there first"
        with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
            member_id = con.execute(
                "select member_id from identities where identity_key = ?",
                [f"github:{1000 + person.key}"],
            ).fetchone()[0]
            others = con.execute(
                "select count(*) from activities where member_id <> ?", [member_id]
            ).fetchone()[0]
        tokens.add(member_id)
        # A sync killed while publishing left its half-written copy of the warehouse.
        serving = config.storage.serving()
        interrupted = serving / ".acacia-20260101T000000Z-dead00.duckdb.tmp"
        shutil.copyfile(current_snapshot(serving), interrupted)

        # From the command line, by email: the process's own command names them.
        command = ["acacia", "forget", person.forum_email, "--yes", "--config", str(path)]
        monkeypatch.setattr(sys, "argv", command)
        forgotten = CliRunner().invoke(app, command[1:])
        assert forgotten.exit_code == 0, forgotten.output
        assert "Later syncs will skip them" in forgotten.output
        assert not interrupted.exists()
        assert traces(config.storage.data_dir, tokens) == []
        output = " ".join(forgotten.output.split())
        assert f"Forgot member {member_id} (2 accounts:" in output
        assert f"github:{1000 + person.key}" in output and f"discourse:{forum_user.id}" in output
        assert re.search(r"Removed .*\d+ discourse identities.*\d+ github activities", output)
        assert "1 unfinished files" in output

        # They come back to GitHub and the forum; a full re-read of GitHub happens too,
        # which lands every GitHub activity again, one issue with a new title.
        later = community_end() + timedelta(hours=3)
        github.add_issue_comment("acacia-sample/core", 1, person, later)
        renamed = github.repos["acacia-sample/core"].issues[2]
        renamed.title = "Renamed while nobody was looking"
        forum.reply(next(iter(forum.topics)), forum_user, later)
        (config.storage.state() / "github.json").unlink()
        assert run_job(path, "nightly_sync").success
        assert traces(config.storage.data_dir, tokens) == []
        suppressed = (config.storage.state() / "suppressed.json").read_text()
        assert person.login not in suppressed and "@" not in suppressed  # hashes only

        # Everyone else is untouched.
        with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
            # Re-read activities count once, with what was fetched last.
            assert con.execute("select count(*) from activities").fetchone()[0] == others
            kind = "pull" if renamed.is_pr else "issues"
            assert con.execute(
                "select title from activities where url = ? "
                "and activity_type in ('issue_opened', 'pr_opened')",
                [f"https://github.com/acacia-sample/core/{kind}/2"],
            ).fetchall() == [(renamed.title,)]
            assert (
                con.execute(
                    "select count(*) from identities where member_id = ?", [member_id]
                ).fetchone()[0]
                == 0
            )
    finally:
        for server in servers:
            server.stop()


def test_forgetting_reaches_the_items_set_aside(tmp_path):
    """A reject is the item as the API sent it: forgetting a member drops every reject
    that names them (an account id, username or email as a JSON value), in any source,
    and keeps the others."""
    from datetime import UTC, datetime

    from connectors.core.batch import Reject
    from connectors.core.records import Identity
    from pipelines.storage.forget import ForgetReport, scrub_rejects
    from pipelines.storage.landing import CursorStore, Lander, LandingZone

    zone = LandingZone(tmp_path / "landing")
    cursors = CursorStore(tmp_path / "state")
    github = Lander(zone, cursors, "github")
    github.add(
        [],
        [Identity("github", "4242", "ada-l", email="ada@example.org", has_profile=True)],
        rejects=[
            Reject("issues", "o/r", "missing field 'id'", {"user": {"id": 4242}, "title": "x"}),
            Reject("issues", "o/r", "missing field 'id'", {"user": {"id": 42421}}),
            Reject("issues", "o/r", "missing field 'id'", {"user": {"login": "someone"}}),
        ],
    )
    github.flush()
    slack = Lander(zone, cursors, "slack")
    when = datetime(2026, 5, 1, tzinfo=UTC).timestamp()
    slack.add(
        [],
        [],
        rejects=[
            Reject(
                "users",
                "workspace",
                "missing field 'id'",
                {"profile": {"email": "Ada@Example.org"}},
            ),
            Reject("messages", "general", "missing field 'ts'", {"user": "U1", "at": when}),
        ],
    )
    slack.flush()
    report = ForgetReport("m1", ["github:4242"])
    scrub_rejects(zone, {"github": {"4242"}}, report)
    left = [
        row[0]
        for source in ("github", "slack")
        for row in zone.query(source, "rejects", "select item from landed")
    ]
    assert len(left) == 3 and not any("4242}" in i or "xample.org" in i for i in left)
    assert report.rows_removed == {"github rejects": 1, "slack rejects": 1}
