"""Forgetting a member: nothing of them stays, and later syncs do not bring them back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from connectors.fake_apis import FakeServer
from connectors.fake_apis.community import organizations_file
from connectors.fake_apis.discourse import FakeDiscourse
from connectors.fake_apis.discourse_data import DiscourseData
from connectors.fake_apis.github import FakeGitHub
from connectors.fake_apis.github_data import GitHubData
from pipelines.config import load_config
from pipelines.forget import forget_member
from pipelines.publish import current_snapshot
from pipelines.run import run_job
from tests.conftest import DISCOURSE_KEY, TOKEN, community_end, small_community, write_config

pytestmark = [pytest.mark.slow, pytest.mark.dates, pytest.mark.xdist_group("forget")]


def cells(path: Path) -> list[tuple]:
    """Every row of every table of a DuckDB file or a Parquet file."""
    with (
        duckdb.connect(str(path), read_only=True)
        if path.suffix == ".duckdb"
        else duckdb.connect() as con
    ):
        if path.suffix == ".parquet":
            return con.execute("select * from read_parquet(?)", [str(path)]).fetchall()
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        return [
            row
            for schema, table in tables
            for row in con.execute(f'select * from "{schema}"."{table}"').fetchall()
        ]


def traces(data_dir: Path, tokens: set[str]) -> list[str]:
    """Files holding a cell equal to one of ``tokens`` (or containing an email of them)."""
    found = []
    lowered = {t.lower() for t in tokens}
    for path in [*data_dir.rglob("*.parquet"), *data_dir.rglob("*.duckdb")]:
        for row in cells(path):
            for cell in row:
                text = str(cell).lower()
                if text in lowered or any("@" in t and t in text for t in lowered):
                    found.append(f"{path.relative_to(data_dir)}: {cell}")
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
        assert run_job(path, "nightly_sync", ephemeral=True).success
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

        report = forget_member(
            config, f"github:{1000 + person.key}", lambda: run_job(path, "rebuild", ephemeral=True)
        )
        assert report.member_id == member_id
        assert set(report.identities) == {
            f"github:{1000 + person.key}",
            f"discourse:{forum_user.id}",
        }
        assert report.rows_removed["github activities"] > 0
        assert report.rows_removed["discourse identities"] >= 1
        assert "Later syncs will skip them" in report.summary()
        assert traces(config.storage.data_dir, tokens) == []

        # They come back to GitHub and the forum; a full re-read of GitHub happens too,
        # which lands every GitHub activity again, one issue with a new title.
        later = community_end() + timedelta(hours=3)
        github.add_issue_comment("acacia-sample/core", 1, person, later)
        renamed = github.repos["acacia-sample/core"].issues[2]
        renamed.title = "Renamed while nobody was looking"
        forum.reply(next(iter(forum.topics)), forum_user, later)
        (config.storage.state() / "github.json").unlink()
        assert run_job(path, "nightly_sync", ephemeral=True).success
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
