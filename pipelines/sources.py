"""Each source's connector, built from its configuration: the one place that knows how.

Adding a source means a connector package, a config model and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from connectors.batch import Batch
from connectors.discourse import DiscourseClient, DiscourseConnector, DiscourseSettings
from connectors.errors import SourceError
from connectors.github import GitHubClient, GitHubConnector, GitHubSettings
from connectors.slack import SlackConnector, SlackSettings, make_client
from pipelines.landing import LandingZone


class Connector(Protocol):
    problems: list[SourceError]

    def sync(self, state: dict[str, dict[str, Any]]) -> Iterator[Batch]: ...

    @property
    def requests(self) -> int: ...


@dataclass(frozen=True)
class SourceSpec:
    name: str
    build: Callable[[Any, str, LandingZone], Connector]
    #: Checks the credentials without syncing; returns a line for a person to read.
    check: Callable[[Any, str], str]


def _known_users(zone: LandingZone, source: str) -> set[str]:
    rows = zone.query(source, "identities", "select distinct source_user_id from landed")
    return {row[0] for row in rows}


def _github(settings: Any, token: str, zone: LandingZone) -> Connector:
    client = GitHubClient(
        GitHubSettings(
            token=token,
            base_url=settings.base_url,
            max_rate_limit_wait=settings.max_rate_limit_wait,
            seconds_between_requests=settings.seconds_between_requests,
        )
    )
    fresh_after = datetime.now(UTC) - timedelta(days=settings.profile_refresh_days)
    return GitHubConnector(
        client,
        organizations=settings.organizations,
        repositories=settings.repositories,
        backfill_days=settings.backfill_days,
        store_bodies=settings.store_bodies,
        known_profiles=zone.known_profiles("github", fresh_after),
    )


def _slack(settings: Any, token: str, zone: LandingZone) -> Connector:
    client = make_client(
        SlackSettings(
            token=token,
            base_url=settings.base_url,
            max_rate_limit_wait=settings.max_rate_limit_wait,
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


def _discourse(settings: Any, api_key: str, zone: LandingZone) -> Connector:
    client = DiscourseClient(
        DiscourseSettings(
            base_url=settings.base_url,
            api_key=api_key,
            api_username=settings.api_username,
            max_rate_limit_wait=settings.max_rate_limit_wait,
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


def _check_github(settings: Any, token: str) -> str:
    client = GitHubClient(GitHubSettings(token=token, base_url=settings.base_url, retries=1))
    page = client.get("/user")
    limit = client.get("/rate_limit").items["resources"]["core"]
    scopes = page.headers.get("x-oauth-scopes", "(fine-grained token: no scope list)")
    return (
        f"token works for {page.items.get('login')}; scopes: {scopes}; "
        f"{limit['remaining']}/{limit['limit']} requests left this hour"
    )


def _check_slack(settings: Any, token: str) -> str:
    connector = SlackConnector(
        make_client(SlackSettings(token=token, base_url=settings.base_url, retries=1))
    )
    who = connector.call("auth.test")
    channels = connector.call("conversations.list", types="public_channel", limit=200)
    member = sum(bool(c.get("is_member")) for c in channels.get("channels", []))
    return (
        f"token works for {who.get('user')} in {who.get('team')}; the app is in {member} "
        "public channels"
    )


def _check_discourse(settings: Any, api_key: str) -> str:
    client = DiscourseClient(
        DiscourseSettings(
            base_url=settings.base_url,
            api_key=api_key,
            api_username=settings.api_username,
            retries=1,
        )
    )
    user = client.get("/session/current.json").get("current_user") or {}
    admin = "an admin key" if user.get("admin") else "not an admin key (no emails)"
    return f"key works as {user.get('username')}; {admin}"


SOURCES = {
    spec.name: spec
    for spec in (
        SourceSpec("github", _github, _check_github),
        SourceSpec("slack", _slack, _check_slack),
        SourceSpec("discourse", _discourse, _check_discourse),
    )
}
