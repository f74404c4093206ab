"""Each source's connector, built from its configuration. What a source is lives in its
own package (connectors/sources/<source>/source.py); this module gives the pipeline the
registry and what the landing zone knows (connectors.core.source.Landed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connectors.core import registry
from connectors.core.source import Connector, Secrets, SourceDefinition
from pipelines.storage.landing import LandingZone

__all__ = ["SOURCES", "LandedUsers", "Secrets", "build", "secrets_for"]

#: Every registered source, by name.
SOURCES: dict[str, SourceDefinition] = registry.sources()


class LandedUsers:
    """What a connector may know of its source's landed accounts (connectors.core.source.
    Landed), answered from the landing zone."""

    def __init__(self, zone: LandingZone) -> None:
        self.zone = zone

    def known_users(self, source: str) -> set[str]:
        rows = self.zone.query(source, "identities", "select distinct source_user_id from landed")
        return {row[0] for row in rows}

    def known_profiles(self, source: str, fetched_after: datetime) -> set[str]:
        return self.zone.known_profiles(source, fetched_after)

    def actors_without_profile(self, source: str) -> set[str]:
        return self.zone.actors_without_profile(source)


def build(source: str, settings: Any, secrets: Secrets, zone: LandingZone) -> Connector:
    return SOURCES[source].build(settings, secrets, LandedUsers(zone))


def secrets_for(config: Any, source: str) -> Secrets:
    """The source's secrets from the environment (see AcaciaConfig.secret)."""
    settings = getattr(config.sources, source)
    has_client_id = "client_id_env" in settings.other_env_keys
    return Secrets(
        token=config.secret(source),
        client_id=config.secret(source, "client_id_env") if has_client_id else "",
    )
