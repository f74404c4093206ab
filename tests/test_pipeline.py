"""End to end: fake GitHub -> connector -> landing -> dbt -> publish, through Dagster."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from connectors.core import clock
from connectors.core.config import load_config
from pipelines.orchestration.assemble import build_definitions
from pipelines.orchestration.execute import run_job
from pipelines.storage.snapshot import current_snapshot, publish, publish_workspace
from tests.conftest import (
    community_activities,
    copy_workspace,
    members_by_identity,
    write_config,
)

pytestmark = pytest.mark.slow


def marts(snapshot: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return {
            table: con.execute(f'select * from "{table}" order by all').fetchall()
            for table in ("activities", "members", "daily_activity", "daily_members")
        }


def landed_rows(result) -> dict[str, int]:
    """Activities landed by each ingest asset of a run."""
    return {
        e.asset_key.to_user_string().removesuffix("_landing"): e.materialization.metadata[
            "activities_landed"
        ].value
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string().endswith("_landing")
    }


def test_definitions_load_with_jobs_schedule_and_assets(tmp_path):
    urls = ("http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9")
    defs = build_definitions(write_config(tmp_path, *urls))
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {
        "github_landing",
        "marts/activities",
        "marts/members",
        "marts/daily_activity",
        "marts/daily_members",
        "serving_snapshot",
    } <= keys
    assert {"slack_landing", "discourse_landing"} <= keys
    jobs = {j.name for j in defs.resolve_all_job_defs()}
    assert {"nightly_sync", "sync_github", "sync_slack", "sync_discourse"} <= jobs
    schedule = defs.resolve_schedule_def("nightly_sync_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "UTC")
    assert schedule.job_name == "nightly_sync"
    graph = defs.resolve_asset_graph()
    groups = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert (groups["github_landing"], groups["marts/activities"], groups["serving_snapshot"]) == (
        "ingest",
        "marts",
        "publish",
    )
    # dbt tests became asset checks.
    checks = {k.name for k in defs.resolve_asset_graph().asset_check_keys}
    assert "checks_activity_facts" in checks


@pytest.mark.dates
def test_nightly_job_lands_models_and_publishes(synced):
    assert synced["result"].success
    config = synced["config"]
    snapshot = current_snapshot(config.storage.serving())
    assert snapshot is not None
    tables = marts(snapshot)
    got = Counter((row[1], row[3]) for row in tables["activities"])  # source, type
    expected = Counter(
        (key.split(":", 1)[0], kind) for kind, key, _, _ in community_activities(synced["data"])
    )
    assert got == expected
    # Every actor has exactly one member; bots are marked.
    with duckdb.connect(str(snapshot), read_only=True) as con:
        bots = {
            name
            for (name,) in con.execute("select username from identities where is_bot").fetchall()
        }
        orphans = con.execute(
            "select count(*) from activities anti join members using (member_id)"
        ).fetchone()[0]
    assert bots == {
        "dependabot[bot]",
        "github-actions[bot]",
        "release-helper",
        "deploybot",
        "release-notes",  # a legacy Slack webhook: a bot without a profile
        "system",
        "Acacia Bot",  # Discord: a bot user
        "Release Feed",  # Discord: a webhook
    }
    assert orphans == 0
    # What the build did stays with the workspace (not under models/): every model built.
    nodes = json.loads(
        (config.storage.data_dir / "dbt" / "acacia_models" / "nodes.json").read_text()
    )
    built = {n["name"] for n in nodes if n["kind"] == "model" and n["status"] == "success"}
    assert built >= {"int_identities__resolved", "activity_facts", "members", "partner_ranking"}
    # dbt tests ran as asset checks and passed.
    checks = synced["result"].get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks)


@pytest.mark.dates
def test_daily_members_match_the_community(synced):
    """Active members per day, worked out from the drawn data, not from the output."""
    expected: dict = {}
    member_of = members_by_identity(synced["config"])
    for _, key, when, is_bot in community_activities(synced["data"]):
        if not is_bot:
            expected.setdefault(when.date(), set()).add(member_of[key])
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        rows = dict(
            con.execute(
                "select activity_date, active_members from daily_members where active_members > 0"
            ).fetchall()
        )
    assert rows == {day: len(people) for day, people in expected.items()}


def dbt_log(config) -> str:
    """The debug log of the workspace's last dbt build."""
    return (config.storage.data_dir / "dbt" / "acacia_models" / "dbt.log").read_text()


