"""Setting Chromium up for the browser tests on a fresh Debian machine (tests/chromium.py),
against a stand-in apt-get that behaves as the real one does there: no package lists
until `apt-get update`, a dpkg lock held for a while, a mirror that is down."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from tests import chromium

# The stand-in apt-get: `install` fails with exit 100 until `update` has run (a fresh
# machine has no package lists), and "installs" chromium by writing a script on the PATH.
# FAIL_UPDATES makes that many `update` calls fail first, as a held lock or a mirror does.
APT_GET = """#!/bin/sh
state="{state}"
echo "$@" >> "$state/calls"
case " $* " in
  *" update "*)
    n=$(cat "$state/failures" 2>/dev/null || echo 0)
    if [ "$n" -lt "{fail_updates}" ]; then
      echo $((n + 1)) > "$state/failures"
      echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)" >&2
      exit 100
    fi
    touch "$state/lists"; echo "Reading package lists..."; exit 0 ;;
  *" install "*)
    if [ ! -f "$state/lists" ]; then
      echo "E: Unable to locate package chromium" >&2; exit 100
    fi
    printf '#!/bin/sh\\necho Chromium 156\\n' > "{bin}/chromium"; chmod +x "{bin}/chromium"
    exit 0 ;;
esac
exit 1
"""


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A fresh machine: root, apt-get, no chromium; returns a function that makes its
    apt-get fail ``fail_updates`` updates first."""
    bin_dir, state = tmp_path / "bin", tmp_path / "state"
    bin_dir.mkdir()
    state.mkdir()
    for tool in ("cat", "touch", "chmod"):  # all the stand-in needs; no real chromium
        (bin_dir / tool).symlink_to(shutil.which(tool))
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(chromium.time, "sleep", lambda seconds: None)

    def with_apt(fail_updates: int = 0) -> Path:
        apt = bin_dir / "apt-get"
        apt.write_text(APT_GET.format(state=state, bin=bin_dir, fail_updates=fail_updates))
        apt.chmod(apt.stat().st_mode | stat.S_IEXEC)
        return state

    return with_apt


def test_a_fresh_machine_gets_its_package_lists_first(machine):
    state = machine()
    assert chromium.install().endswith("/chromium")
    calls = (state / "calls").read_text().splitlines()
    assert [c.split()[-1] if "update" in c else c.split()[-2:] for c in calls] == [
        "update",
        ["-y", "chromium"],
    ]
    assert all("DPkg::Lock::Timeout=300" in c for c in calls)  # waits for a held lock


def test_a_held_lock_is_waited_out_and_retried(machine):
    state = machine(fail_updates=2)
    assert chromium.install().endswith("/chromium")
    assert sum("update" in c for c in (state / "calls").read_text().splitlines()) == 3


def test_when_apt_keeps_failing_its_own_message_is_shown(machine):
    machine(fail_updates=10)
    with pytest.raises(chromium.ChromiumMissing) as failure:
        chromium.install()
    assert "apt-get update exited 100" in str(failure.value)
    assert "Could not get lock /var/lib/apt/lists/lock" in str(failure.value)


def test_an_installed_chromium_is_used_as_it_is(machine, tmp_path):
    state = machine()
    browser = tmp_path / "bin" / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    assert chromium.install() == str(browser)
    assert not (state / "calls").exists()  # apt-get not called
