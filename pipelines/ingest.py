"""Syncing a source into the landing zone: plain Python, called by the Dagster asset and
by ``acacia sync``. It wires a connector to the landing zone and reports what happened."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from connectors.errors import RateLimitStop, SourceError
from connectors.github import GitHubClient, GitHubConnector, GitHubSettings
from pipelines.config import AcaciaConfig
from pipelines.landing import CursorStore, Lander, LandingZone

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass
class SyncReport:
    """What one sync of one source did."""

    source: str
    activities: int = 0
    identities: int = 0
    requests: int = 0
    streams: int = 0
    files: int = 0
    problems: list[SourceError] = field(default_factory=list)
    cursors: dict[str, object] = field(default_factory=dict)

    @property
    def rate_limited(self) -> bool:
        return any(isinstance(p, RateLimitStop) for p in self.problems)

    @property
    def failed(self) -> list[SourceError]:
        """Problems other than a clean rate-limit stop."""
        return [p for p in self.problems if not isinstance(p, RateLimitStop)]

    def summary(self) -> str:
        text = (
            f"{self.source}: landed {self.activities} activities and {self.identities} "
            f"identities in {self.files} files using {self.requests} API requests"
        )
        return text + "".join(f"\n  ! {problem}" for problem in self.problems)


def sync_github(
    config: AcaciaConfig, token: str, progress: Progress | None = None, flush_rows: int = 20_000
) -> SyncReport:
    """Fetch what is new on GitHub since the last run and land it."""
    settings = config.sources.github
    if settings is None or not settings.enabled:
        raise SourceError(
            "github",
            "the GitHub source is not enabled.",
            "Add sources.github to the configuration.",
        )
    storage = config.storage
    zone, cursors = LandingZone(storage.landing()), CursorStore(storage.state())
    client = GitHubClient(
        GitHubSettings(
            token=token,
            base_url=settings.base_url,
            max_rate_limit_wait=settings.max_rate_limit_wait,
            seconds_between_requests=settings.seconds_between_requests,
        )
    )
    lander = Lander(zone, cursors, "github", flush_rows=flush_rows)
    fresh_after = datetime.now(UTC) - timedelta(days=settings.profile_refresh_days)
    connector = GitHubConnector(
        client,
        organizations=settings.organizations,
        repositories=settings.repositories,
        backfill_days=settings.backfill_days,
        store_bodies=settings.store_bodies,
        known_profiles=zone.known_profiles("github", fresh_after),
    )
    report = SyncReport("github")
    current = None
    try:
        for batch in connector.sync(dict(lander.state)):
            if batch.key != current:
                current = batch.key
                report.streams += 1
                if progress:
                    progress(
                        f"github {batch.scope} {batch.stream} "
                        f"({lander.landed['activities']} activities so far)"
                    )
            lander.add(batch.activities, batch.identities, batch.key, batch.state)
    finally:
        # Whole batches only ever sit in the buffer, so landing them is safe even when
        # the sync was interrupted; their cursors commit with them.
        lander.flush()
    report.activities = lander.landed["activities"]
    report.identities = lander.landed["identities"]
    report.files = len(lander.files)
    report.requests = client.requests
    report.problems = connector.problems
    report.cursors = {key: value.get("cursor") for key, value in lander.state.items()}
    log.info(report.summary())
    return report
