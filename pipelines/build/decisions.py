"""Applying the team's decisions now: a merge, a rejection or a split shows in the
dashboard within seconds, without waiting for the nightly run.

A decision changes which accounts make one member. Applying it is the build path of
every night (pipelines/build) with a decision's plan: identity resolution re-resolves
the members the decisions touch, the models recount what those members' activities
count in, and the snapshot is published. No Dagster run and no dbt parse: dbt runs in
this process over a manifest parsed once, so a decision applied here and the next
nightly run give the same marts.

Two callers: ``acacia apply`` (and ``accept/reject/merge/unmerge --apply``), a process
per command, and the dashboard's applier, a process kept warm (``python -m
pipelines.build.decisions``, :func:`serve`): it has imported dbt and parsed the models before the
first click, so a decision costs only its build (about 3 s on the sample community
against 8–9 s for a new process).
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from connectors.core.config import AcaciaConfig, load_config

#: The warm applier leaves after this long without a request (its memory back); the
#: dashboard starts another at the next decision.
IDLE_SECONDS = 15 * 60


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
    from pipelines.delivery.directory import export as export_directory
    from pipelines.storage.snapshot import publish_workspace

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


def serve(
    config_path: Path,
    requests: TextIO = sys.stdin,
    replies: TextIO = sys.stdout,
    log: TextIO = sys.stderr,
    idle: float = IDLE_SECONDS,
) -> None:
    """The warm applier: apply the decisions on request until ``requests`` closes (the
    dashboard stopped) or ``idle`` seconds pass without one.

    A request is a line holding its number; the reply, once the build that includes it
    is published, is a line ``<number> ok <what it did>`` or ``<number> failed <what
    went wrong>``, after a first line ``ready`` (dbt parsed and the themes' libraries
    imported, nothing built). Requests that arrive during a build are answered by the
    next one, together: every build applies every decision recorded when it starts.
    The configuration is read again for each build, so an edited acacia.yml counts
    from the next decision. What each build did goes to ``log`` (the dashboard's
    apply.log)."""
    from pipelines.build import dbt, themes

    dbt.manifest()
    themes.warm()
    replies.write("ready\n")
    replies.flush()
    waiting: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in requests:
            if line.strip():
                waiting.put(line.strip())
        waiting.put(None)

    threading.Thread(target=read, name="applier-requests", daemon=True).start()
    while True:
        try:
            first = waiting.get(timeout=idle)
        except queue.Empty:
            log.write(f"No decision for {idle:.0f} s: the applier stops.\n")
            return
        if first is None:
            return
        numbers = [first]
        while not waiting.empty():
            more = waiting.get()
            if more is None:
                waiting.put(None)  # answer these, then stop
                break
            numbers.append(more)
        try:
            outcome = f"ok Decisions {apply_decisions(load_config(config_path)).line()}."
        except Exception as error:  # dbt's or DuckDB's, with what failed and its log
            outcome = (
                f"failed Applying the decisions failed: {error}. Nothing new was "
                "published; the decisions are recorded and the next build applies them."
            )
        log.write(outcome.split(" ", 1)[1] + "\n")
        log.flush()
        line = " ".join(outcome.splitlines())  # a reply is one line
        for number in numbers:
            replies.write(f"{number} {line}\n")
        replies.flush()


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description=serve.__doc__)
    arguments.add_argument("--config", type=Path, required=True)
    serve(arguments.parse_args().config)
