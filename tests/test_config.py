"""Configuration: validated at start, errors that name the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.core.config import DEFAULT_WEIGHTS, ConfigError, load_config
from connectors.core.folders import REPO_ROOT
from connectors.core.registry import activity_types


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "acacia.yml"
    path.write_text(text)
    return path


def test_example_config_is_valid():
    config = load_config(REPO_ROOT / "acacia.example.yml")
    assert config.sources.github.organizations
    assert config.sources.github.token_env == "GITHUB_TOKEN"


def test_defaults_cover_every_activity_type():
    assert set(DEFAULT_WEIGHTS) == set(activity_types())


def test_relative_data_dir_resolves_against_the_config(tmp_path):
    config = load_config(write(tmp_path, "sources: {github: {repositories: [a/b]}}\n"))
    assert config.storage.warehouse() == tmp_path / "data" / "warehouse.duckdb"


def test_weights_override_defaults(tmp_path):
    config = load_config(write(tmp_path, "weights: {star: 0, pr_merged: 20}\n"))
    weights = config.activity_weights()
    assert weights["star"] == 0 and weights["pr_merged"] == 20
    assert weights["pr_review"] == DEFAULT_WEIGHTS["pr_review"]


@pytest.mark.parametrize(
    ("text", "key", "hint"),
    [
        (
            "sources: {github: {organisations: [x]}}\n",
            "sources.github.organisations",
            "unknown key",
        ),
        (
            "sources: {github: {repositories: [justaname]}}\n",
            "sources.github.repositories",
            "owner/name",
        ),
        ("sources: {github: {}}\n", "sources.github", "organizations"),
        (
            "sources: {github: {repositories: [a/b], base_url: api.github.com}}\n",
            "sources.github.base_url",
            "https://",
        ),
        ("weights: {stars: 1}\n", "weights", "unknown activity type 'stars'"),
        ("weights: {star: -1}\n", "weights", "zero or more"),
        (
            "scoring: {core_contributions: 1, contributor_contributions: 2}\n",
            "scoring",
            "core_contributions must be at least contributor_contributions",
        ),
        ("scoring: {half_life_days: 0}\n", "scoring.half_life_days", "greater than 0"),
        (
            "sources: {github: {repositories: [a/b], backfill_days: 0}}\n",
            "sources.github.backfill_days",
            "greater than or equal to 1",
        ),
    ],
)
def test_invalid_config_names_the_key(tmp_path, text, key, hint):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text))
    message = str(error.value)
    assert str(tmp_path / "acacia.yml") in message
    assert f"- {key}:" in message
    assert hint in message


def test_missing_file_says_how_to_start(tmp_path):
    with pytest.raises(ConfigError, match=r"acacia\.example\.yml"):
        load_config(tmp_path / "acacia.yml")


def test_broken_yaml_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "sources: [\n"))


def test_missing_token_fails_with_the_variable_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.delenv("MY_GH_TOKEN", raising=False)
    config = load_config(
        write(tmp_path, "sources: {github: {repositories: [a/b], token_env: MY_GH_TOKEN}}\n")
    )
    with pytest.raises(ConfigError) as error:
        config.check_secrets()
    assert "sources.github.token_env" in str(error.value)
    assert "export MY_GH_TOKEN=" in str(error.value) and ".env" in str(error.value)


def test_token_is_read_from_a_dotenv_file_beside_the_config(tmp_path, monkeypatch):
    monkeypatch.delenv("MY_GH_TOKEN", raising=False)
    (tmp_path / ".env").write_text("MY_GH_TOKEN=from-dotenv\n")
    config = load_config(
        write(tmp_path, "sources: {github: {repositories: [a/b], token_env: MY_GH_TOKEN}}\n")
    )
    assert config.secret("github") == "from-dotenv"
    monkeypatch.delenv("MY_GH_TOKEN", raising=False)  # load_dotenv wrote it to os.environ


def test_a_team_overrides_an_activity_types_category(tmp_path):
    """Mautic's team counts a support question as a contribution: `categories` changes
    what the models count as one; an unknown type or category is a clear error."""
    path = tmp_path / "acacia.yml"
    path.write_text("categories: {question: contribution}\n")
    config = load_config(path)
    assert config.activity_categories()["question"] == "contribution"
    assert "question" in config.contribution_types()
    assert "answer" in config.contribution_types() and "message" not in config.contribution_types()
    path.write_text("categories: {question: contributon}\n")
    with pytest.raises(
        ConfigError, match=r"categories\.question.*'contribution' or 'conversation'"
    ):
        load_config(path)
    path.write_text("categories: {questions: contribution}\n")
    with pytest.raises(ConfigError, match="unknown activity type 'questions'"):
        load_config(path)
