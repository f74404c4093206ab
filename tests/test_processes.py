"""The long-running commands stop on SIGTERM (what `systemctl stop` and `docker stop`
send), within a few seconds, and leave nothing of theirs serving: each runs as a real
`acacia` process, as a service manager would start it."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ACACIA = str(Path(sys.executable).parent / "acacia")
#: How long the whole process tree may take to stop before the test calls it a hang.
#: A bound, not a speed (tests assert no timings on a noisy machine): the children are
#: SIGKILLed after processes.GRACE_SECONDS, so a stop that works ends well within it;
#: on a two-core machine beside the suite's Spark build the demo once took over 12 s.
#: The speed is measured in docs/architecture.md (1.6 s from SIGTERM with busy cores).
STOP_SECONDS = 45


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, set[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, set()).add(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(url: str, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited with {process.returncode} before serving"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stops_on_sigterm(process: subprocess.Popen, ports: list[int]) -> None:
    """SIGTERM to the command: it exits cleanly, and none of its processes or ports
    are left."""
    tree = descendants(process.pid)
    assert tree, "a served command has a child (Streamlit, dagster dev)"
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"a hang: not stopped {STOP_SECONDS} s after SIGTERM\n{stacks(process)}"
        ) from None
    deadline = started + STOP_SECONDS
    while any(alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert code == 0
    assert [pid for pid in tree if alive(pid)] == []
    assert [port for port in ports if listening(port)] == []


def stacks(process: subprocess.Popen) -> str:
    """What a hung command and its Python children were doing: SIGABRT makes each dump
    its threads' stacks (faulthandler, on in ``start``) into the command's stderr."""
    for pid in [*descendants(process.pid), process.pid]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGABRT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    time.sleep(1)
    return STDERR.get(process.pid, Path("/dev/null")).read_text(errors="replace")[-12000:]


#: Each started command's stderr file, by pid (read when it hangs).
STDERR: dict[int, Path] = {}


def start(*args: str, cwd: Path) -> subprocess.Popen:
    """``acacia <args>`` in ``cwd``, in the environment a service manager would give it
    (none of the variables other tests' in-process runs left behind but the clock),
    its stderr in a file (with faulthandler on, so a hang can say where it is)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key == "ACACIA_NOW" or not key.startswith(("ACACIA_", "DAGSTER_HOME"))
    }
    env["PYTHONPATH"] = str(REPO)
    env["PYTHONFAULTHANDLER"] = "1"
    stderr = cwd / f"acacia-{args[0]}.stderr"
    with stderr.open("wb") as sink:
        process = subprocess.Popen(
            [ACACIA, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=sink
        )
    STDERR[process.pid] = stderr
    return process


def serve_then_stop(command: str, path: str, cwd: Path, seconds: float) -> None:
    """``acacia <command> --port P`` in ``cwd`` until ``path`` answers; then SIGTERM."""
    (cwd / "acacia.yml").write_text("community_name: Stopping\n")
    port = free_port()
    process = start(command, "--port", str(port), cwd=cwd)
    try:
        wait_for(f"http://127.0.0.1:{port}{path}", process, seconds)
        stops_on_sigterm(process, [port])
    finally:
        process.kill()


def test_the_dashboard_stops_on_sigterm(tmp_path):
    serve_then_stop("dashboard", "/_stcore/health", tmp_path, 60)


#: What Dagster writes into its home (DAGSTER_HOME) besides dagster.yaml.
DAGSTER_FILES = (".nux", ".telemetry", "history", "schedules", "storage", "logs")


def dagster_files(folder: Path) -> dict[str, float]:
    return {n: (folder / n).stat().st_mtime for n in DAGSTER_FILES if (folder / n).exists()}


def test_the_dagster_ui_stops_on_sigterm_and_writes_nothing_into_the_repository(tmp_path):
    before = dagster_files(REPO)
    serve_then_stop("ui", "/server_info", tmp_path, 180)
    # Dagster's home is the workspace's data folder, with the repository's settings.
    home = tmp_path / "data" / "dagster"
    assert dagster_files(REPO) == before
    assert dagster_files(home)  # run history, schedules, logs: all here
    assert (home / "dagster.yaml").read_text() == (REPO / "dagster.yaml").read_text()


def syncing(pid: int) -> bool:
    """Whether an ``acacia sync`` process runs below ``pid``."""
    lines = []
    for child in descendants(pid):
        with contextlib.suppress(OSError):
            lines.append(Path(f"/proc/{child}/cmdline").read_text().split("\0"))
    return any("sync" in line and "pipelines.cli.main" in line for line in lines)


def test_the_demo_stops_on_sigterm_while_it_syncs(tmp_path):
    """The demo's sync is a process of its own (``acacia sync``): told to stop before it
    serves, the demo stops it too."""
    process = start("demo", "--folder", str(tmp_path / "demo"), cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while not syncing(process.pid):
            assert process.poll() is None, f"exited with {process.returncode} before syncing"
            assert time.monotonic() < deadline, "no `acacia sync` process under the demo"
            time.sleep(0.2)
        time.sleep(2)  # well into the sync
        config = (tmp_path / "demo" / "acacia.yml").read_text()
        apis = sorted({int(port) for port in re.findall(r"127\.0\.0\.1:(\d+)", config)})
        stops_on_sigterm(process, apis)
    finally:
        process.kill()


def test_the_demo_stops_on_sigterm_with_its_fake_apis(tmp_path):
    port = free_port()
    process = start("demo", "--port", str(port), "--folder", str(tmp_path / "demo"), cwd=tmp_path)
    try:
        wait_for(f"http://127.0.0.1:{port}/_stcore/health", process, 400)
        config = (tmp_path / "demo" / "acacia.yml").read_text()
        apis = sorted({int(port) for port in re.findall(r"127\.0\.0\.1:(\d+)", config)})
        assert apis and all(listening(api) for api in apis)
        stops_on_sigterm(process, [port, *apis])
    finally:
        process.kill()
