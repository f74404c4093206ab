"""The nightly build is incremental and gives the numbers of a full rebuild.

The sample community is landed night by night in a workspace built incrementally, with
what real nights bring: late-arriving activities, an edited title, a deleted Slack
message, a merge decision, an account joining an existing member, a forgotten member.
After each night every mart equals a full rebuild of the same landing zone (with the
same member ids: a rebuild keeps them too). A build that stopped half way is caught up
by the next one.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from connectors.core.config import load_config
from pipelines.orchestration.execute import run_job
from pipelines.storage.landing import SCHEMAS, LandingZone
from pipelines.storage.snapshot import current_snapshot
from pipelines.storage.team_store import TeamStore, store_path
from tests.conftest import assert_same_rows

pytestmark = pytest.mark.slow

#: Bookkeeping columns that differ between two builds of the same data.
BOOKKEEPING = {"_batch", "batch"}


def landed(synced: dict, table: str) -> pa.Table:
    """Every row the synced sample community landed in ``table``, all sources."""
    zone = LandingZone(synced["config"].storage.landing())
    parts = [
        pq.read_table(path).cast(SCHEMAS[table], safe=False)
        if set(pq.read_schema(path).names) == set(SCHEMAS[table].names)
        else _with_contract(pq.read_table(path), table)
        for source in zone.sources()
        for path in zone.files(source, table)
    ]
    return pa.concat_tables(parts)


def _with_contract(data: pa.Table, table: str) -> pa.Table:
    columns = {
        field.name: data[field.name] if field.name in data.column_names else pa.nulls(len(data))
        for field in SCHEMAS[table]
    }
    return pa.table(columns).cast(SCHEMAS[table], safe=False)


class Night:
    """Lands rows in a workspace as one sync would: new files, named after the earlier
    ones. A row fetched again (``refetched``) is stamped a day after the last fetch
    this night-keeper knows of, so the latest fetch wins without reading the clock."""

    def __init__(self, config, fetched_until: datetime) -> None:
        self.zone = LandingZone(config.storage.landing())
        self.count = 0
        self.clock = fetched_until

    def land(self, table: str, rows: pa.Table, refetched: bool = False) -> None:
        self.count += 1
        if refetched:
            self.clock += timedelta(days=1)
            rows = rows.set_column(
                rows.schema.get_field_index("fetched_at"),
                "fetched_at",
                pa.array([self.clock] * len(rows), SCHEMAS[table].field("fetched_at").type),
            )
        for source in sorted(set(rows["source"].to_pylist())):
            part = rows.filter(pc.equal(rows["source"], source))
            self.zone.write(source, table, part.to_pylist(), f"zz-night-{self.count:03d}")


def marts(config) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every published mart: its columns (bookkeeping left out) and rows, in order."""
    snapshot = current_snapshot(config.storage.serving())
    out = {}
    with duckdb.connect(str(snapshot), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main' "
                "and not starts_with(table_name, '_') union "
                "select view_name from duckdb_views() where schema_name = 'main' "
                "and not internal order by 1"
            ).fetchall()
        ]
        for name in names:
            columns = [
                c[0]
                for c in con.execute(f'describe "{name}"').fetchall()
                if c[0] not in BOOKKEEPING
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'select {listed} from "{name}" order by all').fetchall()
            out[name] = (columns, rows)
    return out


def assert_same(nightly: dict, full: dict, night: str) -> None:
    assert sorted(nightly) == sorted(full), night
    for name, (columns, rows) in full.items():
        got_columns, got = nightly[name]
        assert got_columns == columns, (night, name)
        assert_same_rows((night, name), columns, got, rows)


def full_rebuild(config, folder: Path):
    """A copy of the workspace's landing zone, state, team store and member ids, built
    from nothing by the rebuild job; returns its config."""
    copy = folder / "full"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(config.path.parent, copy, ignore=shutil.ignore_patterns("data"))
    data = config.storage.data_dir
    for part in ("landing", "state", "resolution"):
        if (data / part).exists():
            shutil.copytree(data / part, copy / "data" / part)
    shutil.copy(store_path(config), copy / "data" / store_path(config).name)
    path = copy / "acacia.yml"
    assert run_job(path, "rebuild", ephemeral=True).success
    return load_config(path)


def nightly(config) -> None:
    assert run_job(config.path, "refresh", ephemeral=True).success


