"""Benchmark (not a test): how right identity resolution is on the demo's sample
community, against who is who in it.

Syncs the demo (the fake APIs, the real connectors) into a temporary folder, then prints
pairwise precision and recall of the email-only rule, of the automatic merges and of
the review queue, overall and for the people who share a name with someone (the
sample's namesakes), per rule, and how many distinct people fill the leaderboard's top
10 and 25. Targets (issue 37): automatic merges with precision >= 0.995 and recall >=
0.9, no member joining two people who share a name; fewer than one wrong suggestion in
five at confidence 80 or more in the queue; no person twice in the top 25. Then it
accepts the most confident waiting suggestion and times `acacia apply` in a process of
its own, as the dashboard starts it (a decision shows in seconds, issue 18). Run with
`python -m tests.benchmarks.identity_quality`.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from connectors.core.config import load_config
from pipelines.cli.demo import start_fake_apis, write_demo_config
from pipelines.identity.quality import measure
from pipelines.orchestration.execute import run_job
from pipelines.storage.snapshot import current_snapshot
from pipelines.storage.team_store import TeamStore, store_path
from sample.truth import true_people


def main() -> None:
    servers = start_fake_apis()
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = write_demo_config(servers, Path(folder) / "demo")
            started = time.perf_counter()
            run_job(path, "nightly_sync", ephemeral=True)
            print(f"demo synced in {time.perf_counter() - started:.0f} s")
            community = next(iter(servers.values())).api.data.community
            data = {name: server.api.data for name, server in servers.items()}
            truth = true_people(community, {**data, "events": None})
            config = load_config(path)
            names = {person.key: person.name for person in community.people}
            for line in measure(config, truth, names).lines():
                print(line)
            snapshot = current_snapshot(config.storage.serving())
            with duckdb.connect(str(snapshot), read_only=True) as con:
                ranked = con.execute("""
                    select w.member_id, list(i.identity_key)
                    from member_windows as w join members as m using (member_id)
                    join identities as i using (member_id)
                    where w.end_date = (select max(end_date) from member_windows)
                      and w.end_date - w.start_date = 89 and w.staff_included
                      and not m.is_bot
                    group by w.member_id, w.points, w.activities
                    order by w.points desc, w.activities desc limit 25""").fetchall()
            for size in (10, 25):
                people = [{truth[k] for k in keys if k in truth} for _, keys in ranked[:size]]
                seen = [p for row in people for p in row]
                twice = len(seen) - len(set(seen))
                nobody = sum(not row for row in people)
                print(
                    f"leaderboard top {size}: {twice} person(s) on two rows or more, "
                    f"{nobody} row(s) of nobody (a deleted account's ghost)"
                )
            time_a_decision(config)
    finally:
        for server in servers.values():
            server.stop()


def time_a_decision(config) -> None:
    """Accept the top waiting suggestion and apply it as the dashboard does."""
    snapshot = current_snapshot(config.storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        sid, a, b = con.execute(
            "select suggestion_id, identity_a, identity_b from identity_suggestions "
            "where decision = 'review' order by score desc, suggestion_id limit 1"
        ).fetchone()
    TeamStore(store_path(config)).decide("merge", a, b, author="benchmark", suggestion_id=sid)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli.main", "apply", "--config", str(config.path)],
        capture_output=True,
        text=True,
        check=True,
    )
    took = time.perf_counter() - started
    said = [line for line in done.stdout.splitlines() if line.startswith("Decisions ")]
    print(f"one accepted suggestion shown after {took:.1f} s in all: {said[-1]}")


if __name__ == "__main__":
    main()
