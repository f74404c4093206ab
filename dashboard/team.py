"""The team's own data from the dashboard: who is writing, the store, and applying
merge decisions.

The dashboard writes only the team's store (pipelines/team.py), never the warehouse: a
merge decision is applied by the pipeline (``acacia apply``, started here in a process
of its own, pipelines/apply.py), which re-resolves the members and publishes a new
snapshot in seconds. Meanwhile the page says so, and reloads itself once the new
snapshot is there.
"""

from __future__ import annotations

import subprocess
import sys
import time

import streamlit as st

from dashboard import data
from pipelines.config import AcaciaConfig
from pipelines.run import REPO_ROOT
from pipelines.team import TeamStore, store_path

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
    """The author, asking for a name when there is none yet; None until one is given."""
    who = author(config)
    if who:
        return who
    name = st.text_input(
        "Your name (recorded with every change you make)", key=f"{AUTHOR_KEY}_input"
    ).strip()
    if name:
        st.session_state[AUTHOR_KEY] = name
        return name
    st.info("Give your name above to make changes.")
    return None


APPLYING_KEY = "team_applying"
#: How often a page waiting for a decision checks for the new snapshot.
POLL_SECONDS = 2.0


def apply_log(config: AcaciaConfig):
    return config.storage.data_dir / "apply.log"


def apply_decisions(config: AcaciaConfig) -> None:
    """Start ``acacia apply`` in its own process: the members are re-resolved with the
    new decisions and published. The session remembers it, so that the page says it is
    under way and reloads once every apply it started is done (``applying``). Their
    output goes to ``<data_dir>/apply.log``."""
    with open(apply_log(config), "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "apply", "--config", str(config.path)],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    processes, started = st.session_state.get(APPLYING_KEY, ([], time.monotonic()))
    st.session_state[APPLYING_KEY] = ([*processes, process], started)


def applying(config: AcaciaConfig) -> None:
    """While this session's decisions are being applied: say so, check every
    POLL_SECONDS, and reload the page once they are all published (or say where to look
    when one failed)."""
    if APPLYING_KEY not in st.session_state:
        return

    @st.fragment(run_every=POLL_SECONDS)
    def wait() -> None:
        processes, started = st.session_state[APPLYING_KEY]
        codes = [process.poll() for process in processes]
        if None in codes:
            st.info(
                "Applying the decisions: re-resolving the members and publishing "
                f"({time.monotonic() - started:.0f} s so far). This page reloads by itself."
            )
            return
        del st.session_state[APPLYING_KEY]
        if any(codes):
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
