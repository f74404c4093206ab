"""Benchmark (not a test): `make demo` on a machine already set up, from the command to
a dashboard that answers (Streamlit's health check), with the demo's steps.

Runs ``acacia demo`` (what `make demo` runs once the virtualenv is there) in a fresh
folder on a free port, polls the dashboard until it answers, prints the seconds, and
stops it. Target (issue 23): within 30 s.

    python -m tests.benchmarks.demo_start
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "demo.log"
        started = time.perf_counter()
        with open(log, "w") as out:
            demo = subprocess.Popen(
                [
                    *(sys.executable, "-m", "pipelines.cli.main", "demo"),
                    *("--port", str(port), "--folder", str(Path(folder) / "demo")),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            synced = None
            while time.perf_counter() - started < 300:
                if demo.poll() is not None:
                    raise SystemExit(f"the demo stopped:\n{log.read_text()[-3000:]}")
                if synced is None and "finished in" in log.read_text():
                    synced = time.perf_counter() - started
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/_stcore/health", timeout=1
                    ) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                time.sleep(0.2)
            else:
                raise SystemExit("the dashboard did not answer within 300 s")
            serving = time.perf_counter() - started
            print(
                f"make demo (set up): dashboard serving {serving:.1f} s after the command "
                f"(synced, built and published at {synced or 0:.1f} s)"
            )
        finally:
            os.killpg(demo.pid, signal.SIGTERM)
            demo.wait(timeout=30)


if __name__ == "__main__":
    main()
