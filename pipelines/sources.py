"""Each source's connector, built from its configuration: the one place that knows how.

Adding a source means a connector package, a config model and one entry here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from connectors import clock
from connectors.batch import Batch
from connectors.discourse import DiscourseClient, DiscourseConnector, DiscourseSettings
from connectors.errors import SourceError
from connectors.events import EventsConnector
from connectors.github import GitHubClient, GitHubConnector, GitHubSettings
from connectors.reddit import RedditConnector, RedditSettings, make_reddit
from connectors.slack import SlackConnector, SlackSettings, make_client
from connectors.stackexchange import StackExchangeConnector, StackExchangeSettings
from pipelines.landing import LandingZone


class Connector(Protocol):
    problems: list[SourceError]

    def sync(self, state: dict[str, dict[str, Any]]) -> Iterator[Batch]: ...

    @property
    def requests(self) -> int: ...


@dataclass(frozen=True)
class Secrets:
    """What a source needs from the environment: its secret, and a client id for some."""

    token: str = ""
    client_id: str = ""

    def __repr__(self) -> str:  # never print a secret
        return "Secrets(***)"


@dataclass(frozen=True)
class SourceSpec:
    name: str
    build: Callable[[Any, Secrets, LandingZone], Connector]
    #: Checks the credentials without syncing; returns a line for a person to read.
    check: Callable[[Any, Secrets], str]


def _known_users(zone: LandingZone, source: str) -> set[str]:
    rows = zone.query(source, "identities", "select distinct source_user_id from landed")
    return {row[0] for row in rows}


def patience(settings: Any, **overrides: Any) -> dict[str, Any]:
    """A source's request timeout and retries, as its client's settings name them."""
    return {
        "timeout": settings.request_timeout_seconds,
        "retries": settings.request_retries,
        "backoff": settings.retry_backoff_seconds,
        **overrides,
    }


def _github_settings(settings: Any, secrets: Secrets, **overrides: Any) -> GitHubSettings:
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


def _github(settings: Any, secrets: Secrets, zone: LandingZone) -> Connector:
    client = GitHubClient(_github_settings(settings, secrets))
    # Profiles are refreshed by how long ago they really arrived (landing's fetched_at).
    fresh_after = clock.arrival_time() - timedelta(days=settings.profile_refresh_days)
    return GitHubConnector(
        client,
        organizations=settings.organizations,
        repositories=settings.repositories,
        backfill_days=settings.backfill_days,
        store_bodies=settings.store_bodies,
        known_profiles=zone.known_profiles("github", fresh_after),
    )


def _slack(settings: Any, secrets: Secrets, zone: LandingZone) -> Connector:
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
        store_bodies=settings.store_bodies,
        known_users=_known_users(zone, "slack"),
        unidentified=zone.actors_without_profile("slack"),
    )


def _discourse(settings: Any, secrets: Secrets, zone: LandingZone) -> Connector:
    client = DiscourseClient(
        DiscourseSettings(
            base_url=settings.base_url,
            api_key=secrets.token,
            api_username=settings.api_username,
            max_rate_limit_wait=settings.max_rate_limit_wait,
            **patience(settings),
        )
    )
    return DiscourseConnector(
        client,
        categories=settings.categories,
        backfill_days=settings.backfill_days,
        admin_emails=settings.admin_emails,
        store_bodies=settings.store_bodies,
        known_users=_known_users(zone, "discourse"),
        unidentified=zone.actors_without_profile("discourse") if settings.admin_emails else set(),
    )


def _check_github(settings: Any, secrets: Secrets) -> str:
    client = GitHubClient(_github_settings(settings, secrets, retries=1))
    page = client.get("/user")
    limit = client.get("/rate_limit").items["resources"]["core"]
    scopes = page.headers.get("x-oauth-scopes", "(fine-grained token: no scope list)")
    return (
        f"token works for {page.items.get('login')}; scopes: {scopes}; "
        f"{limit['remaining']}/{limit['limit']} requests left this hour"
    )


def _check_slack(settings: Any, secrets: Secrets) -> str:
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


def _check_discourse(settings: Any, secrets: Secrets) -> str:
    client = DiscourseClient(
        DiscourseSettings(
            base_url=settings.base_url,
            api_key=secrets.token,
            api_username=settings.api_username,
            **patience(settings, retries=1),
        )
    )
    user = client.get("/session/current.json").get("current_user") or {}
    admin = "an admin key" if user.get("admin") else "not an admin key (no emails)"
    return f"key works as {user.get('username')}; {admin}"


def _reddit_settings(settings: Any, secrets: Secrets) -> RedditSettings:
    return RedditSettings(
        client_id=secrets.client_id,
        client_secret=secrets.token,
        user_agent=settings.user_agent,
        oauth_url=settings.oauth_url,
        reddit_url=settings.reddit_url,
        max_rate_limit_wait=settings.max_rate_limit_wait,
        **patience(settings),
    )


def _reddit(settings: Any, secrets: Secrets, zone: LandingZone) -> Connector:
    reddit_settings = _reddit_settings(settings, secrets)
    return RedditConnector(
        make_reddit(reddit_settings),
        reddit_settings,
        subreddits=settings.subreddits,
        backfill_days=settings.backfill_days,
        store_bodies=settings.store_bodies,
        known_users=_known_users(zone, "reddit"),
    )


def _check_reddit(settings: Any, secrets: Secrets) -> str:
    reddit_settings = _reddit_settings(settings, secrets)
    connector = RedditConnector(
        make_reddit(reddit_settings), reddit_settings, subreddits=settings.subreddits
    )
    for subreddit in settings.subreddits:
        connector.get(f"/r/{subreddit}/new", {"limit": 1})
    return f"app credentials work; {len(settings.subreddits)} subreddit(s) readable"


def _stackexchange_settings(settings: Any, secrets: Secrets) -> StackExchangeSettings:
    return StackExchangeSettings(
        site=settings.site,
        key=secrets.token or None,
        base_url=settings.base_url,
        max_pages=settings.max_pages,
        quota_reserve=settings.quota_reserve,
        **patience(settings),
    )


def _stackexchange(settings: Any, secrets: Secrets, zone: LandingZone) -> Connector:
    return StackExchangeConnector(
        _stackexchange_settings(settings, secrets),
        tags=settings.tags,
        backfill_days=settings.backfill_days,
        known_users=_known_users(zone, "stackexchange"),
    )


def _check_stackexchange(settings: Any, secrets: Secrets) -> str:
    connector = StackExchangeConnector(
        _stackexchange_settings(settings, secrets), tags=settings.tags
    )
    connector.connect()
    result = connector.fetch("info")
    key = "with an app key" if secrets.token else "without a key (300 requests a day)"
    return (
        f"site {settings.site} reachable {key}; {result.get('quota_remaining')} of "
        f"{result.get('quota_max')} requests left today"
    )


def _events(settings: Any, secrets: Secrets, zone: LandingZone) -> Connector:
    return EventsConnector(settings.folder)


def _check_events(settings: Any, secrets: Secrets) -> str:
    if not settings.folder.is_dir():
        raise SourceError(
            "events",
            f"the events folder {settings.folder} does not exist.",
            "Create it, or fix sources.events.folder.",
        )
    return f"{len(list(settings.folder.glob('*.csv')))} CSV file(s) in {settings.folder}"


SOURCES = {
    spec.name: spec
    for spec in (
        SourceSpec("github", _github, _check_github),
        SourceSpec("slack", _slack, _check_slack),
        SourceSpec("discourse", _discourse, _check_discourse),
        SourceSpec("reddit", _reddit, _check_reddit),
        SourceSpec("stackexchange", _stackexchange, _check_stackexchange),
        SourceSpec("events", _events, _check_events),
    )
}


def secrets_for(config: Any, source: str) -> Secrets:
    """The source's secrets from the environment (see AcaciaConfig.secret)."""
    settings = getattr(config.sources, source)
    has_client_id = "client_id_env" in settings.other_env_keys
    return Secrets(
        token=config.secret(source),
        client_id=config.secret(source, "client_id_env") if has_client_id else "",
    )
