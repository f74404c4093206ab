"""The landing zone: append-only files, cursors never ahead of landed data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from connectors.core import clock
from connectors.core.config import load_config
from connectors.core.records import Activity, Identity
from connectors.sources.github import GitHubConnector
from pipelines.storage.landing import CursorStore, Lander, LandingZone, SyncStatus
from pipelines.sync.connect import Secrets
from pipelines.sync.ingest import sync_source
from tests.conftest import write_config


def landed_activity_ids(zone: LandingZone) -> list[str]:
    return [row[0] for row in zone.query("github", "activities", "select activity_id from landed")]


def test_files_are_only_ever_added(tmp_path):
    zone, cursors = LandingZone(tmp_path / "landing"), CursorStore(tmp_path / "state")
    when = datetime(2026, 1, 2, tzinfo=UTC)
    for run in range(2):
        lander = Lander(zone, cursors, "github")
        lander.add(
            [Activity("github", f"star:{run}", "star", when, "1", "o/r")],
            [Identity("github", "1", "ada")],
            "o/r:stargazers",
            {"page": run + 1},
        )
        lander.flush()
    files = zone.files("github", "activities")
    assert len(files) == 2
    assert cursors.load("github") == {"o/r:stargazers": {"page": 2}}
    first_bytes = Path(files[0]).read_bytes()
    lander = Lander(zone, cursors, "github")
    lander.add([Activity("github", "star:9", "star", when, "1", "o/r")], [])
    lander.flush()
    assert Path(files[0]).read_bytes() == first_bytes
    assert sorted(landed_activity_ids(zone)) == ["star:0", "star:1", "star:9"]


def test_cursor_is_committed_only_with_its_records(tmp_path):
    zone, cursors = LandingZone(tmp_path / "landing"), CursorStore(tmp_path / "state")
    lander = Lander(zone, cursors, "github", flush_rows=1000)
    when = datetime(2026, 1, 2, tzinfo=UTC)
    lander.add(
        [Activity("github", "star:1", "star", when, "1", "o/r")], [], "o/r:stargazers", {"page": 7}
    )
    assert cursors.load("github") == {}  # buffered: neither records nor cursor landed
    assert zone.files("github", "activities") == []
    lander.flush()
    assert cursors.load("github") == {"o/r:stargazers": {"page": 7}}


def test_a_run_killed_half_way_loses_nothing(tmp_path, fake_github, github_data, github_client):
    """Kill a sync mid-way (the buffer and anything after it is lost, as with kill -9),
    then sync again: everything arrives, and nothing landed before the kill is lost."""
    zone, cursors = LandingZone(tmp_path / "landing"), CursorStore(tmp_path / "state")
    lander = Lander(zone, cursors, "github", flush_rows=150)
    connector = GitHubConnector(github_client, organizations=["acacia-sample"], backfill_days=400)
    for number, batch in enumerate(connector.sync(dict(lander.state))):
        lander.add(batch.activities, batch.identities, batch.key, batch.state)
        if number == 12:
            break  # killed: no final flush
    landed_before = set(landed_activity_ids(zone))
    committed = cursors.load("github")
    assert landed_before and committed, "the kill should come after some flushes"
    assert len(committed) < 6 * len(github_data.repos)

    config = load_config(write_config(tmp_path, fake_github.url))
    config = config.model_copy(
        update={"storage": config.storage.model_copy(update={"data_dir": tmp_path})}
    )
    report = sync_source(config, "github", Secrets(token="test-token-0123456789"))
    assert report.failed == []
    everything = landed_activity_ids(zone)
    assert landed_before <= set(everything)
    with duckdb.connect() as con:
        types = dict(
            con.execute(
                "select split_part(id, ':', 1) as type, count(distinct id) from unnest(?) t(id) "
                "group by 1",
                [everything],
            ).fetchall()
        )
    assert types == github_data.expected_counts()
    # The second run resumed: it did not read again what the first committed.
    assert report.activities < len(everything)


def test_actors_without_profile_are_found(tmp_path):
    zone, cursors = LandingZone(tmp_path / "landing"), CursorStore(tmp_path / "state")
    when = datetime(2026, 1, 2, tzinfo=UTC)
    lander = Lander(zone, cursors, "slack")
    lander.add(
        [
            Activity("slack", f"C1:{n}", "message", when, actor, "general")
            for n, actor in enumerate(["U1", "U2", "U3"])
        ],
        [
            Identity("slack", "U1", "ada", has_profile=True),
            Identity("slack", "U2", "bob", has_profile=False),
        ],
    )
    lander.flush()
    assert zone.actors_without_profile("slack") == {"U2", "U3"}
    assert zone.actors_without_profile("discourse") == set()


def test_every_sync_records_when_and_how_it_went(tmp_path, fake_github, monkeypatch):
    config = load_config(write_config(tmp_path, fake_github.url))
    config = config.model_copy(
        update={"storage": config.storage.model_copy(update={"data_dir": tmp_path})}
    )
    status = SyncStatus(config.storage.state())
    report = sync_source(config, "github", Secrets(token="test-token-0123456789"))
    first = status.load()["github"]
    assert first["status"] == "ok" and first["message"] == ""
    assert first["activities_landed"] == report.activities > 0
    assert first["last_success_at"] == first["last_attempt_at"]

    # An hour later, on the clock every sync reads.
    later = clock.now() + timedelta(hours=1)
    monkeypatch.setenv(clock.NOW_ENV, later.isoformat())
    assert sync_source(config, "github", Secrets(token="not-the-right-token-42")).failed
    failed = status.load()["github"]
    assert failed["status"] == "failed" and "Bad credentials" in failed["message"]
    assert "not-the-right-token-42" not in status.folder.read_text(status.FILE)
    # The last success is kept, so the dashboard can say how old the data is.
    assert failed["last_success_at"] == first["last_success_at"]
    assert failed["last_attempt_at"] == later.isoformat() > first["last_attempt_at"]


def test_an_unreadable_item_is_set_aside_and_the_sync_goes_on(tmp_path, fake_github, github_data):
    """One issue on the first page has no ``created_at``, one review comment no ``id``:
    both are landed raw in the rejects files with the reason and stream, counted in the
    report and the sync status; the rest of their pages and every later stream land."""
    config = load_config(write_config(tmp_path, fake_github.url))
    fake_github.api.inject(
        "broken_item", path="/repos/acacia-sample/core/issues", drop="created_at", index=3
    )
    fake_github.api.inject(
        "broken_item", path="/repos/acacia-sample/docs/pulls/comments", drop="id"
    )
    report = sync_source(config, "github", Secrets(token="test-token-0123456789"))
    assert not report.failed and report.problems == []
    assert report.rejected == 2
    assert report.rejected_by_stream == {
        "acacia-sample/core issues": 1,
        "acacia-sample/docs review_comments": 1,
    }
    zone = LandingZone(config.storage.landing())
    rows = zone.query("github", "rejects", "select stream, scope, reason, item from landed")
    reasons = {(stream, scope, reason) for stream, scope, reason, _ in rows}
    assert reasons == {
        ("issues", "acacia-sample/core", "missing field 'created_at'"),
        ("review_comments", "acacia-sample/docs", "missing field 'id'"),
    }
    assert all('"html_url"' in item for *_, item in rows)  # the item as it came
    # Everything else landed: every activity but the broken issue's own.
    expected = sum(github_data.expected_counts().values())
    issue = next(json.loads(item) for stream, *_, item in rows if stream == "issues")
    merged = bool((issue.get("pull_request") or {}).get("merged_at"))
    lost = 1 + merged + 1  # the issue's opened (and merged) activity, the comment
    assert len(set(landed_activity_ids(zone))) == expected - lost
    assert {"issue_comment", "review_comment", "pr_review", "star", "issue_closed"} <= {
        row[0] for row in zone.query("github", "activities", "select distinct type from landed")
    }
    status = SyncStatus(config.storage.state()).load()["github"]
    assert status["status"] == "ok" and status["items_rejected"] == 2
    assert "set aside 2 unreadable items" in report.summary()
    # `acacia rejects` says what was set aside, and shows it.
    from typer.testing import CliRunner

    from pipelines.cli.main import app

    shown = CliRunner().invoke(app, ["rejects", "--config", str(config.path), "--source", "github"])
    assert shown.exit_code == 0, shown.output
    assert "github acacia-sample/core issues: 1 set aside (missing field 'created_at')" in (
        shown.output
    )
    assert sum(line.startswith("  github ") for line in shown.output.splitlines()) == 2


def test_a_newest_first_walk_interrupted_twice_lands_each_item_once():
    """The walker Slack and Discourse share: a walk killed after some pages commits what
    it landed as a pending range; the next walk skips that range, and only a complete
    walk moves the cursor."""
    from connectors.core.batch import NewestFirstWalk

    items = list(range(100, 0, -1))  # newest first
    landed: list[int] = []

    def walk(state: dict, stop_after: int | None) -> dict:
        walker = NewestFirstWalk.resume(state)
        for count, key in enumerate(items, 1):
            if walker.cursor is not None and key <= walker.cursor:
                break
            if walker.landed(key):
                walker.saw(key)
            else:
                walker.took(key)
                landed.append(key)
            if stop_after is not None and count == stop_after:
                return walker.progress()  # killed here: the page's state was committed
        return walker.complete()

    state = walk({}, stop_after=30)
    assert state["cursor"] is None and state["pending"] == [(71, 100)]
    state = walk(state, stop_after=60)
    assert state["cursor"] is None and state["pending"] == [(71, 100), (41, 100)]
    state = walk(state, stop_after=None)
    assert state == {"cursor": 100, "pending": []}
    assert sorted(landed) == list(range(1, 101))  # each once
    items[:0] = [102, 101]  # two new items: the next walk takes them and stops
    assert walk(state, stop_after=None) == {"cursor": 102, "pending": []}
    assert landed[-2:] == [102, 101]
