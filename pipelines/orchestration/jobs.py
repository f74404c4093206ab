"""The nightly job and its schedule."""

from typing import Any

from dagster import (
    AssetSelection,
    Backoff,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    OpExecutionContext,
    RetryPolicy,
    RunRequest,
    RunStatusSensorContext,
    ScheduleDefinition,
    SensorDefinition,
    define_asset_job,
    job,
    op,
    run_status_sensor,
)

from connectors.core.config import AcaciaConfig
from pipelines.orchestration.model_assets import MODELS_OP


def nightly_sync_job(whole_table_checks: AssetSelection) -> Any:
    """Sync every source, build what changed, publish. An incremental build runs the
    dbt tests of the rows it wrote: the checks of whole tables (``whole_table_checks``)
    are the rebuild's (pipelines/build ``whole_table_tests``)."""
    return define_asset_job(
        "nightly_sync",
        selection=AssetSelection.all() - whole_table_checks,
        description="Sync every source, build what changed (testing what it wrote), publish.",
    )


rebuild = define_asset_job(
    "rebuild",
    selection=AssetSelection.all() - AssetSelection.groups("ingest"),
    description=(
        "Rebuild every model from the whole landing zone and publish (no sync): after a "
        "scoring change, an upgrade or a repair."
    ),
    config={"ops": {MODELS_OP: {"config": {"full_refresh": True}}}},
)


def refresh_job(whole_table_checks: AssetSelection) -> Any:
    """Build what changed and publish, without syncing (see :func:`nightly_sync_job`)."""
    return define_asset_job(
        "refresh",
        selection=AssetSelection.all() - AssetSelection.groups("ingest") - whole_table_checks,
        description=(
            "Build what changed since the last build (new landed files, the team's "
            "decisions) and publish, without syncing."
        ),
    )


def source_sync_job(source: str, whole_table_checks: AssetSelection):
    """One source's ingest, then the build of what changed: every model reads every
    source (the members and marts join them all), so the build after one source's sync
    is the same as after all of them."""
    return define_asset_job(
        f"sync_{source}",
        selection=AssetSelection.assets(f"{source}_landing")
        | (AssetSelection.all() - AssetSelection.groups("ingest") - whole_table_checks),
        description=f"Sync {source} only, then build what changed and publish.",
    )


def nightly_schedule(config: AcaciaConfig, nightly_sync: Any) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="nightly_sync_schedule",
        job=nightly_sync,
        cron_schedule=config.schedule.nightly_cron,
        execution_timezone=config.schedule.timezone,
        # The sync is meant to run by itself once deployed.
        default_status=DefaultScheduleStatus.RUNNING,
    )


@op(
    required_resource_keys={"acacia"},
    # post() already retries a failed post within the run; a rerun later is safe too,
    # as a month is only ever posted once.
    retry_policy=RetryPolicy(max_retries=2, delay=300, backoff=Backoff.EXPONENTIAL),
)
def post_monthly_update(context: OpExecutionContext) -> None:
    """Post last month's update to the configured Slack channel (once)."""
    from pipelines.delivery.monthly_update import last_month, post

    result = post(context.resources.acacia.load(), last_month())
    context.log.info(f"monthly update {result.month}: {result.status} ({result.ts})")


@job(description="Post last month's update to Slack (once per month, however often it runs).")
def monthly_update():
    post_monthly_update()


def monthly_schedule(config: AcaciaConfig) -> ScheduleDefinition:
    settings = config.monthly_update
    return ScheduleDefinition(
        name="monthly_update_schedule",
        job=monthly_update,
        cron_schedule=settings.cron,
        execution_timezone=settings.timezone,
        # On by itself only once there is a channel to post to.
        default_status=DefaultScheduleStatus.RUNNING
        if settings.channel
        else DefaultScheduleStatus.STOPPED,
    )


@op(
    required_resource_keys={"acacia"},
    # post() retries a failed post within the run; a rerun is safe: each alert is
    # posted once.
    retry_policy=RetryPolicy(max_retries=2, delay=300, backoff=Backoff.EXPONENTIAL),
)
def post_alerts(context: OpExecutionContext) -> None:
    """Post the alerts not posted yet (pipelines/delivery/alerts.py)."""
    from pipelines.delivery.alerts import post

    done = post(context.resources.acacia.load())
    context.log.info(f"alerts: {len(done)} message(s) posted")


@job(description="Post what needs the team today to Slack (each alert once).")
def alerts():
    post_alerts()


def alerts_schedule(config: AcaciaConfig) -> ScheduleDefinition:
    """The daily alerts, on by itself once a channel is set and delivery is daily."""
    settings = config.alerts
    daily = bool(settings.slack_channel) and settings.delivery == "daily"
    return ScheduleDefinition(
        name="alerts_schedule",
        job=alerts,
        cron_schedule=settings.cron,
        execution_timezone=settings.timezone,
        default_status=DefaultScheduleStatus.RUNNING if daily else DefaultScheduleStatus.STOPPED,
    )


def alerts_sensor(config: AcaciaConfig, builds: list[Any]) -> SensorDefinition:
    """Immediate alerts: after every build that publishes (the nightly job, a rebuild,
    a refresh: ``builds``), post the new alerts; on by itself once a channel is set and
    delivery is immediate."""
    settings = config.alerts
    immediate = bool(settings.slack_channel) and settings.delivery == "immediate"

    @run_status_sensor(
        name="alerts_after_publish",
        run_status=DagsterRunStatus.SUCCESS,
        monitored_jobs=builds,
        request_job=alerts,
        default_status=DefaultSensorStatus.RUNNING if immediate else DefaultSensorStatus.STOPPED,
    )
    def after_publish(context: RunStatusSensorContext) -> RunRequest:
        return RunRequest(run_key=context.dagster_run.run_id)

    return after_publish
