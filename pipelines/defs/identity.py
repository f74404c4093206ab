"""The identity resolution asset: accounts into members, members into organizations."""

from typing import Any

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipelines.defs.resources import AcaciaResource
from pipelines.identity.run import run_resolution


def build_identity_asset(identities_key: AssetKey) -> Any:
    @asset(
        key="identity_resolution",
        group_name="identity",
        kinds={"python", "parquet"},
        deps=[identities_key],
        description="Merges accounts into members (shared email, GitHub noreply, "
        "identities.yml), proposes merge suggestions, and attributes members to "
        "organizations (organizations.yml, email domains, GitHub company).",
    )
    def identity_resolution(
        context: AssetExecutionContext, acacia: AcaciaResource
    ) -> MaterializeResult:
        report = run_resolution(acacia.load())
        context.log.info(f"identity resolution: {report}")
        return MaterializeResult(metadata=dict(vars(report)))

    return identity_resolution
