"""The publish step: a read-only snapshot of the marts for the dashboard."""

from typing import Any

import duckdb
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipelines.defs.resources import AcaciaResource
from pipelines.directory import export as export_directory
from pipelines.landing import SyncStatus
from pipelines.publish import publish


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
        snapshot = publish(
            config.storage.warehouse(),
            config.storage.serving(),
            sync_status=list(SyncStatus(config.storage.state()).load().values()),
        )
        with duckdb.connect(str(snapshot), read_only=True) as con:
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
