"""Benchmark (not a test): a decision on the demo, from the command and from the
dashboard, to the published snapshot that shows it.

Runs ``acacia demo --no-serve`` in a fresh folder, then accepts the most confident
waiting suggestions three ways, three times each:

- ``acacia accept <id> --apply``: a new process (Python, dbt's import and the parse,
  then the build and publish), timed from the command to its exit;
- the dashboard's applier (dashboard/team.py ``Applier``), warm: the decision recorded
  as the page records it, then the applier asked, timed until it answers (the snapshot
  is published by then);

and prints each time and the applier's own line (its steps). Target (issue 23): 3 s.

    python -m tests.benchmarks.demo_decision
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def acacia(config: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli.main", *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "ACACIA_CONFIG": str(config)},
    )
    return done.stdout


def most_confident(config: Path) -> tuple[str, str, str]:
    """The first waiting suggestion (id, account a, account b)."""
    import duckdb

    from connectors.core.config import load_config
    from pipelines.storage.snapshot import current_snapshot

    serving = load_config(config).storage.serving()
    with duckdb.connect(str(current_snapshot(serving)), read_only=True) as con:
        return con.execute(
            "select suggestion_id, identity_a, identity_b from identity_suggestions "
            "where decision = 'review' order by score desc, suggestion_id limit 1"
        ).fetchone()


def applied_by(applier) -> tuple[float, str]:
    """Ask the dashboard's applier (dashboard/team.py) to apply what is recorded: the
    seconds from the request (the click) to its answer (the snapshot published), and
    what it said. Exits when it failed."""
    started = time.perf_counter()
    number = applier.request()
    while applier.outcome(number) is None:
        time.sleep(0.02)
    applied, said = applier.outcome(number)
    if not applied:
        raise SystemExit(said)
    return time.perf_counter() - started, said


def main() -> None:
    from connectors.core.config import load_config
    from dashboard.team import Applier
    from pipelines.storage.team_store import TeamStore, store_path

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pipelines.cli.main", "demo", "--no-serve", "--folder", folder],
            capture_output=True,
            check=True,
        )
        config = Path(folder) / "acacia.yml"
        print(f"demo synced and built in {time.perf_counter() - started:.1f} s")
        for _ in range(3):
            suggestion, *_ = most_confident(config)
            started = time.perf_counter()
            line = acacia(config, "accept", suggestion, "--apply").strip()
            print(f"  from the command: {time.perf_counter() - started:4.1f} s  ({line})")

        settings = load_config(config)
        applier = Applier(config, settings.storage.data_dir / "apply.log")
        started = time.perf_counter()
        applier.start()
        while not applier.ready:
            time.sleep(0.05)
        warm = time.perf_counter() - started
        print(f"  the dashboard's applier ready {warm:.1f} s after its start")
        store = TeamStore(store_path(settings))
        for _ in range(4):
            suggestion, a, b = most_confident(config)
            store.decide("merge", a, b, author="benchmark", suggestion_id=suggestion)
            seconds, said = applied_by(applier)
            print(f"  from the dashboard: {seconds:4.1f} s  ({said})")


if __name__ == "__main__":
    main()
