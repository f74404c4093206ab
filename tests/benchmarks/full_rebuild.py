"""Benchmark (not a test): rebuilding everything from the landing zone at scale.

Writes a synthetic community of 1 million and 10 million activities straight into a
landing zone (pipelines/sample/synthetic.py), then runs the ``rebuild`` job (dbt
staging, identity resolution, marts, publish) and prints wall time and peak memory; then
adds 1% new activity and times the nightly rebuild. Targets on a 2-core machine: full
rebuild of 10 million activities under 30 s and 4 GB peak.
Run with `python -m tests.benchmarks.full_rebuild [sizes...]`.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml

from pipelines.sample.synthetic import write_organizations, write_synthetic_community


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def rebuild(config: Path) -> tuple[float, str]:
    """Wall time of one rebuild, and where it went: each step's own time, and the rest
    (Dagster starting and loading the definitions, between steps)."""
    from pipelines.run import run_job

    started = time.perf_counter()
    result = run_job(config, "rebuild", ephemeral=True)
    assert result.success, "the rebuild failed"
    wall = time.perf_counter() - started
    steps = {
        event.step_key: event.event_specific_data.duration_ms / 1000
        for event in result.all_events
        if event.event_type_value == "STEP_SUCCESS"
    }
    named = {
        "staging": steps.pop("acacia_staging", 0.0),
        "identity resolution": steps.pop("identity_resolution", 0.0),
        "marts": steps.pop("acacia_marts", 0.0),
        "publish and directory": sum(steps.values()),
    }
    named["Dagster and the rest"] = wall - sum(named.values())
    return wall, ", ".join(f"{name} {seconds:.1f} s" for name, seconds in named.items())


def main(sizes: list[int]) -> None:
    os.environ["DAGSTER_TELEMETRY_DISABLED"] = "1"
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            config = root / "acacia.yml"
            config.write_text(yaml.safe_dump({"storage": {"data_dir": "data"}}))
            write_organizations(root / "organizations.yml", 1000)
            started = time.perf_counter()
            write_synthetic_community(root / "data" / "landing", size)
            generated = time.perf_counter() - started
            full, full_steps = rebuild(config)
            write_synthetic_community(root / "data" / "landing", size // 100, part="nightly")
            nightly, nightly_steps = rebuild(config)
            print(
                f"{size:,} activities: generated in {generated:.1f} s; full rebuild "
                f"{full:.1f} s; nightly rebuild after 1% new {nightly:.1f} s; peak memory "
                f"{peak_mb():,.0f} MB (target at 10M: < 30 s, < 4 GB)\n"
                f"  full: {full_steps}\n  nightly: {nightly_steps}",
                flush=True,
            )


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [1_000_000, 10_000_000])
