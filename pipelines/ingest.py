"""Syncing a source into the landing zone: plain Python, called by the Dagster asset and
by ``acacia sync``. It wires a connector to the landing zone and reports what happened."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from connectors.errors import RateLimitStop, SourceError
from connectors.events import RowProblem
from pipelines.config import AcaciaConfig
from pipelines.landing import CursorStore, Lander, LandingZone, SyncStatus
from pipelines.sources import SOURCES, Secrets

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
        """Problems other than a clean rate-limit stop or a malformed CSV row (both are
        reported, and neither loses anything)."""
        return [p for p in self.problems if not isinstance(p, RateLimitStop | RowProblem)]

    def summary(self) -> str:
        text = (
            f"{self.source}: landed {self.activities} activities and {self.identities} "
            f"identities in {self.files} files using {self.requests} API requests"
        )
        return text + "".join(f"\n  ! {problem}" for problem in self.problems)


def sync_source(
    config: AcaciaConfig,
    source: str,
    secrets: Secrets,
    progress: Progress | None = None,
    flush_rows: int = 20_000,
) -> SyncReport:
    """Fetch what is new in ``source`` since the last run and land it."""
    settings = getattr(config.sources, source, None)
    if settings is None or not settings.enabled:
        raise SourceError(
            source,
            f"the {source} source is not enabled.",
            f"Add sources.{source} to the configuration.",
        )
    zone = LandingZone(config.storage.landing())
    lander = Lander(zone, CursorStore(config.storage.state()), source, flush_rows=flush_rows)
    status = SyncStatus(config.storage.state())
    report = SyncReport(source)
    try:
        connector = SOURCES[source].build(settings, secrets, zone)
        _run(connector, lander, report, progress)
    except SourceError as error:
        status.record(
            source, status="failed", message=str(error), activities=lander.landed["activities"]
        )
        raise
    except Exception as error:
        # Name the kind of failure only: an unexpected exception's text could quote a
        # request or a response.
        status.record(
            source,
            status="failed",
            message=f"unexpected {type(error).__name__}; see the sync log",
            activities=lander.landed["activities"],
        )
        raise
    status.record(
        source,
        status="failed" if report.failed else "rate_limited" if report.rate_limited else "ok",
        message="; ".join(str(p) for p in report.problems),
        activities=report.activities,
    )
    log.info(report.summary())
    return report


def _run(connector, lander: Lander, report: SyncReport, progress: Progress | None) -> None:
    current = None
    try:
        for batch in connector.sync(dict(lander.state)):
            if batch.key != current:
                current = batch.key
                report.streams += 1
                if progress:
                    progress(
                        f"{report.source} {batch.scope} {batch.stream} "
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
        report.requests = connector.requests
        report.problems = connector.problems
        report.cursors = {key: value.get("cursor") for key, value in lander.state.items()}
