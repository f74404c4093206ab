"""A Discourse forum as a source: its settings, activity types, and how to build and
check it."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

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
from connectors.sources.discourse.client import DiscourseClient, DiscourseSettings
from connectors.sources.discourse.connector import GHOST_ID, DiscourseConnector


class DiscourseSource(ApiSourceSettings):
    """sources.discourse: which forum to read and with which API key."""

    base_url: str
    api_key_env: str = "DISCOURSE_API_KEY"
    api_username: str = "system"
    categories: list[str] = Field(default_factory=list)
    admin_emails: bool = True
    backfill_days: int = Field(365, ge=1)
    store_bodies: bool = False

    _http = field_validator("base_url")(lambda cls, v: check_url(v))

    secret_key: ClassVar[str] = "api_key_env"


def client_settings(settings: DiscourseSource, secrets: Secrets, **overrides) -> DiscourseSettings:
    return DiscourseSettings(
        base_url=settings.base_url,
        api_key=secrets.token,
        api_username=settings.api_username,
        max_rate_limit_wait=settings.max_rate_limit_wait,
        **patience(settings, **overrides),
    )


def build(settings: DiscourseSource, secrets: Secrets, landed: Landed) -> Connector:
    return DiscourseConnector(
        DiscourseClient(client_settings(settings, secrets)),
        categories=settings.categories,
        backfill_days=settings.backfill_days,
        admin_emails=settings.admin_emails,
        known_users=landed.known_users("discourse"),
        unidentified=landed.actors_without_profile("discourse") if settings.admin_emails else set(),
    )


def check(settings: DiscourseSource, secrets: Secrets) -> str:
    client = DiscourseClient(client_settings(settings, secrets, retries=1))
    user = client.get("/session/current.json").get("current_user") or {}
    admin = "an admin key" if user.get("admin") else "not an admin key (no emails)"
    return f"key works as {user.get('username')}; {admin}"


SOURCE = SourceDefinition(
    name="discourse",
    label="Forum",
    color="#009E73",
    description="New forum topics, replies, accepted solutions and users.",
    settings=DiscourseSource,
    activity_types=(
        ActivityType(
            "topic_created",
            "conversation",
            2,
            "opens",
            "forum topic",
            label="Forum topic",
            family="Discussions",
        ),
        ActivityType(
            "post_reply", "conversation", 1, "replies", label="Forum reply", family="Discussions"
        ),
        ActivityType(
            "solution_accepted",
            "contribution",
            6,
            label="Accepted solution",
            family="Questions and answers",
            accepted_answer=True,
        ),
    ),
    build=build,
    check=check,
    profile_rank=2,
    ghost_id=GHOST_ID,
)
