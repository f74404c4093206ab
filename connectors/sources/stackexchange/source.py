"""A Stack Exchange site as a source: its settings, activity types, and how to build
and check it."""

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
from connectors.sources.stackexchange.connector import (
    GHOST_ID,
    StackExchangeConnector,
    StackExchangeSettings,
)


class StackExchangeSource(ApiSourceSettings):
    """sources.stackexchange: which site and tags to read."""

    site: str = "stackoverflow"
    tags: list[str] = Field(min_length=1)
    key_env: str = "STACKEXCHANGE_KEY"
    base_url: str = "https://api.stackexchange.com"
    backfill_days: int = Field(365, ge=1)
    quota_reserve: int = Field(100, ge=0)
    max_pages: int = Field(25, ge=1)

    secret_key: ClassVar[str] = "key_env"
    secret_required: ClassVar[bool] = False  # without a key: 300 requests a day
    _http = field_validator("base_url")(lambda cls, v: check_url(v))


def client_settings(settings: StackExchangeSource, secrets: Secrets) -> StackExchangeSettings:
    return StackExchangeSettings(
        site=settings.site,
        key=secrets.token or None,
        base_url=settings.base_url,
        max_pages=settings.max_pages,
        quota_reserve=settings.quota_reserve,
        **patience(settings),
    )


def build(settings: StackExchangeSource, secrets: Secrets, landed: Landed) -> Connector:
    return StackExchangeConnector(
        client_settings(settings, secrets),
        tags=settings.tags,
        backfill_days=settings.backfill_days,
        known_users=landed.known_users("stackexchange"),
    )


def check(settings: StackExchangeSource, secrets: Secrets) -> str:
    connector = StackExchangeConnector(client_settings(settings, secrets), tags=settings.tags)
    connector.connect()
    result = connector.fetch("info")
    key = "with an app key" if secrets.token else "without a key (300 requests a day)"
    return (
        f"site {settings.site} reachable {key}; {result.get('quota_remaining')} of "
        f"{result.get('quota_max')} requests left today"
    )


SOURCE = SourceDefinition(
    name="stackexchange",
    label="Stack Overflow",
    color="#E69F00",
    profile_link=r"stackoverflow\.com/users/(\d+)",
    description="New questions, answers, accepted answers and comments in the tags.",
    settings=StackExchangeSource,
    activity_types=(
        ActivityType(
            "question",
            "conversation",
            1.5,
            "opens",
            "question",
            label="Question",
            family="Questions and answers",
        ),
        ActivityType(
            "answer", "contribution", 4, "replies", label="Answer", family="Questions and answers"
        ),
        ActivityType(
            "answer_accepted",
            "contribution",
            6,
            label="Accepted answer",
            family="Questions and answers",
            accepted_answer=True,
        ),
        ActivityType(
            "comment", "conversation", 1, "replies", label="Comment", family="Discussions"
        ),
    ),
    build=build,
    check=check,
    profile_rank=3,
    ghost_id=GHOST_ID,
    username_is="name",
)
