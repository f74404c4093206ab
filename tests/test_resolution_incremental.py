"""Incremental identity resolution gives what resolving everything gives.

A night resolves again only the accounts whose input changed and those they can
influence (pipelines/identity/scope.py). Hypothesis draws small communities whose
accounts collide on purpose (a few handles, names written two ways, shared emails,
company fields, profile links, a value made "too common" by a low limit), changes some
accounts and adds others, and compares every file the incremental night writes with
the files of a full resolution from the same previous night.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from unittest import mock

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from connectors.core.config import load_config
from pipelines import build
from pipelines.build.identity_step import resolve_identities
from pipelines.identity import scope, suggestions
from pipelines.storage.team_store import TeamStore, store_path
from tests.conftest import write_config

SOURCES = ["github", "slack", "discourse", "reddit", "stackexchange"]
HANDLES = [None, "asilva", "ana_silva", "ana", "jonas", "jmueller", "samd", "ghost"]
NAMES = [None, "Ana Silva", "Ana  Silva", "Jonas Müller", "Jonas Mueller", "Sam D.", "Sam Dubois"]
EMAILS = [
    None,
    "ana@northwind.io",
    "ANA@northwind.io",
    "jonas@initrode.io",
    "sam@initrode.io",
    "42+asilva@users.noreply.github.com",
    "sam@gmail.com",
]
COMPANIES = [None, "@northwind", "Initrode"]
PLACES = [None, "Lisbon, Portugal", "Europe/Berlin"]
EXTRAS = [None, '{"blog": "https://github.com/asilva"}', '{"x": "https://reddit.com/u/samd"}']

account = st.fixed_dictionaries(
    {
        "source": st.sampled_from(SOURCES),
        "source_user_id": st.integers(0, 9).map(str),
        "username": st.sampled_from(HANDLES),
        "display_name": st.sampled_from(NAMES),
        "email": st.sampled_from(EMAILS),
        "company": st.sampled_from(COMPANIES),
        "location": st.sampled_from(PLACES),
        "timezone": st.sampled_from(PLACES),
        "extra": st.sampled_from(EXTRAS),
        "is_staff": st.booleans(),
        "is_bot": st.sampled_from([False, False, False, True]),
    }
)


def _account(key: str, **facts: object) -> dict:
    source, user_id = key.split(":")
    blank = dict.fromkeys(("username", "display_name", "email", "company", "location"), None)
    blank |= {"timezone": None, "extra": None, "is_staff": False, "is_bot": False}
    return {**blank, "source": source, "source_user_id": user_id, **facts}


def _unique(accounts: list[dict]) -> dict[str, dict]:
    return {f"{a['source']}:{a['source_user_id']}": a for a in accounts}


def _workspace(folder: Path) -> object:
    path = write_config(folder, "http://127.0.0.1:9")
    (folder / "identities.yml").write_text(
        "merge:\n  - [github:1, slack:1]\nsplit: [discourse:3]\n"
        "not_same:\n  - [github:2, reddit:2]\n"
    )
    (folder / "organizations.yml").write_text(
        "organizations:\n  - name: Northwind\n    domains: [northwind.io]\n"
        "    github_orgs: [northwind]\n"
    )
    return load_config(path)


def _resolve(config: object, accounts: dict[str, dict], batch: int) -> object:
    columns = [
        "source",
        "source_user_id",
        "username",
        "display_name",
        "email",
        "company",
        "location",
        "timezone",
        "extra",
        "is_staff",
        "is_bot",
    ]
    table = pa.table(
        {c: [a[c] for a in accounts.values()] for c in columns},
        schema=pa.schema(
            [(c, pa.bool_() if c.startswith("is_") else pa.string()) for c in columns]
        ),
    )
    with duckdb.connect() as con:
        con.register("landed", table)
        return resolve_identities(con, config, "landed", batch)


def _files(config: object) -> dict[str, list]:
    folder = config.storage.resolution()
    return {
        # The rows in the order written, but influence_inputs is written unsorted.
        str(path.relative_to(folder)): (
            sorted(rows, key=lambda r: tuple(map(str, r.values())))
            if path.stem == scope.INPUTS
            else rows
        )
        for path in sorted(folder.rglob("*.parquet"))
        for rows in [pq.read_table(path).to_pylist()]
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# A value three accounts carried is evidence again once one of them drops it: the other
# two are resolved again although nothing of theirs changed.
@example(
    first=[_account(f"{s}:5", username="jonas") for s in ("github", "discourse", "reddit")],
    edits=[(2, _account("reddit:5", username="samd"))],
    added=[],
    decisions=[],
)
# Names written two ways are close, though no value of theirs is shared (their "Jonas
# M." is too common): the account already there is resolved again with the new one.
@example(
    first=[
        _account("github:5", display_name="Jonas Müller"),
        *(_account(f"{s}:6", display_name="Jonas M.") for s in ("slack", "discourse", "reddit")),
    ],
    edits=[],
    added=[_account("stackexchange:5", display_name="Jonas Mueller")],
    decisions=[],
)
# A merge by hand of two people nothing ties, and a split of an account merged by email:
# only their components are resolved again, and give what resolving everyone gives.
@example(
    first=[
        _account("github:1", email="ana@northwind.io"),
        _account("slack:1", email="ana@northwind.io"),
        _account("reddit:4", username="jonas"),
        _account("discourse:6", username="samd"),
    ],
    edits=[],
    added=[],
    decisions=[("merge", 2, 3), ("split", 1, 1)],
)
@given(
    first=st.lists(account, min_size=1, max_size=14),
    edits=st.lists(st.tuples(st.integers(0, 13), account), max_size=4),
    added=st.lists(account, max_size=6),
    decisions=st.lists(
        st.tuples(
            st.sampled_from(["merge", "not_same", "split"]), st.integers(0, 19), st.integers(0, 19)
        ),
        max_size=3,
    ),
)
def test_an_incremental_night_equals_resolving_everything(
    tmp_path_factory, first, edits, added, decisions
):
    night1 = _unique(first)
    night2 = dict(night1)
    keys = list(night1)
    for index, changed in edits:  # an account's profile changed: same key, new facts
        key = keys[index % len(keys)]
        source, user_id = key.split(":", 1)
        night2[key] = {**changed, "source": source, "source_user_id": user_id}
    for new in added:
        night2.setdefault(f"{new['source']}:{new['source_user_id']}", new)
    # The team's decisions of the day (merges, rejections, splits; the later about an
    # account wins), on accounts old and new.
    everyone = sorted(night2)
    decided = [
        (kind, everyone[a % len(everyone)], everyone[b % len(everyone)]) for kind, a, b in decisions
    ]
    decided = [(k, a, b) for k, a, b in decided if k == "split" or a != b]

    # A value on more than two accounts is no evidence: small communities cross it.
    with mock.patch.object(suggestions, "COMMON", 2):
        incremental = _workspace(tmp_path_factory.mktemp("incremental"))
        _resolve(incremental, night1, 1)
        full_dir = tmp_path_factory.mktemp("full")
        full = _workspace(full_dir)
        shutil.copytree(incremental.storage.resolution(), full.storage.resolution())
        for workspace in (incremental, full):
            store = TeamStore(store_path(workspace))
            for kind, a, b in decided:
                store.decide(kind, a, None if kind == "split" else b, author="ada")
        _resolve(incremental, night2, 2)
        # Without the state of a finished resolution, the night resolves everything.
        (full.storage.resolution() / scope.STATE).unlink()
        full_report = _resolve(full, night2, 2)

    assert full_report.resolved_again == len(night2)
    assert _files(incremental) == _files(full)


def test_a_night_resolves_only_what_changed_and_a_rule_change_what_it_names(tmp_path):
    people = {
        f"github:{n}": {
            "source": "github",
            "source_user_id": str(n),
            "username": f"person{n}x",
            "display_name": None,
            "email": f"p{n}@example.org",
            "company": None,
            "location": None,
            "timezone": None,
            "extra": None,
            "is_staff": False,
            "is_bot": False,
        }
        for n in range(20)
    }
    config = _workspace(tmp_path)
    assert _resolve(config, people, 1).resolved_again == 20
    assert _resolve(config, people, 2).resolved_again == 0
    # The same person on Slack: it and the GitHub account it matches are resolved again.
    people["slack:7"] = {**people["github:7"], "source": "slack", "source_user_id": "7"}
    report = _resolve(config, people, 3)
    assert report.resolved_again == 2
    rows = _files(config)["identity_members.parquet"]
    members = {r["identity_key"]: r["member_id"] for r in rows}
    assert members["slack:7"] == members["github:7"]
    # A rule the team changed re-resolves the accounts it names and theirs: here the
    # file's rules all change, and of the accounts they name (github:1 and 2, slack:1,
    # discourse:3, reddit:2) only the two GitHub ones exist, with nobody tied to them.
    (tmp_path / "identities.yml").write_text("merge:\n  - [github:1, github:2]\n")
    assert _resolve(config, people, 4).resolved_again == 2
    members = {
        r["identity_key"]: r["member_id"] for r in _files(config)["identity_members.parquet"]
    }
    assert members["github:1"] == members["github:2"] != members["github:3"]
    assert _resolve(config, people, 5).resolved_again == 0
    # A full rebuild (acacia rebuild) resolves everyone again as well.
    full = build.plan(config, full=True)
    assert full.args() == ["build", "--full-refresh"]
    build.start(config, full)
    assert _resolve(config, people, 6).resolved_again == 21
