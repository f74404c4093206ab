"""Debian's Chromium for the browser tests, set up once by `make test` before pytest
starts (``python -m tests.chromium``), the way a fresh Debian machine needs it: package
lists first, non-interactive, waiting for a dpkg lock another process holds, a bounded
retry, and apt's own words when it still fails. Nothing is left to be installed by hand.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

PACKAGE = "chromium"
#: How long apt waits for a lock held by another apt or dpkg (unattended upgrades).
LOCK_WAIT_SECONDS = 300
ATTEMPTS = 3


class ChromiumMissing(RuntimeError):
    """Chromium is not installed and could not be; the message says why and what to do."""


def find() -> str | None:
    """The installed Chromium, or None."""
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    return None


def _apt(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(
        ["apt-get", "-q", "-o", f"DPkg::Lock::Timeout={LOCK_WAIT_SECONDS}", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def install() -> str:
    """Chromium's path, installing it with apt-get first if it is missing."""
    if found := find():
        return found
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
        raise ChromiumMissing(
            "Chromium is needed for the browser tests and cannot be installed from here "
            "(apt-get as root). Fix: sudo apt-get install chromium"
        )
    problem = ""
    for attempt in range(1, ATTEMPTS + 1):
        # Package lists first: a fresh machine has none, and then install says only
        # "Unable to locate package" (exit 100).
        for step in (("update",), ("install", "-y", PACKAGE)):
            done = _apt(*step)
            if done.returncode != 0:
                output = (done.stdout + done.stderr).strip().splitlines()
                problem = f"apt-get {' '.join(step)} exited {done.returncode}:\n" + "\n".join(
                    output[-30:]
                )
                break
        else:
            if found := find():
                return found
            problem = f"apt-get installed {PACKAGE}, but no chromium is on the PATH"
        print(f"chromium: attempt {attempt} of {ATTEMPTS} failed: {problem}", file=sys.stderr)
        if attempt < ATTEMPTS:
            time.sleep(10 * attempt)
    raise ChromiumMissing(f"Could not install {PACKAGE} for the browser tests. {problem}")


if __name__ == "__main__":
    try:
        print(f"chromium for the browser tests: {install()}")
    except ChromiumMissing as error:
        print(error, file=sys.stderr)
        sys.exit(1)
