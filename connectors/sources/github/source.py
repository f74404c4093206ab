"""GitHub as a source: its settings, activity types, and how to build and check it."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any

from pydantic import Field, field_validator, model_validator

from connectors.core import clock
from connectors.core.source import (
    ActivityType,
    ApiSourceSettings,
    Connector,
    Landed,
    Secrets,
    SourceDefinition,
    check_url,
    patience,
)
from connectors.sources.github.client import GitHubClient, GitHubSettings
from connectors.sources.github.connector import GHOST, GitHubConnector


class GitHubSource(ApiSourceSettings):
    """sources.github: which repositories to read and how to reach GitHub."""

    organizations: list[str] = Field(default_factory=list)
    repositories: list[str] = Field(default_factory=list)
    base_url: str = "https://api.github.com"
    token_env: str = "GITHUB_TOKEN"
    backfill_days: int = Field(365, ge=1)
    store_bodies: bool = False
    profile_refresh_days: int = Field(30, ge=1)
    seconds_between_requests: float = Field(0.25, ge=0)

    @field_validator("repositories")
    @classmethod
    def _owner_slash_name(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.fullmatch(r"[\w.-]+/[\w.-]+", name):
                raise ValueError(f"{name!r} is not 'owner/name' (e.g. 'mautic/mautic')")
        return value

    _http = field_validator("base_url")(lambda cls, v: check_url(v).rstrip("/"))

    @model_validator(mode="after")
    def _something_to_read(self) -> GitHubSource:
        if self.enabled and not (self.organizations or self.repositories):
            raise ValueError("list at least one of 'organizations' or 'repositories'")
        return self


def client_settings(settings: GitHubSource, secrets: Secrets, **overrides: Any) -> GitHubSettings:
    values = patience(settings, **overrides)
    return GitHubSettings(
        token=secrets.token,
        base_url=settings.base_url,
        max_rate_limit_wait=settings.max_rate_limit_wait,
        seconds_between_requests=settings.seconds_between_requests,
        timeout=math.ceil(values["timeout"]),  # PyGithub takes whole seconds only
        retries=values["retries"],
        backoff_factor=values["backoff"],
    )


def build(settings: GitHubSource, secrets: Secrets, landed: Landed) -> Connector:
    client = GitHubClient(client_settings(settings, secrets))
    # Profiles are refreshed by how long ago they really arrived (landing's fetched_at).
    fresh_after = clock.arrival_time() - timedelta(days=settings.profile_refresh_days)
    return GitHubConnector(
        client,
        organizations=settings.organizations,
        repositories=settings.repositories,
        backfill_days=settings.backfill_days,
        store_bodies=settings.store_bodies,
        known_profiles=landed.known_profiles("github", fresh_after),
    )


def check(settings: GitHubSource, secrets: Secrets) -> str:
    client = GitHubClient(client_settings(settings, secrets, retries=1))
    page = client.get("/user")
    limit = client.get("/rate_limit").items["resources"]["core"]
    scopes = page.headers.get("x-oauth-scopes", "(fine-grained token: no scope list)")
    return (
        f"token works for {page.items.get('login')}; scopes: {scopes}; "
        f"{limit['remaining']}/{limit['limit']} requests left this hour"
    )


SOURCE = SourceDefinition(
    name="github",
    label="GitHub",
    color="#0072B2",
    # A noreply address stands for the login (a commit's author without a public email).
    login_address=r"^(?:\d+\+)?([a-z0-9-]+)@users\.noreply\.github\.com$",
    profile_link=r"github\.com/([A-Za-z0-9-]+)/?$",
    description="New GitHub issues, pull requests, comments, reviews, stars and profiles.",
    settings=GitHubSource,
    activity_types=(
        ActivityType(
            "issue_opened",
            "conversation",
            2,
            "opens",
            "issue",
            label="Issue opened",
            family="Issues",
        ),
        ActivityType("issue_closed", "conversation", 1, label="Issue closed", family="Issues"),
        ActivityType(
            "pr_opened",
            "contribution",
            5,
            "opens",
            "pull request",
            label="PR opened",
            family="Code",
        ),
        ActivityType("pr_merged", "contribution", 8, label="PR merged", family="Code"),
        ActivityType("pr_review", "contribution", 4, "replies", label="PR review", family="Code"),
        ActivityType(
            "issue_comment",
            "conversation",
            1,
            "replies",
            label="Issue or PR comment",
            family="Issues",
        ),
        ActivityType(
            "review_comment", "conversation", 2, "replies", label="Review comment", family="Code"
        ),
        ActivityType("star", "conversation", 0.5, label="Star", family="Stars"),
    ),
    build=build,
    check=check,
    profile_rank=1,
    ghost_id=str(GHOST["id"]),
)