def test_nightly_increments_equal_a_full_rebuild(synced, tmp_path):
    source = synced["config"]
    workspace = tmp_path / "nightly"
    shutil.copytree(source.path.parent, workspace, ignore=shutil.ignore_patterns("data"))
    config = load_config(workspace / "acacia.yml")
    activities, identities = landed(synced, "activities"), landed(synced, "identities")
    night = Night(config, pc.max(activities["fetched_at"]).as_py())
    moments = activities["occurred_at"]
    cutoff = pc.max(moments).as_py() - timedelta(days=60)

    # A github account that will join an existing Slack member (same email) later.
    people = identities.filter(
        pc.and_(
            pc.invert(pc.fill_null(identities["is_bot"], False)), pc.is_valid(identities["email"])
        )
    )
    slack_with_email = people.filter(pc.equal(people["source"], "slack"))
    email = slack_with_email["email"][0].as_py()
    newcomer = people.filter(pc.equal(people["source"], "github")).slice(0, 1)
    newcomer = newcomer.set_column(
        newcomer.schema.get_field_index("source_user_id"), "source_user_id", pa.array(["9999001"])
    )
    newcomer = newcomer.set_column(
        newcomer.schema.get_field_index("email"), "email", pa.array([email])
    )
    newcomer = newcomer.set_column(
        newcomer.schema.get_field_index("username"), "username", pa.array(["newcomer-9999"])
    )

    # Night 1: everything older than 60 days but a few late ones, every account.
    old = pc.less(moments, cutoff)
    late = pc.and_(old, pc.equal(pc.bit_wise_and(pc.hour(moments), 7), 3))
    night.land("identities", identities)
    night.land("activities", activities.filter(pc.and_(old, pc.invert(late))))
    nightly(config)
    assert_same(marts(config), marts(full_rebuild(config, tmp_path)), "first night")

    # Night 2: the recent activities, the late ones, an edited title, a new account that
    # joins an existing member (same email) with an activity of its own.
    night.land("activities", activities.filter(pc.and_(pc.invert(old), pc.invert(late))))
    night.land("activities", activities.filter(late))
    titled = activities.filter(pc.is_valid(activities["title"])).slice(0, 1)
    titled = titled.set_column(
        titled.schema.get_field_index("title"), "title", pa.array(["An edited title"])
    )
    night.land("activities", titled, refetched=True)
    night.land("identities", newcomer)
    own = activities.filter(pc.equal(activities["source"], "github")).slice(0, 1)
    for column, value in (("actor", "9999001"), ("activity_id", "newcomer-1")):
        own = own.set_column(own.schema.get_field_index(column), column, pa.array([value]))
    night.land("activities", own)
    nightly(config)
    assert_same(marts(config), marts(full_rebuild(config, tmp_path)), "second night")
    with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
        joined = con.execute(
            "select count(distinct member_id) from identities "
            "where identity_key in ('github:9999001', ?)",
            [f"slack:{slack_with_email['source_user_id'][0].as_py()}"],
        ).fetchone()[0]
        title = con.execute(
            "select title from activities where activity_key = ?",
            [f"{titled['source'][0].as_py()}:{titled['activity_id'][0].as_py()}"],
        ).fetchone()[0]
    assert joined == 1 and title == "An edited title"

    # Night 3: a Slack message deleted, and the team merges two members.
    message = activities.filter(pc.equal(activities["source"], "slack")).slice(0, 1)
    deleted = message.set_column(
        message.schema.get_field_index("is_deleted"), "is_deleted", pa.array([True])
    )
    night.land("activities", deleted, refetched=True)
    with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
        pair = con.execute(
            "select identity_a, identity_b from identity_suggestions "
            "where decision = 'review' order by score desc, suggestion_id limit 1"
        ).fetchone()
    TeamStore(store_path(config)).decide("merge", *pair, author="ada")
    nightly(config)
    assert_same(marts(config), marts(full_rebuild(config, tmp_path)), "third night")
    with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
        key = f"slack:{message['activity_id'][0].as_py()}"
        assert con.execute(
            "select count(*) from activities where activity_key = ?", [key]
        ).fetchone() == (0,)
        merged = con.execute(
            "select count(distinct member_id) from identities where identity_key in (?, ?)", pair
        ).fetchone()[0]
    assert merged == 1

    # Night 4: a member is forgotten (everything is rebuilt), then a plain night.
    from pipelines.storage.forget import forget_member

    forget_member(config, pair[0], lambda: run_job(config.path, "rebuild", ephemeral=True))
    again = titled.set_column(
        titled.schema.get_field_index("title"), "title", pa.array(["Edited again"])
    )
    night.land("activities", again, refetched=True)
    nightly(config)
    assert_same(marts(config), marts(full_rebuild(config, tmp_path)), "fourth night")


