"""Long-running commands (``acacia demo``, ``dashboard``, ``ui``, ``fake-apis``) stop
cleanly when asked: Ctrl-C, or SIGTERM from ``systemctl stop`` or ``docker stop``.

A served child (Streamlit, ``dagster dev`` with its webserver and daemon) runs in a
process group of its own; when this process is told to stop, the whole group gets
SIGTERM, then SIGKILL after a grace period, so nothing is left serving.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence

#: Signals that mean "stop": Ctrl-C, systemctl/docker stop, a closed terminal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
#: How long a child may take to stop before it is killed.
GRACE_SECONDS = 8


class Stopped(KeyboardInterrupt):
    """This process was told to stop (a KeyboardInterrupt, so everything that already
    unwinds on Ctrl-C unwinds the same way on SIGTERM)."""


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP stop the process as Ctrl-C does (raising
    ``Stopped``), so ``finally`` blocks run: servers close, children are stopped."""

    def stop(signum: int, _frame: object) -> None:
        raise Stopped(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(command: Sequence[str], env: dict[str, str]) -> int:
    """Run ``command`` to its end in a process group of its own and return its exit code.
    If this process is told to stop meanwhile (Ctrl-C, or a signal inside
    ``stop_on_signals``), the child's group is stopped and the stop goes on
    (``KeyboardInterrupt``); either way nothing of the child is left running."""
    child = subprocess.Popen(list(command), env=env, start_new_session=True)
    try:
        return child.wait()
    finally:
        stop_group(child)


def serve(command: Sequence[str], env: dict[str, str]) -> int:
    """Run ``command`` until it exits or this process is told to stop; either way, its
    process group is stopped before this returns. Returns the child's exit code (0 when
    the stop was asked for)."""
    with stop_on_signals():
        try:
            return run(command, env)
        except KeyboardInterrupt:
            return 0


def stop_group(child: subprocess.Popen) -> None:
    """SIGTERM to the child's process group, then SIGKILL to whatever of it (the child's
    own children included) is still there after the grace period."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(timeout=GRACE_SECONDS)
    while _group_alive(child.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
