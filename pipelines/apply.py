"""Applying the team's decisions now: a merge, a rejection or a split shows in the
dashboard within seconds, without waiting for the nightly run.

A decision changes which accounts make one member, and nothing else: the landed files,
the staging views and the scores' rules stay as they are. So applying it runs only the
steps after the views, in this process and without starting a Dagster run (which cost
about 15 s of the half minute the ``apply_decisions`` job took on the demo):

1. identity resolution, with the team's decisions (pipelines/identity/run.py);
2. the marts and their dbt tests (``dbt build`` over models/marts only);
3. publish (a new snapshot, swapped atomically) and the partner directory.

These are the same functions the Dagster assets call, so a decision applied here and
the next nightly run give the same marts. What is not recorded is a Dagster run: the
asset history shows the nightly runs, and ``acacia apply`` prints its steps instead.

When the views are not what the current project and settings would build (models/
changed, a setting moved, or nothing was built yet), the marts cannot be rebuilt alone:
the whole rebuild job runs instead, and says so.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pipelines.config import AcaciaConfig


@dataclass
class Applied:
    """What an apply did: each step's seconds, or the job it ran instead."""

    steps: dict[str, float] = field(default_factory=dict)
    instead: str | None = None

    def line(self) -> str:
        if self.instead:
            return (
                f"applied by the {self.instead} job (the models or settings changed since "
                "the last build)"
            )
        total = sum(self.steps.values())
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.steps.items())
        return f"applied in {total:.1f} s ({parts})"


def apply_decisions(config: AcaciaConfig, rebuild: Callable[[], None]) -> Applied:
    """Re-resolve the members with the team's decisions, rebuild the marts and publish.

    ``rebuild`` runs the whole rebuild job, for when the views are stale. Two applies at
    once take turns (a lock file), so the later one sees every decision."""
    config.storage.data_dir.mkdir(parents=True, exist_ok=True)
    with open(config.storage.data_dir / "apply.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not views_current(config):
            rebuild()
            return Applied(instead="rebuild")
        return _apply(config)


def views_current(config: AcaciaConfig) -> bool:
    """Whether the staging and intermediate views are what the staging step would build
    now (its fingerprint) and all in the warehouse."""
    from pipelines.defs.models import STAGING_STEP, dbt_vars, views_fingerprint

    stamp = config.storage.data_dir / "dbt" / STAGING_STEP / "views.sha256"
    return (
        stamp.exists()
        and stamp.read_text() == views_fingerprint(dbt_vars(config))
        and config.storage.warehouse().exists()
    )


def _apply(config: AcaciaConfig) -> Applied:
    from pipelines.defs.models import MARTS_STEP, build_marts
    from pipelines.directory import export as export_directory
    from pipelines.identity.run import run_resolution
    from pipelines.landing import SyncStatus
    from pipelines.publish import publish

    applied = Applied()

    def step(name: str, run: Callable[[], object]) -> None:
        started = time.monotonic()
        run()
        applied.steps[name] = time.monotonic() - started

    config.export_paths()  # dbt's profile reads the warehouse from the environment
    step("identity resolution", lambda: run_resolution(config))
    step("marts", lambda: build_marts(config, config.storage.data_dir / "dbt" / MARTS_STEP))
    step(
        "publish",
        lambda: publish(
            config.storage.warehouse(),
            config.storage.serving(),
            sync_status=list(SyncStatus(config.storage.state()).load().values()),
        ),
    )
    step("directory", lambda: export_directory(config))
    return applied