def empty_workspace(synced, tmp_path):
    """A copy of the sample workspace with nothing landed: its config, a Night to land
    with, every landed activity and account of the sample, and which activities are of
    the last 30 days."""
    workspace = tmp_path / "nightly"
    shutil.copytree(synced["config"].path.parent, workspace, ignore=shutil.ignore_patterns("data"))
    config = load_config(workspace / "acacia.yml")
    activities, identities = landed(synced, "activities"), landed(synced, "identities")
    night = Night(config, pc.max(activities["fetched_at"]).as_py())
    recent = pc.greater(
        activities["occurred_at"], pc.max(activities["occurred_at"]).as_py() - timedelta(days=30)
    )
    return config, night, activities, identities, recent


def test_a_build_that_stopped_half_way_is_caught_up_by_the_next(synced, tmp_path):
    """A night whose build died after the activities (identity resolution and the
    activities done, the rollups and marts not): the next build catches every model up
    from its own watermark, and equals a full rebuild."""
    from pipelines import build

    config, night, activities, identities, recent = empty_workspace(synced, tmp_path)
    night.land("identities", identities)
    night.land("activities", activities.filter(pc.invert(recent)))
    nightly(config)
    with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
        pair = con.execute(
            "select identity_a, identity_b from identity_suggestions "
            "where decision = 'review' order by score desc, suggestion_id limit 1"
        ).fetchone()
    night.land("activities", activities.filter(recent))
    TeamStore(store_path(config)).decide("merge", *pair, author="ada")
    with build.build_lock(config):
        build.run(config, build.Plan(select="+activity_facts")).raise_if_failed()
    nightly(config)
    assert_same(marts(config), marts(full_rebuild(config, tmp_path)), "the night after")


def test_models_changed_by_a_new_version_rebuild_everything_once(synced, tmp_path):
    """Stored rows made by other code (a new Acacia changed how a model counts) are not
    merged with new ones: the next build rebuilds everything, and the one after is
    incremental again (each model's code print is recorded with its watermark)."""
    config, night, activities, identities, recent = empty_workspace(synced, tmp_path)

    def batches() -> int:
        with duckdb.connect(str(config.storage.warehouse()), read_only=True) as con:
            return con.execute(
                "select count(distinct _batch) from marts.activity_facts"
            ).fetchone()[0]

    night.land("identities", identities)
    night.land("activities", activities.filter(pc.invert(recent)))
    nightly(config)
    night.land("activities", activities.filter(recent))
    nightly(config)
    assert batches() == 2  # the second night added to the first night's rows
    with duckdb.connect(str(config.storage.warehouse())) as con:
        con.execute(
            "update staging.build_watermarks set code = 'an older Acacia' "
            "where model = 'member_daily'"
        )
    nightly(config)
    assert batches() == 1  # every activity written again
    night.land("activities", activities.filter(recent).slice(0, 3), refetched=True)
    nightly(config)
    assert batches() == 2  # and the next night is incremental again
    assert_same(marts(config), marts(full_rebuild(config, tmp_path)), "after the upgrade")


