"""The team's own data from the dashboard: who is writing, the store, and applying
merge decisions.

The dashboard writes only the team's store (pipelines/storage/team_store.py), never the warehouse: a
merge decision is applied by the pipeline's applier (pipelines/build/decisions.py ``serve``), a
process of its own that the dashboard keeps warm (dbt imported and the models parsed
before the first click), which re-resolves the members and publishes a new snapshot in
seconds. Meanwhile the page says so, and reloads itself once the new snapshot is there.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import streamlit as st

from connectors.core.config import AcaciaConfig
from connectors.core.folders import REPO_ROOT
from dashboard import data
from pipelines.storage.team_store import TeamStore, store_path

AUTHOR_KEY = "team_author"


def store(config: AcaciaConfig) -> TeamStore:
    return TeamStore(store_path(config))


def author(config: AcaciaConfig) -> str | None:
    """Who is writing: the reverse proxy's header when one is configured
    (``dashboard.author_header``), else the name given on this session's first write."""
    header = config.dashboard.author_header
    if header:
        value = (st.context.headers.get(header) or "").strip()
        if value:
            return value
    return st.session_state.get(AUTHOR_KEY) or None


def ask_author(config: AcaciaConfig) -> str | None:
    """The author, asking for a name when there is none yet; None until one is given.
    Once someone can write, the applier starts warming up (parsing the models), so that
    their first decision shows as fast as the next."""
    who = author(config)
    if not who:
        name = st.text_input(
            "Your name (recorded with every change you make)", key=f"{AUTHOR_KEY}_input"
        ).strip()
        if name:
            st.session_state[AUTHOR_KEY] = who = name
    if who:
        _applier(config).start()
        return who
    st.info("Give your name above to make changes.")
    return None


APPLYING_KEY = "team_applying"
#: How often a page waiting for a decision checks for the new snapshot.
POLL_SECONDS = 0.5


def apply_log(config: AcaciaConfig):
    return config.storage.data_dir / "apply.log"


class Applier:
    """The dashboard's applier process (``python -m pipelines.build.decisions``), started at the
    first need and again whenever it has stopped (idle for a while, or killed). Any
    session asks it to apply (:meth:`request`) and reads the outcome (:meth:`outcome`);
    a request that the process can no longer answer (it stopped before replying) failed,
    and its decisions apply with the next build."""

    def __init__(self, config_path: Path, log: Path) -> None:
        self.config_path = config_path
        self.log = log
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._outcomes: dict[int, tuple[bool, str]] = {}
        self._asked: dict[int, int] = {}  # request -> the pid of the process asked
        self._next = 0
        self._ready: int | None = None  # the pid of the process that said it is ready

    def start(self) -> None:
        """Start the process unless it runs: it parses the models before any request."""
        with self._lock:
            self._running()

    def _running(self) -> subprocess.Popen[str]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        with open(self.log, "ab") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pipelines.build.decisions",
                    "--config",
                    str(self.config_path),
                ],
                cwd=REPO_ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                start_new_session=True,
            )
        threading.Thread(
            target=self._read, args=(process,), name="applier-replies", daemon=True
        ).start()
        self._process = process
        return process

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            number, _, rest = line.rstrip("\n").partition(" ")
            if number == "ready":
                with self._lock:
                    self._ready = process.pid
            elif number.isdigit():
                status, _, message = rest.partition(" ")
                with self._lock:
                    self._outcomes[int(number)] = (status == "ok", message)
        process.wait()
        with self._lock:
            for number, pid in self._asked.items():
                if pid == process.pid and number not in self._outcomes:
                    self._outcomes[number] = (
                        False,
                        f"the applier stopped (exit code {process.returncode}) before it was done",
                    )

    def request(self) -> int:
        """Ask for the decisions recorded so far to be applied; returns the request's
        number (see :meth:`outcome`)."""
        with self._lock:
            number = self._next
            self._next += 1
            for _ in range(2):  # once more in a new process if this one just stopped
                process = self._running()
                try:
                    assert process.stdin is not None
                    process.stdin.write(f"{number}\n")
                    process.stdin.flush()
                except (BrokenPipeError, OSError):
                    process.wait()
                    continue
                self._asked[number] = process.pid
                return number
            self._outcomes[number] = (False, "the applier could not be started")
            return number

    @property
    def pid(self) -> int | None:
        """The process's id while it runs."""
        with self._lock:
            running = self._process is not None and self._process.poll() is None
            return self._process.pid if running else None

    @property
    def ready(self) -> bool:
        """Whether the running process has parsed the models and waits for requests."""
        with self._lock:
            running = self._process is not None and self._process.poll() is None
            return running and self._ready == self._process.pid

    def outcome(self, number: int) -> tuple[bool, str] | None:
        """(applied, what it said) once request ``number`` is answered; None before."""
        with self._lock:
            return self._outcomes.get(number)