def test_second_sync_lands_nothing_and_changes_nothing(synced):
    config = synced["config"]
    before = marts(current_snapshot(config.storage.serving()))
    for server in synced["servers"].values():
        server.api.reset_log()
    result = run_job(config.path, "nightly_sync", ephemeral=True)
    assert result.success
    assert landed_rows(result) == dict.fromkeys(
        (
            "github",
            "slack",
            "discourse",
            "reddit",
            "stackexchange",
            "events",
            "mailing_lists",
            "discord",
            "calendars",
        ),
        0,
    )
    requests = {name: len(s.api.requests_to()) for name, s in synced["servers"].items()}
    # One per stream and repository (+ the repository list); one per Slack channel (+ auth
    # and the channel list); one per forum list.
    # Reddit: the OAuth token and one listing each for posts and comments. Stack Exchange:
    # the site check and one question list. Mailing lists: one HyperKitty range, the
    # Pipermail months from the day before the newest message's to today's (one, unless
    # the month turned since), and Groups.io's topics.
    users = max(m.dated for m in synced["data"]["mailing_lists"].on("users") if not m.skip)
    since, today = (users - timedelta(days=1)).date(), clock.today()
    months = (today.year - since.year) * 12 + today.month - since.month + 1
    assert requests == {
        "github": 6 * 2 + 1,
        "slack": 4 + 2,
        "discourse": 3,
        "reddit": 3,
        "stackexchange": 2,
        "mailing_lists": 1 + months + 1,
        # Discord: the channels, the active threads, the staff roles and members, and a
        # page of each text channel (the one the bot may not read answers 403).
        "discord": 4 + sum(c["type"] != 15 for c in synced["data"]["discord"].readable()) + 1,
        # Calendar feeds: one conditional request per feed by URL (the file is not read).
        "calendars": 2,
    }
    assert marts(current_snapshot(config.storage.serving())) == before
    # A night tests what it wrote: the activities' tests check this build's rows; the
    # tests of whole tables (a member without id) are the rebuild's.
    ran = {e.check_name for e in result.get_asset_check_evaluations()}
    assert "checks_activity_facts" in ran
    assert "checks_members" not in ran
    # The build ran over the manifest this process parsed once (pipelines/build/dbt.py):
    # its new settings (a new batch) made dbt parse nothing.
    log = dbt_log(config)
    assert re.search(r"Found \d+ models", log) and "parsing" not in log.lower()


def test_publish_never_waits_for_readers_and_readers_never_wait_for_builds(synced, tmp_path):
    # A copy: publishing changes the workspace, which other tests read.
    config = load_config(copy_workspace(synced, tmp_path))
    serving = config.storage.serving()
    old = current_snapshot(serving)
    reader = duckdb.connect(str(old), read_only=True)  # a dashboard mid-query
    try:
        writer = duckdb.connect(str(config.storage.warehouse()))  # dbt mid-build
        try:
            # The dashboard still reads while the warehouse is locked by a writer.
            assert reader.execute("select count(*) from activities").fetchone()[0] > 0
        finally:
            writer.close()
        new = publish_workspace(config)
        assert current_snapshot(serving) == new != old
        # Whoever publishes, the snapshot carries the sources' sync status (the
        # freshness line of every page), read from the workspace itself.
        with duckdb.connect(str(new), read_only=True) as con:
            synced_sources = {
                s for (s,) in con.execute("select source from _sync_status").fetchall()
            }
        assert synced_sources == set(config.enabled_sources())
        assert old.exists()  # kept for readers that resolved it before the swap
        assert reader.execute("select count(*) from members").fetchone()[0] > 0
    finally:
        reader.close()


def test_failed_build_keeps_the_last_good_snapshot(tmp_path):
    serving = tmp_path / "serving"
    good = tmp_path / "good.duckdb"
    with duckdb.connect(str(good)) as con:
        con.execute("create schema marts; create table marts.members as select 1 as id")
    first = publish(good, serving)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(RuntimeError, match="nothing to publish"):
        publish(empty, serving)
    assert current_snapshot(serving) == first


