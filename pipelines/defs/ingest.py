"""Ingest assets: one per source, each landing new records as Parquet files."""

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    Backoff,
    Failure,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    asset,
)

from pipelines.ingest import sync_source
from pipelines.sources import Secrets

DESCRIPTIONS = {
    "github": "New GitHub issues, pull requests, comments, reviews, stars and profiles.",
    "slack": "New Slack messages, thread replies, channel joins and users.",
    "discourse": "New forum topics, replies, accepted solutions and users.",
    "reddit": "New subreddit posts and comments.",
    "stackexchange": "New questions, answers, accepted answers and comments in the tags.",
    "events": "Event attendance from new or changed CSV files.",
}


def build_ingest_asset(source: str) -> AssetsDefinition:
    """The asset that syncs ``source`` into the landing zone."""

    @asset(
        name=f"{source}_landing",
        group_name="ingest",
        kinds={source, "parquet"},
        description=DESCRIPTIONS[source] + " Landed as Parquet, incrementally.",
        required_resource_keys={"acacia", f"{source}_credentials"},
        retry_policy=RetryPolicy(max_retries=2, delay=30, backoff=Backoff.EXPONENTIAL),
    )
    def landing(context: AssetExecutionContext) -> MaterializeResult:
        config = context.resources.acacia.load()
        credentials = getattr(context.resources, f"{source}_credentials")
        secrets = Secrets(token=credentials.token, client_id=credentials.client_id)
        report = sync_source(config, source, secrets, progress=context.log.info)
        metadata = {
            "activities_landed": report.activities,
            "identities_landed": report.identities,
            "files_written": report.files,
            "api_requests": report.requests,
            "streams_read": report.streams,
            "rate_limited": report.rate_limited,
            "cursors": MetadataValue.json(report.cursors),
            "problems": MetadataValue.md("\n".join(f"- {p}" for p in report.problems) or "none"),
        }
        if report.failed:
            # What was read is landed with its cursors; the retry (or next run) resumes there.
            raise Failure(description=report.summary(), metadata=metadata)
        return MaterializeResult(metadata=metadata)

    return landing