@st.cache_resource(show_spinner=False)
def applier(config_path: str, log: str) -> Applier:
    """The dashboard server's one applier per workspace."""
    return Applier(Path(config_path), Path(log))


def _applier(config: AcaciaConfig) -> Applier:
    return applier(str(config.path), str(apply_log(config)))


def apply_decisions(config: AcaciaConfig) -> None:
    """Ask the applier to apply the decisions recorded so far: the members are
    re-resolved and published. The session remembers the request, so that the page says
    it is under way and reloads once every apply it asked for is done (``applying``).
    What each apply did goes to ``<data_dir>/apply.log``."""
    number = _applier(config).request()
    numbers, started = st.session_state.get(APPLYING_KEY, ([], time.monotonic()))
    st.session_state[APPLYING_KEY] = ([*numbers, number], started)


def applying(config: AcaciaConfig) -> None:
    """While this session's decisions are being applied: say so, check every
    POLL_SECONDS, and reload the page once they are all published (or say where to look
    when one failed)."""
    if APPLYING_KEY not in st.session_state:
        return

    @st.fragment(run_every=POLL_SECONDS)
    def wait() -> None:
        numbers, started = st.session_state[APPLYING_KEY]
        outcomes = [_applier(config).outcome(number) for number in numbers]
        if None in outcomes:
            st.info(
                "Applying the decisions and check-ins: re-resolving the members and publishing "
                f"({time.monotonic() - started:.0f} s so far). This page reloads by itself."
            )
            return
        del st.session_state[APPLYING_KEY]
        if not all(applied for applied, _ in outcomes):
            st.error(
                "Applying the decisions failed; they are recorded and apply with the next "
                f"sync. What went wrong is in {apply_log(config)}."
            )
            return
        st.rerun(scope="app")

    wait()


def _placed(config: AcaciaConfig, snapshot_path: str, table: str) -> list[tuple[str, tuple]]:
    """(member id, row) of each row of the store's ``table`` whose account is in the
    snapshot."""
    rows = store(config).rows(table)
    members = data.members_of(snapshot_path, tuple(sorted({row[0] for row in rows})))
    return [(members[row[0]], row) for row in rows if row[0] in members]


def member_tags(config: AcaciaConfig, snapshot_path: str) -> dict[str, set[str]]:
    """member id -> tags: the last build's (rules and team) and the team's store now, so
    a tag set a moment ago shows at once."""
    tags: dict[str, set[str]] = {}
    built = data.rule_tags(snapshot_path)
    for member_id, tag in zip(built["member_id"], built["tag"], strict=True):
        tags.setdefault(member_id, set()).add(tag)
    for member_id, (_, tag, *_) in _placed(config, snapshot_path, "tags"):
        tags.setdefault(member_id, set()).add(tag)
    return tags


def tag_column(tags: dict[str, set[str]], member_ids) -> list[str]:
    """The tags column of a table of members (and of its CSV): each member's tags
    (``member_tags``, read once per page), comma-separated, in the order of
    ``member_ids``."""
    return [", ".join(sorted(tags.get(m, ()))) for m in member_ids]


def follow_ups(config: AcaciaConfig, snapshot_path: str) -> dict[str, tuple[str, str, str]]:
    """member id -> (status, who, when) of its latest follow-up (over its accounts)."""
    latest: dict[str, tuple[str, str, str]] = {}
    for member_id, (_, status, who, when) in _placed(config, snapshot_path, "follow_ups"):
        if member_id not in latest or when >= latest[member_id][2]:
            latest[member_id] = (status, who, when)
    return latest


def anchor(snapshot_path: str, member_id: str) -> str | None:
    """The account the team's data about a member is kept by: its first identity key."""
    accounts = data.member_accounts(snapshot_path, member_id)
    return accounts[0][0] if accounts else None
