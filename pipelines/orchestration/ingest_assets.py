"""Ingest assets: one per source, each landing new records as Parquet files."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    Backoff,
    Failure,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    asset,
)

from connectors.core.errors import SourceError
from connectors.core.redact import redact, redact_data, scrubbed
from pipelines.delivery.alerts import sync_failed
from pipelines.sync.connect import SOURCES, Secrets
from pipelines.sync.ingest import sync_source


def api_pool(source: str) -> str:
    """The concurrency pool of ``source``'s sync: a deployment lets one run at a time."""
    return f"api_{source}"


def build_ingest_asset(source: str, retries: int = 2, retry_delay: float = 30) -> AssetsDefinition:
    """The asset that syncs ``source`` into the landing zone.

    A failing sync (bad token, API down, rate limit exhausted) is retried ``retries``
    times with exponential backoff. If the last attempt fails too, the asset still
    materializes what was landed, its ``synced`` check fails (red in the Dagster UI,
    with the error), and the run goes on: the other sources land and the models rebuild
    on what there is. The sync status (published with the snapshot) says the same on
    every dashboard page."""

    @asset(
        name=f"{source}_landing",
        group_name="ingest",
        kinds={source, "parquet"},
        description=SOURCES[source].description + " Landed as Parquet, incrementally.",
        required_resource_keys={"acacia", f"{source}_credentials"},
        # One sync of a source at a time across runs, where the instance limits pools
        # (pipelines/deploy/dagster.yaml): different sources still sync in parallel.
        pool=api_pool(source),
        retry_policy=RetryPolicy(
            max_retries=retries, delay=retry_delay, backoff=Backoff.EXPONENTIAL
        ),
        check_specs=[
            AssetCheckSpec(
                "synced",
                asset=f"{source}_landing",
                description="The last sync read everything new (after its retries).",
            )
        ],
    )
    def landing(context: AssetExecutionContext) -> MaterializeResult:
        config = context.resources.acacia.load()
        credentials = getattr(context.resources, f"{source}_credentials")
        secrets = Secrets(token=credentials.token, client_id=credentials.client_id)
        last_attempt = context.retry_number >= retries
        try:
            # The run's attempts are one sync: the report counts them all.
            report = sync_source(
                config, source, secrets, progress=context.log.info, sync_id=context.run.run_id
            )
        except Exception as error:
            if not last_attempt:
                # Dagster stores and shows the error (and what it was chained to).
                raise scrubbed(error) from None
            # sync_source recorded the failure; a SourceError's text is redacted, other
            # errors are named by their type only.
            problem = str(error) if isinstance(error, SourceError) else type(error).__name__
            context.log.error(f"{source}: the sync failed after {retries} retries: {problem}")
            sync_failed(config, source, problem, retries)
            return MaterializeResult(
                metadata={"failed": True, "problems": MetadataValue.md(f"- {problem}")},
                check_results=[_synced(False, problem)],
            )
        metadata = {
            "activities_landed": report.activities,
            "identities_landed": report.identities,
            "feedback_landed": report.feedback,
            "listings_landed": report.listings,
            # Items the connector could not read, landed raw in <source>/rejects/.
            "items_rejected": report.rejected,
            "rejected_by_stream": MetadataValue.json(report.rejected_by_stream),
            "files_written": report.files,
            "api_requests": report.requests,
            "attempts": report.attempts,
            "streams_read": report.streams,
            "rate_limited": report.rate_limited,
            "cursors": MetadataValue.json(redact_data(report.cursors)),
            "problems": MetadataValue.md(
                redact("\n".join(f"- {p}" for p in report.problems) or "none")
            ),
        }
        if report.failed and not last_attempt:
            # What was read is landed with its cursors; the retry resumes there.
            raise Failure(description=redact(report.summary()), metadata=metadata)
        if report.failed:
            context.log.error(f"the sync failed after {retries} retries: {report.summary()}")
            sync_failed(config, source, "; ".join(str(p) for p in report.failed), retries)
        return MaterializeResult(
            metadata={**metadata, "failed": bool(report.failed)},
            check_results=[
                _synced(not report.failed, report.summary() if report.failed else "complete")
            ],
        )

    return landing


def _synced(passed: bool, description: str) -> AssetCheckResult:
    return AssetCheckResult(
        check_name="synced",
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        description=description,
    )
