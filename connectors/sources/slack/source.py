"""Slack as a source: its settings, activity types, and how to build and check it."""

from __future__ import annotations

from pydantic import Field, field_validator

from connectors.core.retry import RetryPolicy
from connectors.core.source import (
    CHAT_MESSAGE,
    CHAT_REPLY,
    ActivityType,
    ApiSourceSettings,
    Connector,
    Landed,
    Secrets,
    SourceDefinition,
    check_url,
    patience,
)
from connectors.sources.slack.client import SlackSettings, make_client
from connectors.sources.slack.connector import SlackConnector


class SlackSource(ApiSourceSettings):
    """sources.slack: which channels to read and how to reach Slack."""

    channels: list[str] = Field(default_factory=list)
    base_url: str = "https://slack.com/api/"
    token_env: str = "SLACK_BOT_TOKEN"
    backfill_days: int = Field(365, ge=1)
    thread_lookback_days: int = Field(14, ge=0)
    store_bodies: bool = False

    _http = field_validator("base_url")(lambda cls, v: check_url(v))


def build(settings: SlackSource, secrets: Secrets, landed: Landed) -> Connector:
    client = make_client(
        SlackSettings(
            token=secrets.token,
            base_url=settings.base_url,
            max_rate_limit_wait=settings.max_rate_limit_wait,
            **patience(settings),
        )
    )
    return SlackConnector(
        client,
        channels=settings.channels,
        backfill_days=settings.backfill_days,
        thread_lookback_days=settings.thread_lookback_days,
        known_users=landed.known_users("slack"),
        unidentified=landed.actors_without_profile("slack"),
        policy=RetryPolicy(
            "slack",
            settings.request_retries,
            settings.retry_backoff_seconds,
            settings.max_rate_limit_wait,
        ),
    )


def check(settings: SlackSource, secrets: Secrets) -> str:
    connector = SlackConnector(
        make_client(
            SlackSettings(
                token=secrets.token, base_url=settings.base_url, **patience(settings, retries=1)
            )
        )
    )
    who = connector.call("auth.test")
    channels = connector.call("conversations.list", types="public_channel", limit=200)
    member = sum(bool(c.get("is_member")) for c in channels.get("channels", []))
    return (
        f"token works for {who.get('user')} in {who.get('team')}; the app is in {member} "
        "public channels"
    )


SOURCE = SourceDefinition(
    name="slack",
    label="Slack",
    color="#CC79A7",
    description="New Slack messages, thread replies, channel joins and users.",
    settings=SlackSource,
    activity_types=(
        CHAT_MESSAGE,
        CHAT_REPLY,
        ActivityType("channel_join", "conversation", 0.2, label="Joined a channel", family="Chat"),
    ),
    build=build,
    check=check,
    profile_rank=4,
)