@pytest.mark.slow
def test_a_failing_source_is_retried_reported_and_the_others_still_publish(
    tmp_path, fake_github, monkeypatch, request
):
    """GitHub refuses the token; the events land, the models rebuild and publish, and
    the failure shows as a failed check (and in the sync status the dashboard reads)."""
    from pipelines.storage.landing import SyncStatus
    from sample.base import FakeServer
    from sample.community import build_community
    from sample.events_data import write_event_files
    from sample.slack import FakeSlack
    from sample.slack_data import SlackData
    from tests.conftest import SLACK_TOKEN, small_community

    monkeypatch.setenv("ACACIA_TEST_GITHUB_TOKEN", "not-the-right-token-0000")
    write_event_files(build_community(clock.now(), people=30), tmp_path / "events")
    path = write_config(tmp_path, fake_github.url, events_folder=tmp_path / "events")
    slack = FakeSlack(SlackData(small_community(), messages_per_day=1), tokens={SLACK_TOKEN})
    alerts = FakeServer(slack).start()
    request.addfinalizer(alerts.stop)
    channel = next(c for c in slack.data.channels.values() if c.is_member)
    monkeypatch.setenv("ACACIA_TEST_ALERT_TOKEN", SLACK_TOKEN)
    raw = yaml.safe_load(path.read_text())
    raw["schedule"] = {"retries": 1, "retry_delay_seconds": 0}
    raw["alerts"] = {
        "slack_channel": channel.name,
        "base_url": f"{alerts.url}/api/",
        "token_env": "ACACIA_TEST_ALERT_TOKEN",
    }
    path.write_text(yaml.safe_dump(raw))

    from pipelines.sync.connect import Secrets
    from pipelines.sync.ingest import sync_source

    fake_github.api.reset_log()
    sync_source(load_config(path), "github", Secrets(token="not-the-right-token-0000"))
    one_attempt = len(fake_github.api.requests_to())
    fake_github.api.reset_log()

    result = run_job(path, "nightly_sync", ephemeral=True)
    assert result.success  # the run goes on without the failing source
    checks = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }
    synced_github = checks[("github_landing", "synced")]
    assert not synced_github.passed and "Bad credentials" in synced_github.description
    assert checks[("events_landing", "synced")].passed
    assert not checks[("serving_snapshot", "sources_are_fresh")].passed
    assert "github" in checks[("serving_snapshot", "sources_are_fresh")].description
    assert checks[("serving_snapshot", "activities_are_sound")].passed
    # Retried once before giving up: twice the requests of one attempt.
    assert len(fake_github.api.requests_to()) == 2 * one_attempt > 0

    config = load_config(path)
    status = SyncStatus(config.storage.state()).load()
    assert status["github"]["status"] == "failed" and status["events"]["status"] == "ok"
    with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
        sources = dict(con.execute("select source, count(*) from activities group by 1").fetchall())
    assert set(sources) == {"events"} and sources["events"] > 0
    assert "not-the-right-token-0000" not in status["github"]["message"]
    # Reported to the alerts channel, once, with the error and without the token.
    assert len(slack.posted) == 1 and slack.posted[0]["channel"] == channel.id
    assert "the github sync failed after 1 retries" in slack.posted[0]["text"]
    assert "Bad credentials" in slack.posted[0]["text"]
    assert "not-the-right-token-0000" not in slack.posted[0]["text"]


