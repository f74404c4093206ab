"""Reddit as a source: its settings, activity types, and how to build and check it."""

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
from connectors.sources.reddit.connector import (
    GHOST_ID,
    RedditConnector,
    RedditSettings,
    make_reddit,
)


class RedditSource(ApiSourceSettings):
    """sources.reddit: which subreddits to read, with a read-only app's credentials."""

    subreddits: list[str] = Field(min_length=1)
    client_id_env: str = "REDDIT_CLIENT_ID"
    client_secret_env: str = "REDDIT_CLIENT_SECRET"
    user_agent: str = "acacia-community-analytics/0.1 (by u/your_reddit_username)"
    oauth_url: str = "https://oauth.reddit.com"
    reddit_url: str = "https://www.reddit.com"
    backfill_days: int = Field(365, ge=1)
    store_bodies: bool = False

    secret_key: ClassVar[str] = "client_secret_env"
    other_env_keys: ClassVar[tuple[str, ...]] = ("client_id_env",)
    basic_auth_keys: ClassVar[tuple[str, str]] = ("client_id_env", "client_secret_env")
    _http = field_validator("oauth_url", "reddit_url")(lambda cls, v: check_url(v))

    @field_validator("subreddits")
    @classmethod
    def _bare_names(cls, value: list[str]) -> list[str]:
        return [name.removeprefix("r/").removeprefix("/r/").strip("/") for name in value]


def client_settings(settings: RedditSource, secrets: Secrets) -> RedditSettings:
    return RedditSettings(
        client_id=secrets.client_id,
        client_secret=secrets.token,
        user_agent=settings.user_agent,
        oauth_url=settings.oauth_url,
        reddit_url=settings.reddit_url,
        max_rate_limit_wait=settings.max_rate_limit_wait,
        **patience(settings),
    )


def build(settings: RedditSource, secrets: Secrets, landed: Landed) -> Connector:
    reddit_settings = client_settings(settings, secrets)
    return RedditConnector(
        make_reddit(reddit_settings),
        reddit_settings,
        subreddits=settings.subreddits,
        backfill_days=settings.backfill_days,
        store_bodies=settings.store_bodies,
        known_users=landed.known_users("reddit"),
    )


def check(settings: RedditSource, secrets: Secrets) -> str:
    reddit_settings = client_settings(settings, secrets)
    connector = RedditConnector(
        make_reddit(reddit_settings), reddit_settings, subreddits=settings.subreddits
    )
    for subreddit in settings.subreddits:
        connector.get(f"/r/{subreddit}/new", {"limit": 1})
    return f"app credentials work; {len(settings.subreddits)} subreddit(s) readable"


SOURCE = SourceDefinition(
    name="reddit",
    label="Reddit",
    color="#D55E00",
    profile_link=r"reddit\.com/(?:u|user)/([\w-]+)",
    description="New subreddit posts and comments.",
    settings=RedditSource,
    activity_types=(
        ActivityType("post", "conversation", 1, label="Reddit post", family="Discussions"),
        ActivityType(
            "comment", "conversation", 1, "replies", label="Comment", family="Discussions"
        ),
    ),
    build=build,
    check=check,
    profile_rank=6,
    ghost_id=GHOST_ID,
)
