"""The publish step: a read-only snapshot of the marts for the dashboard."""

from datetime import timedelta
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from connectors.core import clock
from pipelines.build import build_lock
from pipelines.delivery.directory import export as export_directory
from pipelines.orchestration.resources import AcaciaResource
from pipelines.storage.landing import SyncStatus
from pipelines.storage.snapshot import current_snapshot, open_snapshot, publish_workspace


def build_publish_asset(mart_keys: list[AssetKey]) -> Any:
    @asset(
        key="serving_snapshot",
        group_name="publish",
        kinds={"duckdb"},
        deps=mart_keys,
        description="Read-only copy of the marts, swapped atomically; the dashboard and "
        "exports read only this.",
    )
    def serving_snapshot(
        context: AssetExecutionContext, acacia: AcaciaResource
    ) -> MaterializeResult:
        config = acacia.load()
        with build_lock(config):  # a decision applied now would write the warehouse
            snapshot = publish_workspace(config)
        with open_snapshot(snapshot) as con:
            counts = {
                table: con.execute(f'select count(*) from "{table}"').fetchone()[0]
                for (table,) in con.execute("show tables").fetchall()
                if not table.startswith("_")
            }
        context.log.info(f"published {snapshot.name}: {counts}")
        return MaterializeResult(
            metadata={"snapshot": str(snapshot), **{f"rows_{k}": v for k, v in counts.items()}}
        )

    return serving_snapshot


def build_directory_asset() -> Any:
    @asset(
        key="partner_directory",
        group_name="publish",
        kinds={"csv", "json", "html"},
        deps=["serving_snapshot"],
        description="The partner ranking as files a website can publish as is "
        "(data/directory/partners.csv, .json, .md, .html), with period and method.",
    )
    def partner_directory(
        context: AssetExecutionContext, acacia: AcaciaResource
    ) -> MaterializeResult:
        files = export_directory(acacia.load())
        context.log.info("partner directory: " + ", ".join(str(f) for f in files))
        return MaterializeResult(metadata={"files": [str(f) for f in files]})

    return partner_directory


FRESH_HOURS = 26


def build_snapshot_checks() -> list[Any]:
    """Checks on what the dashboard and the exports read: fresh sources, sound data."""

    @asset_check(
        asset="serving_snapshot",
        description=f"Every enabled source synced successfully in the last {FRESH_HOURS} hours.",
    )
    def sources_are_fresh(acacia: AcaciaResource) -> AssetCheckResult:
        config = acacia.load()
        status = SyncStatus(config.storage.sync_state()).load()
        since = clock.now() - timedelta(hours=FRESH_HOURS)
        stale = {}
        for source in config.enabled_sources():
            last = (status.get(source) or {}).get("last_success_at")
            if last is None or clock.utc(last) < since:
                stale[source] = last or "never"
        return AssetCheckResult(
            passed=not stale,
            severity=AssetCheckSeverity.WARN,
            description=(
                "stale: " + ", ".join(f"{s} (last success {w})" for s, w in stale.items())
                if stale
                else "every source synced in time"
            ),
            metadata={"stale_sources": MetadataValue.json(stale)},
        )

    @asset_check(
        asset="serving_snapshot",
        description="No activity twice, and none without a member.",
    )
    def activities_are_sound(acacia: AcaciaResource) -> AssetCheckResult:
        snapshot = current_snapshot(acacia.load().storage.serving())
        with open_snapshot(snapshot) as con:
            duplicates, orphans = con.execute(
                """
                select count(*) - count(distinct activity_key),
                       count(*) filter (where member_id is null
                           or member_id not in (select member_id from members))
                from activities"""
            ).fetchone()
        return AssetCheckResult(
            passed=duplicates == 0 and orphans == 0,
            severity=AssetCheckSeverity.ERROR,
            description=f"{duplicates} duplicate activities, {orphans} without a member",
            metadata={"duplicate_activities": duplicates, "activities_without_member": orphans},
        )

    return [sources_are_fresh, activities_are_sound]
