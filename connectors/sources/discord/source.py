"""A Discord server as a source: its settings, activity types, and how to build and
check it."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

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
from connectors.sources.discord.client import API, DiscordClient, DiscordSettings
from connectors.sources.discord.connector import GHOST_ID, DiscordConnector


class DiscordSource(ApiSourceSettings):
    """sources.discord: which server, which channels, and the bot's token."""

    guild_id: str = Field(pattern=r"^\d{15,21}$")
    #: Channel names (without #) or ids; empty: every text, announcement and forum
    #: channel the bot can see.
    channels: list[str] = Field(default_factory=list)
    #: Roles whose members are the project's staff (needs the Server Members intent).
    staff_roles: list[str] = Field(default_factory=list)
    token_env: str = "DISCORD_BOT_TOKEN"
    base_url: str = API
    backfill_days: int = Field(365, ge=1)
    store_bodies: bool = False

    _http = field_validator("base_url")(lambda cls, v: check_url(v))

    secret_key: ClassVar[str] = "token_env"


def connector(settings: DiscordSource, secrets: Secrets, **overrides) -> DiscordConnector:
    client = DiscordClient(
        DiscordSettings(
            token=secrets.token,
            base_url=settings.base_url,
            max_rate_limit_wait=settings.max_rate_limit_wait,
            **patience(settings, **overrides),
        )
    )
    return DiscordConnector(
        client,
        settings.guild_id,
        channels=settings.channels,
        staff_roles=settings.staff_roles,
        backfill_days=settings.backfill_days,
        store_bodies=settings.store_bodies,
    )


def build(settings: DiscordSource, secrets: Secrets, landed: Landed) -> Connector:
    return connector(settings, secrets)


def check(settings: DiscordSource, secrets: Secrets) -> str:
    return connector(settings, secrets, retries=1).probe()


SOURCE = SourceDefinition(
    name="discord",
    label="Discord",
    color="#332288",
    description="New Discord messages, replies, forum posts, thread replies and joins.",
    settings=DiscordSource,
    activity_types=(
        # A chat message and a reply mean what they mean on Slack: the same types.
        CHAT_MESSAGE,
        CHAT_REPLY,
        ActivityType(
            "forum_post",
            "conversation",
            2,
            "opens",
            "Discord forum post",
            label="Discord forum post",
            family="Discussions",
        ),
        ActivityType("server_join", "conversation", 0.2, label="Joined the server", family="Chat"),
    ),
    build=build,
    check=check,
    profile_rank=8,
    ghost_id=GHOST_ID,
    profile_link=r"discord(?:app)?\.com/users/(\d+)",
)
