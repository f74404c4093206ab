"""The acacia command line."""

from __future__ import annotations

from typer.testing import CliRunner

from pipelines.cli import app
from tests.conftest import TOKEN, write_config

runner = CliRunner()


def test_check_reports_a_missing_token_before_any_api_call(tmp_path, fake_github, monkeypatch):
    monkeypatch.delenv("ACACIA_TEST_GITHUB_TOKEN", raising=False)
    config = write_config(tmp_path, fake_github.url)
    result = runner.invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 1
    assert "ACACIA_TEST_GITHUB_TOKEN is not set" in result.output
    assert fake_github.api.requests_to() == []


def test_check_reports_a_rejected_token_without_showing_it(tmp_path, fake_github, monkeypatch):
    monkeypatch.setenv("ACACIA_TEST_GITHUB_TOKEN", "not-the-right-token")
    config = write_config(tmp_path, fake_github.url)
    result = runner.invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 1
    assert "Bad credentials" in result.output and "token_env" in result.output
    assert "not-the-right-token" not in result.output


def test_check_confirms_working_credentials(tmp_path, fake_github, monkeypatch):
    monkeypatch.setenv("ACACIA_TEST_GITHUB_TOKEN", TOKEN)
    config = write_config(tmp_path, fake_github.url)
    result = runner.invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "github: token works" in result.output and "requests left" in result.output
    assert TOKEN not in result.output


def test_invalid_config_is_explained(tmp_path):
    config = tmp_path / "acacia.yml"
    config.write_text("sources: {github: {organisations: [x]}}\n")
    result = runner.invoke(app, ["sync", "--config", str(config)])
    assert result.exit_code == 1
    assert "sources.github.organisations: unknown key" in result.output


def test_sync_of_an_unconfigured_source_is_refused(tmp_path, fake_github, monkeypatch):
    monkeypatch.setenv("ACACIA_TEST_GITHUB_TOKEN", TOKEN)
    config = write_config(tmp_path, fake_github.url)
    result = runner.invoke(app, ["sync", "--config", str(config), "--source", "slack"])
    assert result.exit_code == 1
    assert "'slack' is not configured" in result.output


def test_check_covers_every_source_and_names_the_failing_one(
    tmp_path, fake_github, fake_slack, fake_discourse, monkeypatch
):
    from tests.conftest import DISCOURSE_KEY

    monkeypatch.setenv("ACACIA_TEST_GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("ACACIA_TEST_SLACK_TOKEN", "xoxb-revoked")
    monkeypatch.setenv("ACACIA_TEST_DISCOURSE_KEY", DISCOURSE_KEY)
    config = write_config(tmp_path, fake_github.url, fake_slack.url, fake_discourse.url)
    result = runner.invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 1
    assert "github: token works" in result.output
    assert "discourse: key works as system; an admin key" in result.output
    assert "[slack] auth.test answered invalid_auth" in result.output
    assert "xoxb-revoked" not in result.output


def test_check_reports_reddit_stackexchange_and_events(
    tmp_path, fake_github, fake_reddit, fake_stackexchange, monkeypatch
):
    from tests.conftest import REDDIT_ID, REDDIT_SECRET

    monkeypatch.setenv("ACACIA_TEST_GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("ACACIA_TEST_REDDIT_ID", REDDIT_ID)
    monkeypatch.setenv("ACACIA_TEST_REDDIT_SECRET", REDDIT_SECRET)
    monkeypatch.delenv("ACACIA_TEST_STACKEXCHANGE_KEY", raising=False)  # optional
    events = tmp_path / "events"
    events.mkdir()
    (events / "meetups.csv").write_text("event,date,location,name,email,role\n")
    config = write_config(
        tmp_path,
        fake_github.url,
        reddit_url=fake_reddit.url,
        stackexchange_url=fake_stackexchange.url,
        events_folder=events,
    )
    result = runner.invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "reddit: app credentials work; 1 subreddit(s) readable" in result.output
    assert "stackexchange: site stackoverflow reachable without a key" in result.output
    assert "events: 1 CSV file(s)" in result.output
    assert REDDIT_SECRET not in result.output


def test_a_missing_reddit_client_id_is_named(tmp_path, fake_github, fake_reddit, monkeypatch):
    monkeypatch.setenv("ACACIA_TEST_GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("ACACIA_TEST_REDDIT_SECRET", "s")
    monkeypatch.delenv("ACACIA_TEST_REDDIT_ID", raising=False)
    config = write_config(tmp_path, fake_github.url, reddit_url=fake_reddit.url)
    result = runner.invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 1
    assert (
        "sources.reddit.client_id_env: the environment variable ACACIA_TEST_REDDIT_ID"
        in result.output
    )