def test_decisions_applied_at_once_equal_a_full_rebuild(synced, tmp_path):
    """A sequence of the team's decisions applied through the decision's fast path
    (pipelines/build/decisions.py: no Dagster run, identity resolution and the models after it):
    accept, reject, undo an automatic merge, merge by hand, split, undo an accepted
    merge. After each round every mart equals a full rebuild of the same state."""
    from pipelines.build.decisions import apply_decisions
    from tests.conftest import copy_workspace, members_by_identity

    config = load_config(copy_workspace(synced, tmp_path))
    store = TeamStore(store_path(config))

    def pairs(decision: str) -> list[tuple[str, str]]:
        with duckdb.connect(str(current_snapshot(config.storage.serving())), True) as con:
            return con.execute(
                "select identity_a, identity_b from identity_suggestions where decision = ? "
                "order by score desc, suggestion_id",
                [decision],
            ).fetchall()

    review, automatic = pairs("review"), pairs("automatic")
    store.decide("merge", *review[0], author="ada")  # accept
    apply_decisions(config)
    store.decide("not_same", *review[1], author="ada")  # reject
    store.decide("not_same", *automatic[0], author="ada")  # undo an automatic merge
    apply_decisions(config)
    assert_same(marts(config), marts(full_rebuild(config, tmp_path)), "accept, reject, undo")

    members = members_by_identity(config)
    accounts: dict[str, list[str]] = {}
    for key, member in sorted(members.items()):
        accounts.setdefault(member, []).append(key)
    singles = [keys[0] for keys in accounts.values() if len(keys) == 1]
    several = [keys for keys in accounts.values() if len(keys) > 2]
    store.decide("merge", singles[0], singles[1], author="ada")  # two people, by hand
    apply_decisions(config)
    store.decide("split", several[0][-1], author="ada")  # one account off its member
    store.decide("split", review[0][1], author="ada")  # the accepted merge undone
    apply_decisions(config)
    after = members_by_identity(config)
    assert after[singles[0]] == after[singles[1]]
    assert after[several[0][-1]] != after[several[0][0]]
    assert after[review[0][0]] != after[review[0][1]]
    assert_same(marts(config), marts(full_rebuild(config, tmp_path)), "merge, split, undo")
    # The code these builds recorded is the code a new process finds (dbt adds to a
    # node's macros while it runs one: the prints are the parse's), so the next night
    # is incremental, not a rebuild of everything.
    fresh = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pipelines import build;"
            " from connectors.core.config import load_config;"
            " print(build.stale_models(load_config(sys.argv[1]), build.dbt.code_prints()))",
            str(config.path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert fresh.stdout.strip() == "[]"


def test_a_decision_killed_mid_apply_is_lost_nowhere(synced, tmp_path):
    """``acacia apply`` killed with SIGKILL while dbt writes the warehouse: the decision
    stays recorded, the published snapshot still opens (the last good one), and the
    next apply publishes what a full rebuild of the same state gives."""
    import os
    import signal
    import time

    from tests.conftest import copy_workspace, members_by_identity

    config = load_config(copy_workspace(synced, tmp_path))
    before = current_snapshot(config.storage.serving())
    with duckdb.connect(str(before), read_only=True) as con:
        a, b = con.execute(
            "select identity_a, identity_b from identity_suggestions where decision = 'review' "
            "order by score desc, suggestion_id limit 1"
        ).fetchone()
    TeamStore(store_path(config)).decide("merge", a, b, author="ada")
    log = config.storage.data_dir / "dbt" / "acacia_models" / "dbt.log"
    log.unlink(missing_ok=True)
    apply = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli.main", "apply", "--config", str(config.path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    # Killed once dbt has started writing models (the log names a model it began).
    while not (log.exists() and "START sql" in log.read_text()):
        assert apply.poll() is None and time.monotonic() < deadline, "apply ended first"
        time.sleep(0.05)
    os.kill(apply.pid, signal.SIGKILL)
    apply.wait()

    assert [
        (d.kind, d.identity_a, d.identity_b) for d in TeamStore(store_path(config)).decisions()
    ] == [("merge", a, b)]
    assert current_snapshot(config.storage.serving()) == before
    with duckdb.connect(str(before), read_only=True) as con:
        assert con.execute("select count(*) from members").fetchone()[0] > 0

    from pipelines.build.decisions import apply_decisions

    apply_decisions(config)
    members = members_by_identity(config)
    assert members[a] == members[b]
    assert_same(marts(config), marts(full_rebuild(config, tmp_path)), "after the kill")


def test_nights_on_later_days_equal_a_full_rebuild(synced, tmp_path, monkeypatch):
    """The day moves between builds: a night one day later (each window gains a day and
    loses one), then one 40 days later (the 30-day window has moved past all it held),
    each with a few late activities. Every mart equals a full rebuild on the same day."""
    from connectors.core import clock
    from tests.conftest import copy_workspace

    config = load_config(copy_workspace(synced, tmp_path))
    activities = landed(synced, "activities")
    night = Night(config, pc.max(activities["fetched_at"]).as_py())
    today = clock.now()
    for number, days in enumerate((1, 40), start=1):
        later = today + timedelta(days=days)
        monkeypatch.setenv(clock.NOW_ENV, later.strftime("%Y-%m-%dT%H:%M:%SZ"))
        # A few activities of the last day, landed late, under new ids.
        recent = activities.filter(
            pc.greater(
                activities["occurred_at"],
                pc.max(activities["occurred_at"]).as_py() - timedelta(days=1),
            )
        ).slice(0, 5)
        recent = recent.set_column(
            recent.schema.get_field_index("activity_id"),
            "activity_id",
            pa.array([f"late-{number}-{i}" for i in range(len(recent))]),
        )
        night.land("activities", recent)
        nightly(config)
        assert_same(marts(config), marts(full_rebuild(config, tmp_path)), f"{days} days later")
