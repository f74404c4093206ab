"""What a new user hits on the first runs, from the command line they would type: each
test reproduces one first-run bug through ``acacia`` (typer's runner, in process, or a
real subprocess for the long-running commands)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from pipelines.cli.main import SOURCE_FAILED, app
from pipelines.storage.snapshot import current_snapshot
from tests.conftest import SLACK_TOKEN, TOKEN, write_config

pytestmark = pytest.mark.slow

runner = CliRunner()


def acacia(*args: str, config: Path | None = None):
    return runner.invoke(app, [*args, *(["--config", str(config)] if config else [])])


def published(config: Path) -> Counter:
    """Activities per source in the published snapshot."""
    serving = yaml.safe_load(config.read_text())["storage"]["data_dir"]
    snapshot = current_snapshot(config.parent / serving / "serving")
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return Counter(
            dict(con.execute("select source, count(*) from activities group by 1").fetchall())
        )


def with_settings(config: Path, **sections: dict) -> Path:
    raw = yaml.safe_load(config.read_text())
    raw.update(sections)
    config.write_text(yaml.safe_dump(raw))
    return config


def test_syncing_one_source_at_a_time_on_a_fresh_folder(
    tmp_path, fake_github, fake_slack, github_data, slack_data, monkeypatch
):
    """`acacia sync --source github` first (the union models read every source's staging
    view, which must exist though only GitHub synced), then Slack."""
    monkeypatch.setenv("ACACIA_TEST_GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("ACACIA_TEST_SLACK_TOKEN", SLACK_TOKEN)
    config = write_config(tmp_path, fake_github.url, fake_slack.url)

    first = acacia("sync", "--source", "github", config=config)
    assert first.exit_code == 0, first.output
    github = sum(github_data.expected_counts().values())
    assert published(config) == {"github": github}

    second = acacia("sync", "--source", "slack", config=config)
    assert second.exit_code == 0, second.output
    assert published(config) == {"github": github, "slack": len(slack_data.activities())}


def test_a_source_whose_first_sync_failed_shows_its_data_once_it_lands(
    tmp_path, fake_github, github_data, monkeypatch
):
    """The first sync of GitHub fails (a wrong token) and lands nothing; the run still
    publishes the events, and says so with its own exit code. Once the token is fixed,
    GitHub's activities land and every one of them is published."""
    from sample.events_data import write_event_files
    from tests.conftest import small_community

    write_event_files(small_community(), tmp_path / "events")
    config = write_config(tmp_path, fake_github.url, events_folder=tmp_path / "events")
    with_settings(config, schedule={"retries": 0})
    monkeypatch.setenv("ACACIA_TEST_GITHUB_TOKEN", "not-the-right-token-77")

    failed = acacia("sync", config=config)
    assert failed.exit_code == SOURCE_FAILED, failed.output
    assert "1 source(s) failed" in failed.output and "github: " in failed.output
    assert "Bad credentials" in failed.output and "not-the-right-token-77" not in failed.output
    events = published(config)["events"]
    assert events > 0 and published(config)["github"] == 0

    monkeypatch.setenv("ACACIA_TEST_GITHUB_TOKEN", TOKEN)
    fixed = acacia("sync", config=config)
    assert fixed.exit_code == 0, fixed.output
    assert published(config) == {
        "github": sum(github_data.expected_counts().values()),
        "events": events,
    }


def test_a_retried_sync_reports_every_attempt_together(
    tmp_path, fake_github, github_data, monkeypatch
):
    """The first attempt lands every stream but the stars, which keep failing; the retry
    has nothing new to land. The sync's report counts both attempts."""
    from pipelines.orchestration.execute import run_job

    monkeypatch.setenv("ACACIA_TEST_GITHUB_TOKEN", TOKEN)
    config = write_config(tmp_path, fake_github.url)
    with_settings(config, schedule={"retries": 1, "retry_delay_seconds": 0})
    fake_github.api.inject("server_error", path="/stargazers", times=1000, status=404)

    result = run_job(config, "nightly_sync", ephemeral=True)
    assert result.success
    counts = github_data.expected_counts()
    landed = sum(counts.values()) - counts["star"]
    [materialization] = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == "github_landing"
    ]
    assert materialization.metadata["activities_landed"].value == landed > 0
    assert materialization.metadata["attempts"].value == 2
    [check] = [
        c
        for c in result.get_asset_check_evaluations()
        if c.asset_key.to_user_string() == "github_landing" and c.check_name == "synced"
    ]
    assert not check.passed
    assert f"github: landed {landed} activities" in check.description
    assert "over 2 attempts" in check.description
    status = yaml.safe_load((tmp_path / "data" / "state" / "sync_status.json").read_text())
    assert status["github"]["activities_landed"] == landed
    assert status["github"]["attempts"] == 2


def test_rebuild_needs_no_token(tmp_path, fake_github, monkeypatch):
    monkeypatch.setenv("ACACIA_TEST_GITHUB_TOKEN", TOKEN)
    config = write_config(tmp_path, fake_github.url)
    assert acacia("sync", config=config).exit_code == 0
    before = published(config)
    monkeypatch.delenv("ACACIA_TEST_GITHUB_TOKEN")
    fake_github.api.reset_log()

    rebuilt = acacia("rebuild", config=config)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert published(config) == before
    assert fake_github.api.requests_to() == []  # no API call
    # A sync does need it, and says which variable to set.
    refused = acacia("sync", config=config)
    assert refused.exit_code == 1 and "ACACIA_TEST_GITHUB_TOKEN is not set" in refused.output


@pytest.mark.parametrize("text", ["", "community_name: Ours\n", "sources: {}\n"])
def test_a_config_without_sources_says_how_to_enable_one(tmp_path, text):
    config = tmp_path / "acacia.yml"
    config.write_text(text)
    for command in ("check", "sync"):
        result = acacia(command, config=config)
        assert result.exit_code == 1, result.output
        assert "no source is enabled" in result.output
        assert "sources:" in result.output and "acacia.example.yml" in result.output
    assert not (tmp_path / "data" / "serving").exists()
