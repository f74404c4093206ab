"""Applying the team's decisions now: a merge, a rejection or a split shows in the
dashboard within seconds, without waiting for the nightly run.

A decision changes which accounts make one member. Applying it is the same build as
every night's: ``dbt build`` of the project (identity resolution is one of its models,
and the models rebuild only what changed since the last build), then publish and the
partner directory. It runs in this process, without starting a Dagster run (which cost
about 15 s on the demo); the functions are the ones the Dagster assets call, so a
decision applied here and the next nightly run give the same marts. What is not
recorded is a Dagster run: ``acacia apply`` prints its steps instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pipelines.config import AcaciaConfig


@dataclass
class Applied:
    """What an apply did: each step's seconds."""

    steps: dict[str, float] = field(default_factory=dict)

    def line(self) -> str:
        total = sum(self.steps.values())
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.steps.items())
        return f"applied in {total:.1f} s ({parts})"


def apply_decisions(config: AcaciaConfig) -> Applied:
    """Build what the team's decisions (and anything landed since) changed, and publish.

    Holds the workspace's build lock throughout, so two applies, or an apply and the
    nightly run, take turns and the later one sees every decision."""
    from pipelines.defs.models import build_lock, build_models
    from pipelines.directory import export as export_directory
    from pipelines.landing import SyncStatus
    from pipelines.publish import publish

    applied = Applied()

    def step(name: str, run: Callable[[], object]) -> None:
        started = time.monotonic()
        run()
        applied.steps[name] = time.monotonic() - started

    with build_lock(config):
        step("models", lambda: build_models(config))
        step(
            "publish",
            lambda: publish(
                config.storage.warehouse(),
                config.storage.serving(),
                sync_status=list(SyncStatus(config.storage.sync_state()).load().values()),
            ),
        )
    step("directory", lambda: export_directory(config))
    return applied
