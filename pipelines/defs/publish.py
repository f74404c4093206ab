"""The publish step: a read-only snapshot of the marts for the dashboard."""

from typing import Any

import duckdb
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipelines.defs.resources import AcaciaResource
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
