"""Benchmark (not a test): what a build costs at scale, full and nightly.

For each size (default 1, 10 and 30 million activities) a synthetic community is
written straight into a landing zone (sample/synthetic.py), then:

- the full rebuild (the ``rebuild`` job: every model from the whole landing zone);
- the nightly after 1% new: a day's activities of the whole community, 1% of the
  activities, with 1% new people (the ``refresh`` job: only what changed), a day after
  the rebuild (the clock is pinned, and each night moves it on a day: the windows of
  the last 30 to 365 days move as they do every night);
- the nightly after 0.1% new, the same at a tenth of it;
- a decision: two members merged by hand and applied as ``acacia apply`` does
  (pipelines/build/decisions.py), timed from the command to the published snapshot; and another
  applied by the dashboard's warm applier (dashboard/team.py), timed from the request
  (the click) to its answer.

Each build runs in a process of its own, which reports its wall time, its peak memory
and its steps: dbt's (the sum of each group of models' own times, two running at a
time, and the dbt step's wall time), publish and the directory, and the rest (Python
and Dagster starting, loading the definitions, parsing the dbt project). At 10 million
the dashboard's page queries are timed too (tests/benchmarks/dashboard_queries.py),
with the default filters and with staff left out.

Targets (issue 23), on this 2-core machine: a decision within 10 s at 1M; at 1M the
nightly after 1% new within 5 s and the full rebuild within 15 s; at 10M the nightly
after 1% new within 20 s, the full rebuild within 60 s, peak memory within 3 GB.

    python -m tests.benchmarks.full_rebuild [sizes...]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import yaml

#: dbt's nodes in groups, by name: the order they run in.
GROUPS = (
    ("staging", ("stg_",)),
    ("identity resolution", ("int_identities__resolved",)),
    ("activities", ("activity_facts",)),
    ("rollup", ("member_daily",)),
)


def build(config: Path, job: str) -> dict:
    """Run ``job`` in this process and report its figures (the child's side)."""
    from connectors.core.config import load_config
    from pipelines.orchestration.execute import run_job

    started = time.perf_counter()
    result = run_job(config, job, ephemeral=True)
    wall = time.perf_counter() - started
    if not result.success:
        raise SystemExit(f"the {job} job failed")
    steps = {
        event.step_key: event.event_specific_data.duration_ms / 1000
        for event in result.all_events
        if event.event_type_value == "STEP_SUCCESS"
    }
    target = load_config(config).storage.data_dir / "dbt" / "acacia_models"
    nodes: dict[str, float] = defaultdict(float)
    for node in json.loads((target / "nodes.json").read_text()):
        name = node["name"]
        if node["kind"] == "test":
            group = "tests"
        else:
            group = next(
                (label for label, prefixes in GROUPS if name.startswith(prefixes)), "marts"
            )
        nodes[group] += node["seconds"]
    dbt_wall = steps.pop("acacia_models", 0.0)
    slowest = slowest_nodes(target / "nodes.json")
    publish = sum(v for k, v in steps.items() if not k.startswith("serving_snapshot_"))
    return {
        "wall": wall,
        "dbt": dbt_wall,
        "nodes": dict(nodes),
        "slowest": slowest,
        "publish": publish,
        "rest": wall - dbt_wall - publish,
        "peak_mb": max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        / 1024,
    }


def slowest_nodes(path: Path, count: int = 6) -> list[tuple[str, float]]:
    """The ``count`` nodes with the longest own time in a build's nodes.json."""
    nodes = json.loads(path.read_text())
    return [
        (node["name"], node["seconds"])
        for node in sorted(nodes, key=lambda node: -node["seconds"])[:count]
    ]


def decide(config: Path) -> dict:
    """Apply the team's decisions in this process, as ``acacia apply`` does, and report
    its figures (the child's side)."""
    from connectors.core.config import load_config
    from pipelines.build.decisions import apply_decisions

    settings = load_config(config)
    applied = apply_decisions(settings)
    nodes: dict[str, float] = defaultdict(float)
    slowest = slowest_nodes(Path(applied.log).parent / "nodes.json")
    for node in json.loads((Path(applied.log).parent / "nodes.json").read_text()):
        name = node["name"]
        nodes[next((g for g, p in GROUPS if name.startswith(p)), "marts")] += node["seconds"]
    return {
        "wall": 0.0,  # the parent's: from the command to the published snapshot
        "dbt": applied.steps["models"],
        "nodes": dict(nodes),
        "slowest": slowest,
        "publish": applied.steps["publish"] + applied.steps["directory"],
        "rest": 0.0,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measured(config: Path, job: str, mode: str = "--build") -> dict:
    """``job`` run in a process of its own (so its peak memory is its own)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.full_rebuild", mode, str(config), job],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{job} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if mode == "--decide":
        figures["wall"] = wall
        figures["rest"] = wall - figures["dbt"] - figures["publish"]
    return figures


def merge_two_members(config: Path) -> None:
    """Record a decision: the two members of the first two accounts (by key) are one."""
    import duckdb

    from connectors.core.config import load_config
    from pipelines.storage.snapshot import current_snapshot
    from pipelines.storage.team_store import TeamStore, store_path

    settings = load_config(config)
    with duckdb.connect(str(current_snapshot(settings.storage.serving())), read_only=True) as con:
        (a,), (b,) = con.execute(
            "select min(identity_key) from identities group by member_id order by 1 limit 2"
        ).fetchall()
    TeamStore(store_path(settings)).decide("merge", a, b, author="benchmark")


def from_the_dashboard(config: Path) -> str:
    """A decision applied by the dashboard's warm applier (dashboard/team.py), from the
    request to its answer (the snapshot published): what a click costs."""
    from dashboard.team import Applier
    from tests.benchmarks.demo_decision import applied_by

    applier = Applier(config, config.parent / "apply.log")
    applier.start()
    while not applier.ready:
        if applier.pid is None:
            raise SystemExit(f"the applier stopped: {(config.parent / 'apply.log').read_text()}")
        time.sleep(0.05)
    merge_two_members(config)
    seconds, said = applied_by(applier)
    return f"{seconds:6.1f} s  ({said})"


def line(label: str, figures: dict) -> str:
    nodes = ", ".join(
        f"{name} {figures['nodes'].get(name, 0.0):.1f}"
        for name in [*(g for g, _ in GROUPS), "marts", "tests"]
    )
    return (
        f"  {label:<24} {figures['wall']:6.1f} s  peak {figures['peak_mb']:6,.0f} MB  "
        f"(dbt {figures['dbt']:.1f} s [{nodes}], publish and directory "
        f"{figures['publish']:.1f} s, Dagster and the rest {figures['rest']:.1f} s)\n"
        + "      slowest: "
        + ", ".join(f"{name} {seconds:.2f}" for name, seconds in figures["slowest"])
    )


def night(landing: Path, size: int, share: float, number: int) -> None:
    """A night's new activities: ``share`` of ``size``, over the last day, by the whole
    community and as many new people in proportion."""
    from sample.synthetic import write_synthetic_community

    people = max(size // 50, 10)
    newcomers = max(int(people * share), 1)
    write_synthetic_community(
        landing,
        max(int(size * share), 6),
        days=1,
        part=f"night-{number}",
        people=people + newcomers,
        first_person=people,
    )


def main(sizes: list[int]) -> None:
    from connectors.core import clock
    from sample.synthetic import write_organizations, write_synthetic_community

    os.environ["DAGSTER_TELEMETRY_DISABLED"] = "1"
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            config = root / "acacia.yml"
            config.write_text(yaml.safe_dump({"storage": {"data_dir": "data"}}))
            write_organizations(root / "organizations.yml", 1000)
            landing = root / "data" / "landing"
            started = time.perf_counter()
            write_synthetic_community(landing, size)
            print(
                f"{size:,} activities (written in {time.perf_counter() - started:.1f} s):",
                flush=True,
            )
            # Each night is a day later (the windows of the last 30 to 365 days move on),
            # on a pinned clock: the builds' as-of days, not the activities' dates.
            today = clock.now()
            os.environ[clock.NOW_ENV] = f"{today:%Y-%m-%dT%H:%M:%SZ}"
            full = measured(config, "rebuild")
            print(line("full rebuild", full), flush=True)
            for number, share in enumerate((0.01, 0.001), start=1):
                night(landing, size, share, number)
                os.environ[clock.NOW_ENV] = f"{today + timedelta(days=number):%Y-%m-%dT%H:%M:%SZ}"
                nightly = measured(config, "refresh")
                print(
                    line(f"nightly after {share:.1%} new", nightly)
                    + f"; {nightly['wall'] / full['wall']:.0%} of the full rebuild",
                    flush=True,
                )
            merge_two_members(config)
            decision = measured(config, "decision", "--decide")
            print(line("a decision (merge)", decision).replace("Dagster and", "Python and"))
            print(f"  {'a decision, dashboard':<24} {from_the_dashboard(config)}", flush=True)
            if size == 10_000_000:
                from tests.benchmarks import dashboard_queries

                dashboard_queries.main(str(config))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        print(json.dumps(build(Path(sys.argv[2]), sys.argv[3])))
    elif sys.argv[1:2] == ["--decide"]:
        print(json.dumps(decide(Path(sys.argv[2]))))
    else:
        main([int(s) for s in sys.argv[1:]] or [1_000_000, 10_000_000, 30_000_000])
