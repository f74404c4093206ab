"""The date matrix: the date-sensitive tests (marked ``dates``) run again with the clock
pinned to instants that are known to break date code, each on a machine whose local time
zone makes that instant awkward too (a local day or year that is not the UTC one, a
daylight-saving switch).

    python -m tests.dates              # every instant (CI: `make test` runs this)
    python -m tests.dates leap         # only the instants whose name contains "leap"

The real now is one of the instants: read once here and pinned like the others.
See docs/clock.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

# (name, instant, the machine's local time zone)
INSTANTS = (
    ("first of the month 00:05", "2026-09-01T00:05:00Z", "America/Los_Angeles"),
    ("new year's eve 23:55", "2025-12-31T23:55:00Z", "Pacific/Auckland"),
    ("new year's day 00:05", "2026-01-01T00:05:00Z", "America/New_York"),
    ("leap day", "2024-02-29T12:00:00Z", "Asia/Kolkata"),
    ("europe springs forward", "2026-03-29T01:30:00Z", "Europe/Berlin"),
    ("europe falls back", "2025-10-26T00:30:00Z", "Europe/Berlin"),
    ("north america springs forward", "2026-03-08T07:30:00Z", "America/New_York"),
    ("north america falls back", "2025-11-02T06:30:00Z", "America/New_York"),
    ("sunday 23:55", "2026-06-14T23:55:00Z", "UTC"),
    ("monday 00:05", "2026-06-15T00:05:00Z", "UTC"),
    # The wall clock, read once and pinned: the one instant that differs run to run.
    ("the real now", f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}", "UTC"),
)


#: Instants run at once, each pytest on one worker: a session pays its fixed costs
#: (collecting, building the synced sample community) once, on one core, and two
#: sessions fill the two cores (one session on two workers built the sample twice).
AT_ONCE = 2


def run(name: str, instant: str, zone: str) -> tuple[bool, float, str]:
    """``pytest -m dates`` with the clock pinned to ``instant`` in time zone ``zone``;
    whether it passed, its seconds and its output."""
    env = {**os.environ, "ACACIA_NOW": instant, "TZ": zone}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "dates", "-n", "1", "-q"],
        env=env,
        check=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return done.returncode == 0, time.monotonic() - started, done.stdout


def main(only: str = "") -> int:
    chosen = [case for case in INSTANTS if only.lower() in case[0]]
    if not chosen:
        print(f"no instant's name contains {only!r}; names: {', '.join(c[0] for c in INSTANTS)}")
        return 2
    results = []
    with ThreadPoolExecutor(AT_ONCE) as pool:
        runs = [(case, pool.submit(run, *case)) for case in chosen]
        for (name, instant, zone), future in runs:
            passed, seconds, output = future.result()
            print(f"\n=== the date-sensitive tests at {instant} ({name}, TZ={zone}) ===")
            print(output, flush=True)
            results.append((name, instant, zone, passed, seconds))
    print("\nDate matrix:")
    for name, instant, zone, passed, seconds in results:
        print(
            f"  {'ok    ' if passed else 'FAILED'} {instant}  {name} (TZ={zone}), {seconds:.0f} s"
        )
    failed = [r for r in results if not r[3]]
    if failed:
        print(
            f"{len(failed)} instant(s) failed. Rerun one with ACACIA_NOW=<instant> TZ=<zone> "
            ".venv/bin/python -m pytest -m dates"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(" ".join(sys.argv[1:])))
