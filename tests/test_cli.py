"""The acacia command line."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from pipelines.cli.main import app
from tests.conftest import TOKEN, members_by_identity, write_config

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


@pytest.mark.slow
def test_suggestions_can_be_listed_accepted_rejected_and_undone(synced, tmp_path):
    from connectors.core.config import load_config
    from pipelines.storage.team_store import TeamStore, store_path
    from tests.conftest import copy_workspace

    # A copy of the synced workspace: decisions go to its own team store.
    config = copy_workspace(synced, tmp_path)
    listed = runner.invoke(app, ["suggestions", "--config", str(config), "--limit", "2"])
    assert listed.exit_code == 0, listed.output
    assert "waiting for a decision, most confident first" in listed.output
    first, second = [
        line.split()[0] for line in listed.output.splitlines() if line.startswith("s_")
    ][:2]
    by = ["--config", str(config), "--author", "ada"]
    accepted = runner.invoke(app, ["accept", first, *by])
    assert accepted.exit_code == 0 and "(by ada)" in accepted.output
    assert "acacia apply" in accepted.output
    # Applied now: one line says what happened, the member it made, and how long it took
    # (dbt's log goes to its file); the published snapshot shows the merge.
    applied = runner.invoke(app, ["apply", "--config", str(config)])
    assert applied.exit_code == 0, applied.output
    assert applied.output.count("\n") == 1 and "Decisions applied in" in applied.output
    decided = TeamStore(store_path(load_config(config))).decisions()[0]
    members = members_by_identity(load_config(config))
    assert members[decided.identity_a] == members[decided.identity_b]
    rejected = runner.invoke(app, ["reject", second, *by])
    assert rejected.exit_code == 0 and "different people" in rejected.output
    store = TeamStore(store_path(load_config(config)))
    merged = store.decisions()[0]
    assert [(d.kind, d.suggestion_id, d.author) for d in store.decisions()] == [
        ("merge", first, "ada"),
        ("not_same", second, "ada"),
    ]
    undone = runner.invoke(app, ["unmerge", merged.identity_b, *by, "--apply"])
    assert undone.exit_code == 0, undone.output
    assert re.fullmatch(
        rf"Split {re.escape(merged.identity_b)} off into a member of its own \(by ada\); "
        r"dashboard updated in \d+\.\d s\.\n",
        undone.output,
    ), undone.output
    members = members_by_identity(load_config(config))
    assert members[merged.identity_a] != members[merged.identity_b]
    assert [d.kind for d in store.decisions()] == ["not_same", "split"]
    missing = runner.invoke(app, ["accept", "s_nope", "--config", str(config)])
    assert missing.exit_code == 1 and "acacia suggestions" in missing.output
    # The merges made without asking are listed with their evidence, to be undone.
    automatic = runner.invoke(app, ["suggestions", "--automatic", "--config", str(config)])
    assert automatic.exit_code == 0 and "merged automatically" in automatic.output
    assert "Undo one with `acacia reject <id>`" in automatic.output
    # A backup is a copy of the store.
    backup = runner.invoke(app, ["backup", str(tmp_path / "team-copy.sqlite"), *by[:2]])
    assert backup.exit_code == 0, backup.output
    assert TeamStore(tmp_path / "team-copy.sqlite").decisions() == store.decisions()


def test_directory_before_the_first_sync_says_what_to_do(tmp_path):
    config = tmp_path / "acacia.yml"
    config.write_text("community_name: Fresh\n")
    result = runner.invoke(app, ["directory", "--config", str(config)])
    assert result.exit_code == 1
    assert "Nothing is published yet: run `acacia sync` first." in result.output
    assert not (tmp_path / "data" / "directory").exists()


@pytest.mark.slow
def test_after_the_demo_the_next_commands_work_without_a_flag(synced, tmp_path, monkeypatch):
    """The README's next steps after `make demo` (update, suggestions, directory, check,
    rebuild), run where a new user is: in the repository, with no acacia.yml there and
    no flag. Here the synced workspace stands in for the demo's."""
    import pipelines.cli.demo

    monkeypatch.setattr(pipelines.cli.demo, "DEMO_DIR", synced["config"].path.parent)
    monkeypatch.delenv("ACACIA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    for command in (["update"], ["suggestions"], ["directory"], ["check"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, (command, result.output)
        assert "using the demo's" in result.output
    # A configuration of one's own always wins.
    (tmp_path / "acacia.yml").write_text("community_name: Ours\n")
    assert "no source is enabled" in runner.invoke(app, ["check"]).output


@pytest.mark.slow
def test_forgetting_a_member_merged_on_evidence_needs_a_confirmation(synced, tmp_path):
    """A member that joins accounts merged automatically (on evidence, not an email or a
    decision) is not erased on --yes alone: the command names each account and how it
    joined, and says how to erase one account only; --account erases that account and
    leaves the member's others."""
    import duckdb

    from connectors.core.config import load_config
    from pipelines.storage.snapshot import current_snapshot
    from tests.conftest import copy_workspace

    config = copy_workspace(synced, tmp_path)
    folder = load_config(config).storage.resolution()
    with duckdb.connect() as con:
        member, key, others = con.execute(
            """
            select member_id, min(identity_key) filter (where rule = 'automatic'),
                   list(identity_key) filter (where rule <> 'automatic')
            from read_parquet(?) group by member_id
            having count(*) filter (where rule = 'automatic') = 1
               and count(*) filter (where rule <> 'automatic') > 0
            order by member_id limit 1""",
            [str(folder / "identity_members.parquet")],
        ).fetchone()
    refused = runner.invoke(app, ["forget", member, "--yes", "--config", str(config)])
    assert refused.exit_code != 0
    assert f"{key}  (merged automatically on: " in refused.output
    assert "Not forgetting without a confirmation" in refused.output
    assert "--account" in refused.output
    # Asked in a terminal, a "no" keeps everything.
    declined = runner.invoke(app, ["forget", member, "--config", str(config)], input="n\n")
    assert declined.exit_code != 0 and "Forgot" not in declined.output

    one = runner.invoke(app, ["forget", key, "--account", "--yes", "--config", str(config)])
    assert one.exit_code == 0, one.output
    with duckdb.connect(str(current_snapshot(load_config(config).storage.serving()))) as con:
        left = {r[0] for r in con.execute("select identity_key from identities").fetchall()}
    assert key not in left and set(others) <= left


def test_the_demo_without_the_sample_package_says_how_to_install_it(monkeypatch):
    """The product never imports the sample community: the demo loads it by name, and
    where it is missing (a wheel installed without the ``sample`` extra) says what to do
    instead of a traceback."""

    from pipelines.cli import demo

    monkeypatch.setattr(demo, "SAMPLE", "acacia_sample_not_installed")
    with pytest.raises(SystemExit) as stopped:
        demo.start_fake_apis()
    assert "make demo" in str(stopped.value) and "acacia[sample]" in str(stopped.value)