@pytest.mark.slow
def test_dbt_failing_says_why_and_the_next_run_in_the_process_builds(tmp_path):
    """When dbt fails (here another program holds the warehouse), the step fails with
    dbt's own reason and where its log is, and the next run builds and publishes."""
    import subprocess
    import sys

    from sample.synthetic import write_organizations, write_synthetic_community

    (tmp_path / "acacia.yml").write_text(yaml.safe_dump({"storage": {"data_dir": "data"}}))
    write_organizations(tmp_path / "organizations.yml", 3)
    write_synthetic_community(tmp_path / "data" / "landing", 600)
    config = load_config(tmp_path / "acacia.yml")
    warehouse = config.storage.warehouse()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " time.sleep(300)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        failed = run_job(config.path, "rebuild", ephemeral=True)
    finally:
        holder.kill()
        holder.wait()
    assert not failed.success
    (failure,) = failed.get_step_failure_events()
    assert failure.step_key == "acacia_models"
    message = failure.event_specific_data.error.message
    assert "dbt build" in message and "failed" in message and "lock" in message.lower()
    assert str(config.storage.data_dir / "dbt" / "acacia_models" / "dbt.log") in message

    rebuilt = run_job(config.path, "rebuild", ephemeral=True)
    assert rebuilt.success
    ran = {e.check_name for e in rebuilt.get_asset_check_evaluations() if e.passed}
    assert {"checks_activity_facts", "checks_members"} <= ran
    with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
        assert con.execute("select count(*) from activities").fetchone()[0] == 600


def test_the_data_tests_name_each_check_that_fails(synced, tmp_path):
    """A model's data test (models/tests/generic/checks.sql) finds each kind of bad row
    (a null, a repeat, a value not accepted, one the registry does not know, a member
    that does not exist, a repeated combination), and a failed test's message says which
    checks failed and on how many rows; a model whose rows are right passes."""
    from pipelines import build
    from pipelines.build import dbt
    from pipelines.build.settings import dbt_environment, running

    config = load_config(copy_workspace(synced, tmp_path))
    with duckdb.connect(str(config.storage.warehouse())) as con:
        batch = con.execute("select max(_batch) from marts.activity_facts").fetchone()[0]
        # A member twice; another without a name.
        con.execute("insert into marts.members select * from marts.members order by all limit 1")
        con.execute(
            "update marts.members set display_name = null "
            "where member_id = (select max(member_id) from marts.members)"
        )
        # This build's activities: one of a source nobody registered, one of a member
        # who does not exist, one whose member is gone but which the source deleted.
        keys = [
            k
            for (k,) in con.execute(
                "select activity_key from marts.activity_facts where _batch = ? "
                "and not is_deleted order by activity_key limit 3",
                [batch],
            ).fetchall()
        ]
        con.execute(
            "update marts.activity_facts set source = 'myspace' where activity_key = ?", [keys[0]]
        )
        con.execute(
            "update marts.activity_facts set member_id = 'm_nobody' where activity_key = ?",
            [keys[1]],
        )
        con.execute(
            "update marts.activity_facts set member_id = 'm_gone', is_deleted = true "
            "where activity_key = ?",
            [keys[2]],
        )
        # A decision nobody knows, on two suggestions; a member's tag twice.
        con.execute(
            "update marts.identity_suggestions set decision = 'maybe' where suggestion_id in "
            "(select suggestion_id from marts.identity_suggestions order by all limit 2)"
        )
        con.execute(
            "insert into marts.member_tags select * from marts.member_tags order by all limit 1"
        )
        assert con.execute("select count(*) from marts.member_tags").fetchone()[0] > 1

    settings = {**build.settings_for(config), "batch": batch}
    models = "members activity_facts identity_suggestions member_tags daily_members"
    monkeypatch = pytest.MonkeyPatch()
    for name, value in dbt_environment(config).items():
        monkeypatch.setenv(name, value)
    try:
        with running(config, settings):
            results = dbt.invoke(
                ["test", "--select", models, "--vars", json.dumps(settings)],
                tmp_path / "dbt",
            )
            said = {r.model: (r.status, build.explained(config, r).message) for r in results}
    finally:
        monkeypatch.undo()
    assert said["daily_members"][0] == "pass"
    assert said["members"][0] == "fail"
    assert "member_id repeats (1 rows)" in said["members"][1]
    assert "display_name is null (1 rows)" in said["members"][1]
    assert "member_id not in members.member_id (1 rows)" in said["activity_facts"][1]
    assert "source not in the registry (acacia_sources) (1 rows)" in said["activity_facts"][1]
    assert "decision not in automatic, review (2 rows)" in said["identity_suggestions"][1]
    assert "(member_id, tag) repeats (1 rows)" in said["member_tags"][1]
