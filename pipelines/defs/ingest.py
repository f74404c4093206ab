"""Ingest assets: one per source, each landing new records as Parquet files."""

from dagster import (
    AssetExecutionContext,
    Backoff,
    Failure,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    asset,
)

from pipelines.defs.resources import AcaciaResource, GitHubCredentials
from pipelines.ingest import sync_github


@asset(
    key="github_landing",
    group_name="ingest",
    kinds={"github", "parquet"},
    description="New GitHub activity and profiles since the last run, landed as Parquet.",
    retry_policy=RetryPolicy(max_retries=2, delay=30, backoff=Backoff.EXPONENTIAL),
)
def github_landing(
    context: AssetExecutionContext, acacia: AcaciaResource, github: GitHubCredentials
) -> MaterializeResult:
    report = sync_github(acacia.load(), github.token, progress=context.log.info)
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
