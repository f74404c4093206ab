"""The private dashboard's password: compared in constant time, and guessed slowly.

Wrong guesses are counted per client address (``st.context.ip_address``; one count for
every client whose address Streamlit cannot tell) in the dashboard process, across its
sessions: a new tab or a new session does not start the count again. The first
:data:`FREE` wrong guesses cost nothing; each one after that must wait twice as long as
the one before (2 s, 4 s, 8 s...); after :data:`LOCK_AFTER` the address is locked out
for :data:`LOCKOUT` seconds. Every refusal says how long to wait. The right password
clears the count. Restarting the dashboard clears every count (it is the team's
machine; an attacker cannot restart it).
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

FREE = 3
LOCK_AFTER = 10
LOCKOUT = 15 * 60
FIRST_WAIT = 2.0
#: The clock the waits are measured on (a test puts a still one here).
CLOCK: Callable[[], float] = time.monotonic


@dataclass
class _Record:
    failures: int = 0
    next_try: float = 0.0


class Throttle:
    """Counts wrong guesses per client and says when the next guess is allowed.

    ``clock`` is a monotonic clock in seconds (tests pass their own)."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self.clock = clock or (lambda: CLOCK())
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds until ``client`` may guess again (0: now)."""
        with self._lock:
            record = self._records.get(client)
            return max(0.0, record.next_try - self.clock()) if record else 0.0

    def check(self, client: str, given: str, expected: str) -> bool | float:
        """True for the right password (the count clears); otherwise the seconds to
        wait before the next guess (0.0 when the next one is free). A guess made
        while the client must wait is not compared at all: even the right password
        waits."""
        with self._lock:
            record = self._records.setdefault(client, _Record())
            now = self.clock()
            if now >= record.next_try and hmac.compare_digest(given.encode(), expected.encode()):
                del self._records[client]
                return True
            if now < record.next_try:
                return record.next_try - now  # not even compared: waiting is the rule
            record.failures += 1
            if record.failures >= LOCK_AFTER:
                delay = float(LOCKOUT)
            elif record.failures > FREE:
                delay = FIRST_WAIT * 2 ** (record.failures - FREE - 1)
            else:
                delay = 0.0
            record.next_try = now + delay
            return delay


def wait_text(seconds: float) -> str:
    if seconds >= 90:
        return f"{math.ceil(seconds / 60)} minutes"
    whole = max(math.ceil(seconds), 1)
    return "1 second" if whole == 1 else f"{whole} seconds"
