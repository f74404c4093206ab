"""Applying the team's decisions now: a merge, a rejection or a split shows in the
dashboard within seconds, without waiting for the nightly run.

A decision changes which accounts make one member. Applying it is the build path of
every night (pipelines/build) with a decision's plan: identity resolution re-resolves
the members the decisions touch, the models recount what those members' activities
count in, and the snapshot is published. No Dagster run and no dbt parse: dbt runs in
this process over a manifest parsed once, so a decision applied here and the next
nightly run give the same marts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pipelines.config import AcaciaConfig


@dataclass
class Applied:
    """What an apply did: each step's seconds, and where dbt's log is."""

    steps: dict[str, float] = field(default_factory=dict)
    log: str = ""

    @property
    def seconds(self) -> float:
        return sum(self.steps.values())

    def line(self) -> str:
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.steps.items())
        return f"applied in {self.seconds:.1f} s ({parts})"


def apply_decisions(config: AcaciaConfig) -> Applied:
    """Build what the team's decisions (and anything landed since) changed, and publish.

    Holds the workspace's build lock throughout, so two applies, or an apply and the
    nightly run, take turns and the later one sees every decision. Raises
    pipelines.build.DbtFailed (naming dbt's log) when the build fails: then nothing is
    published, and the decisions stay recorded for the next build."""
    from pipelines import build
    from pipelines.directory import export as export_directory
    from pipelines.publish import publish_workspace

    applied = Applied()

    def step(name: str, run: Callable[[], object]) -> object:
        started = time.monotonic()
        out = run()
        applied.steps[name] = time.monotonic() - started
        return out

    with build.build_lock(config):
        done = step("models", lambda: build.run(config, build.plan(config, decision=True)))
        applied.log = str(done.log)
        done.raise_if_failed()
        step("publish", lambda: publish_workspace(config))
    step("directory", lambda: export_directory(config))
    return applied
