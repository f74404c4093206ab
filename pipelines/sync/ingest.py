"""Syncing a source into the landing zone: plain Python, called by the Dagster asset and
by ``acacia sync``. It wires a connector to the landing zone and reports what happened."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from connectors.core.config import AcaciaConfig
from connectors.core.errors import RateLimitStop, SourceError
from connectors.core.redact import scrubbed
from connectors.sources.events import RowProblem
from pipelines.storage.landing import CursorStore, Lander, LandingZone, SyncStatus
from pipelines.sync.connect import Secrets, build

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


#: A report's counts (its fields) and their names in the sync status (SyncStatus.COUNTS).
STATUS_NAMES = {
    "activities": "activities_landed",
    "identities": "identities_landed",
    "feedback": "feedback_landed",
    "listings": "listings_landed",
    "rejected": "items_rejected",
    "files": "files_written",
    "requests": "api_requests",
    "attempts": "attempts",
}


@dataclass
class SyncReport:
    """What one sync of one source did: every attempt of it together (a retry resumes
    where the attempt before it stopped, so both attempts' rows are the sync's)."""

    source: str
    activities: int = 0
    identities: int = 0
    #: Responses to events' surveys (the events source's feedback files).
    feedback: int = 0
    #: Events as the source lists them (the event list's rows).
    listings: int = 0
    #: Items set aside in the rejects files (each with its reason), by stream.
    rejected: int = 0
    rejected_by_stream: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    streams: int = 0
    files: int = 0
    attempts: int = 1
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

    def counts(self) -> dict[str, int]:
        """The counts by the names the sync status keeps them under."""
        return {name: getattr(self, count) for count, name in STATUS_NAMES.items()}

    def add_earlier(self, earlier: dict[str, int]) -> None:
        """Count the earlier attempts of the same sync in (SyncStatus.so_far)."""
        for count, name in STATUS_NAMES.items():
            setattr(self, count, getattr(self, count) + earlier[name])

    def summary(self) -> str:
        tries = f" over {self.attempts} attempts" if self.attempts > 1 else ""
        text = (
            f"{self.source}: landed {self.activities} activities and {self.identities} "
            f"identities in {self.files} files using {self.requests} API requests{tries}"
        )
        if self.feedback:
            text += f"; {self.feedback} feedback responses"
        if self.listings:
            text += f"; {self.listings} listed events"
        if self.rejected:
            streams = ", ".join(f"{n} in {s}" for s, n in sorted(self.rejected_by_stream.items()))
            text += f"; set aside {self.rejected} unreadable items ({streams})"
        return text + "".join(f"\n  ! {problem}" for problem in self.problems)


def sync_source(
    config: AcaciaConfig,
    source: str,
    secrets: Secrets,
    progress: Progress | None = None,
    flush_rows: int = 20_000,
    sync_id: str | None = None,
) -> SyncReport:
    """Fetch what is new in ``source`` since the last run and land it.

    Attempts with the same ``sync_id`` (the Dagster run: its retries) are one sync: the
    report and the sync status count all of them together."""
    settings = getattr(config.sources, source, None)
    if settings is None or not settings.enabled:
        raise SourceError(
            source,
            f"the {source} source is not enabled.",
            f"Add sources.{source} to the configuration.",
        )
    zone = LandingZone(config.storage.landing())
    lander = Lander(zone, CursorStore(config.storage.sync_state()), source, flush_rows=flush_rows)
    status = SyncStatus(config.storage.sync_state())
    report = SyncReport(source)
    report.add_earlier(status.so_far(source, sync_id))

    def record(state: str, message: str) -> None:
        status.record(
            source, status=state, message=message, counts=report.counts(), sync_id=sync_id
        )

    try:
        connector = build(source, settings, secrets, zone)
        tagger = Tagger(config.tags.rules, store_bodies=getattr(settings, "store_bodies", False))
        _run(connector, lander, report, progress, tagger)
    except SourceError as error:
        record("failed", str(error))
        raise scrubbed(error) from None
    except Exception as error:
        # Name the kind of failure only: an unexpected exception's text could quote a
        # request or a response.
        record("failed", f"unexpected {type(error).__name__}; see the sync log")
        raise scrubbed(error) from None
    record(
        "failed" if report.failed else "rate_limited" if report.rate_limited else "ok",
        "; ".join(str(p) for p in report.problems),
    )
    log.info(report.summary())
    return report


class Tagger:
    """Applies the tag rules (acacia.yml ``tags.rules``) to each new activity's title and
    text, recording the tags it earns in ``extra["tags"]``; then drops the text unless
    the source stores bodies. One place for both, whatever the connector."""

    def __init__(self, rules: dict[str, list[str]], store_bodies: bool) -> None:
        self.store_bodies = store_bodies
        self.patterns = {
            tag: re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)",
                re.IGNORECASE,
            )
            for tag, words in rules.items()
        }

    def __call__(self, activities: list) -> None:
        for activity in activities:
            said = " ".join(t for t in (activity.title, activity.body) if t)
            tags = [tag for tag, pattern in self.patterns.items() if said and pattern.search(said)]
            if tags:
                activity.extra["tags"] = tags
            if not self.store_bodies:
                activity.body = None


def _run(
    connector,
    lander: Lander,
    report: SyncReport,
    progress: Progress | None,
    tagger: Tagger | None = None,
) -> None:
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
            if tagger is not None:
                tagger(batch.activities)
            lander.add(
                batch.activities,
                batch.identities,
                batch.key,
                batch.state,
                batch.rejects,
                batch.feedback,
                batch.listings,
            )
            for reject in batch.rejects:
                stream = f"{reject.scope} {reject.stream}"
                report.rejected_by_stream[stream] = report.rejected_by_stream.get(stream, 0) + 1
    finally:
        # Whole batches only ever sit in the buffer, so landing them is safe even when
        # the sync was interrupted; their cursors commit with them.
        lander.flush()
        report.activities += lander.landed["activities"]
        report.identities += lander.landed["identities"]
        report.feedback += lander.landed["feedback"]
        report.listings += lander.landed["listings"]
        report.rejected += lander.landed["rejects"]
        report.files += len(lander.files)
        report.requests += connector.requests
        report.problems = connector.problems
        report.cursors = {key: value.get("cursor") for key, value in lander.state.items()}
