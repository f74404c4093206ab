"""The team acting from the dashboard (AppTest): deciding merge suggestions one at a
time and in bulk, merging and splitting from a member page, tags, notes and follow-ups,
each shown without a full rebuild; and none of it in public mode."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import yaml

from connectors.core.config import load_config
from pipelines.storage.snapshot import current_snapshot
from pipelines.storage.team_store import TeamStore, store_path
from tests.conftest import MARKDOWN_ELEMENTS, copy_workspace, dashboard_page
from tests.test_dashboard import PAGES

pytestmark = pytest.mark.slow


def open_page(config: Path, monkeypatch, page: str, author: str | None = "Ada", **params):
    monkeypatch.setenv("ACACIA_CONFIG", str(config))
    app = dashboard_page(PAGES[page])
    for key, value in params.items():
        app.query_params[key] = value
    if author:
        app.session_state["team_author"] = author
    app.run()
    assert not app.exception, app.exception
    return app


def snapshot_rows(config: Path, sql: str, params: list | None = None) -> list[tuple]:
    serving = load_config(config).storage.serving()
    with duckdb.connect(str(current_snapshot(serving)), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def members(config: Path) -> dict[str, str]:
    return dict(snapshot_rows(config, "select identity_key, member_id from identities"))


def wait_for(condition, what: str, timeout: float = 180) -> float:
    """Poll until ``condition()`` holds (the dashboard's `acacia apply` runs apart)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if condition():
                return time.monotonic() - started
        except duckdb.Error:
            pass  # a snapshot being replaced
        time.sleep(0.5)
    raise AssertionError(f"{what} did not show within {timeout} s")


def waiting_suggestions(config: Path) -> list[tuple]:
    return snapshot_rows(
        config,
        "select suggestion_id, identity_a, identity_b, score from identity_suggestions "
        "where decision = 'review' order by score desc, suggestion_id",
    )


def page_text(app) -> str:
    return " ".join(e.value for kind in MARKDOWN_ELEMENTS for e in getattr(app, kind))


def applied_without_a_rebuild(config: Path) -> list[str]:
    """The dashboard's applies so far (their log): each the fast path, none a rebuild.
    An apply is logged once all of it is done, a moment after its snapshot shows (the
    partner directory's files are written after publishing): waited for."""
    log = load_config(config).storage.data_dir / "apply.log"

    def lines() -> list[str]:
        return [line for line in log.read_text().splitlines() if line.startswith("Decisions ")]

    wait_for(lambda: lines(), "the apply's line in apply.log", timeout=60)
    found = lines()
    assert all(line.startswith("Decisions applied in") for line in found), found
    return found


def test_deciding_suggestions_from_the_page(synced, tmp_path, monkeypatch):
    config = copy_workspace(synced, tmp_path)
    waiting = waiting_suggestions(config)
    assert len(waiting) >= 4
    before = members(config)

    # Without a name, nothing can be decided: the page asks for one.
    anonymous = open_page(config, monkeypatch, "Suggestions", author=None)
    assert not [x for x in anonymous.button if x.key and x.key.startswith("accept_")]
    assert anonymous.text_input(key="team_author_input")

    # Bulk: everything at or above the second's confidence.
    app = open_page(config, monkeypatch, "Suggestions")
    floor = waiting[1][3]
    app.slider(key="bulk_floor").set_value(floor).run()
    app.button(key="bulk_accept").click().run()
    assert not app.exception, app.exception
    assert "recorded by Ada" in page_text(app)
    assert "Applying the decisions" in page_text(app)
    bulk = [w for w in waiting if w[3] >= floor]
    assert len(bulk) < len(waiting) and all(before[a] != before[b] for _, a, b, _ in bulk)
    store = TeamStore(store_path(load_config(config)))
    assert {(d.kind, d.suggestion_id, d.author) for d in store.decisions()} == {
        ("merge", s, "Ada") for s, *_ in bulk
    }
    # Shown within seconds: re-resolved and published, no sync, no staging.
    took = wait_for(
        lambda: all((m := members(config))[a] == m[b] for _, a, b, _ in bulk),
        "the accepted merges",
    )
    print(f"bulk accept shown after {took:.1f} s: {applied_without_a_rebuild(config)}")
    # Once the apply is done, the page no longer says it waits.
    wait_for(lambda: "Applying the decisions" not in page_text(app.run()), "the page's reload")

    # One at a time, on what waits now: accept one, reject another.
    (first, a, b, _), (second, c, d, _) = waiting_suggestions(config)[:2]
    app = open_page(config, monkeypatch, "Suggestions")
    assert len(app.dataframe[0].value) == len(waiting_suggestions(config))
    app.button(key=f"accept_{first}").click().run()
    app = open_page(config, monkeypatch, "Suggestions")  # a fresh page load
    app.button(key=f"reject_{second}").click().run()
    assert not app.exception, app.exception
    decided = {(d.kind, d.suggestion_id) for d in store.decisions()}
    assert {("merge", first), ("not_same", second)} <= decided
    wait_for(lambda: (m := members(config))[a] == m[b], "the accepted suggestion")
    left = {s for s, *_ in waiting_suggestions(config)}
    wait_for(lambda: second not in {s for s, *_ in waiting_suggestions(config)}, "the rejection")
    assert members(config)[c] != members(config)[d] and first not in left
    applied_without_a_rebuild(config)


def test_a_member_page_merges_splits_tags_and_notes(synced, tmp_path, monkeypatch):
    config = copy_workspace(synced, tmp_path)
    member_id, keys = snapshot_rows(
        config,
        "select member_id, list(identity_key order by identity_key) from identities "
        "group by member_id having count(*) >= 3 order by member_id limit 1",
    )[0]
    app = open_page(config, monkeypatch, "Members", member=member_id)
    app.text_input(key="new_tag").input("Speaker Candidate").run()
    app.button(key="add_tag").click().run()
    app.text_area(key="new_note").input("Offered to help with the docs sprint.").run()
    app.button(key="save_note").click().run()
    app.selectbox(key="follow_up").select("reached out").run()
    app.button(key="set_follow_up").click().run()
    assert not app.exception, app.exception
    page_text = " ".join(
        e.value for kind in (*MARKDOWN_ELEMENTS, "text") for e in getattr(app, kind)
    )
    assert "speaker-candidate" in page_text
    assert "Offered to help with the docs sprint." in page_text
    assert app.text_area(key="new_note").value == "" and app.text_input(key="new_tag").value == ""
    assert "Follow-up: reached out (Ada" in page_text
    store = TeamStore(store_path(load_config(config)))
    assert [r[1:3] for r in store.rows("tags")] == [("speaker-candidate", "Ada")]

    # The tag filters every page: the leaderboard with it shows this member only.
    board = open_page(config, monkeypatch, "Members")
    board.sidebar.multiselect(key="filter_tags").select("speaker-candidate").run()
    shown = board.dataframe[0].value
    assert list(shown["Tags"].str.contains("speaker-candidate")) == [True] * len(shown)
    assert len(shown) <= 1

    # Split an account off: it becomes a member of its own within seconds.
    off = keys[-1]
    app.selectbox(key="split_account").select(off).run()
    app.button(key="split_button").click().run()
    wait_for(lambda: list(members(config).values()).count(members(config)[off]) == 1, "the split")
    # Merge it back from its own page ("merge with…"), found by name.
    alone = members(config)[off]
    name = snapshot_rows(
        config,
        "select coalesce(display_name, username) from identities where identity_key = ?",
        [keys[0]],
    )[0][0]
    page = open_page(config, monkeypatch, "Members", member=alone)
    page.text_input(key="merge_search").input(name[:5]).run()
    page.selectbox(key="merge_with").select(members(config)[keys[0]]).run()
    page.button(key="merge_button").click().run()
    wait_for(lambda: members(config)[off] == members(config)[keys[0]], "the merge")
    applied_without_a_rebuild(config)
    # The page follows the account into the member it joined (the bigger keeps its id).
    assert members(config)[off] != alone
    page.run()
    assert page.query_params["member"] == members(config)[off]


def test_a_member_page_says_what_merged_it_automatically_and_splits_it(
    synced, tmp_path, monkeypatch
):
    config = copy_workspace(synced, tmp_path)
    suggestion_id, a, b, member_id, evidence = snapshot_rows(
        config,
        "select suggestion_id, identity_a, identity_b, member_a, evidence "
        "from identity_suggestions where decision = 'automatic' "
        "order by score, suggestion_id limit 1",
    )[0]
    app = open_page(config, monkeypatch, "Members", member=member_id)
    shown = " ".join(e.value for e in app.caption)
    assert f"({a})" in shown and f"({b})" in shown
    assert "merged automatically on: " + evidence.split(";")[0] in shown
    # One click: the two accounts are two members, and the merge is not made again.
    app.button(key=f"undo_{suggestion_id}").click().run()
    wait_for(lambda: members(config)[a] != members(config)[b], "the split")
    applied_without_a_rebuild(config)
    store = TeamStore(store_path(load_config(config)))
    assert [(d.kind, d.author) for d in store.decisions()] == [("not_same", "Ada")]


def test_public_mode_shows_no_tag_note_or_follow_up(synced, tmp_path, monkeypatch):
    config = copy_workspace(synced, tmp_path)
    settings = yaml.safe_load(config.read_text())
    store = TeamStore(store_path(load_config(config)))
    key = snapshot_rows(config, "select identity_key from identities limit 1")[0][0]
    store.tag(key, "secret-tag", author="Ada")
    store.note(key, "a private note", author="Ada")
    store.follow_up(key, "no reply", author="Ada")
    settings.setdefault("dashboard", {})["public"] = True
    config.write_text(yaml.safe_dump(settings))
    for page in ("Members", "Engagement", "Organizations"):
        app = open_page(config, monkeypatch, page)
        everything = " ".join(
            [e.value for kind in (*MARKDOWN_ELEMENTS, "text") for e in getattr(app, kind)]
            + [d.value.to_csv() for d in app.dataframe]
        )
        assert "secret-tag" not in everything and "private note" not in everything
        assert "no reply" not in everything and "follow-up" not in everything.lower()
        assert not [w for w in app.sidebar.multiselect if w.key == "filter_tags"]


def test_tags_are_a_column_of_every_table_of_members(synced, tmp_path, monkeypatch):
    """A tag set on an account shows in the leaderboard's, the organization's and the
    Engagement lists' tables and their CSVs (the store is read at once, no rebuild)."""
    config = copy_workspace(synced, tmp_path)
    _, organization, key = snapshot_rows(
        config,
        """
        select a.member_id, a.organization, min(i.identity_key)
        from activities as a join identities as i using (member_id)
        join cohort_lists as c using (member_id)
        where c.staff_included and a.organization is not null and not a.is_bot
          and a.activity_date > (select as_of_date from build_info) - 30
        group by all order by count(*) desc limit 1""",
    )[0]
    TeamStore(store_path(load_config(config))).tag(key, "docs-sprint", author="Ada")

    def tagged(app) -> list[str]:
        return [
            table.value.iloc[i, 0]
            for table in app.dataframe
            if "Tags" in table.value.columns
            for i in range(len(table.value))
            if "docs-sprint" in table.value["Tags"].iloc[i].split(", ")
        ]

    assert tagged(open_page(config, monkeypatch, "Members"))
    assert tagged(open_page(config, monkeypatch, "Organizations", organization=organization))
    assert tagged(open_page(config, monkeypatch, "Engagement"))


def test_the_applier_has_imported_what_a_build_needs_when_it_says_ready(tmp_path):
    """The first decision pays no import: before its ``ready`` the applier has parsed
    the models and imported what the themes need (scikit-learn, 1.2–1.8 s). In a process
    of its own, so that no other test's import counts."""
    code = (
        "import io, sys; from pathlib import Path; "
        "from pipelines.build.decisions import serve; replies = io.StringIO(); "
        "serve(Path('acacia.yml'), io.StringIO(''), replies, io.StringIO()); "
        "print(replies.getvalue().split(), 'sklearn.feature_extraction.text' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        check=True,
    )
    assert done.stdout.split("\n")[-2] == "['ready'] True"


def test_the_applier_answers_every_request_and_outlives_a_kill(synced, tmp_path):
    """The dashboard's warm applier (dashboard/team.py Applier, pipelines/build/decisions.py serve):
    requests made together are all answered once their decisions are published; a kill -9
    in the middle of a build fails the requests it held (the snapshot stays readable) and
    the next request starts another process, which applies every decision recorded."""
    import signal

    from dashboard.team import Applier

    config = copy_workspace(synced, tmp_path)
    settings = load_config(config)
    store = TeamStore(store_path(settings))
    log = settings.storage.data_dir / "apply.log"
    applier = Applier(config, log)
    (_, a, b, _), (_, c, d, _) = waiting_suggestions(config)[:2]
    store.decide("merge", a, b, author="Ada")
    first, second = applier.request(), applier.request()
    wait_for(lambda: applier.outcome(first) and applier.outcome(second), "the answers")
    assert applier.outcome(first)[0] and applier.outcome(second)[0], applier.outcome(first)
    assert applier.outcome(first)[1].startswith("Decisions applied in")
    assert (m := members(config))[a] == m[b]

    store.decide("merge", c, d, author="Ada")
    killed = applier.pid
    number = applier.request()
    time.sleep(0.3)  # in the build (about 2 s on the sample community)
    os.kill(killed, signal.SIGKILL)
    wait_for(lambda: applier.outcome(number), "the killed request's answer")
    applied, message = applier.outcome(number)
    if not applied:  # killed before it published (else it was faster than the kill)
        assert "stopped" in message, message
        assert (m := members(config))[a] == m[b]  # the snapshot is still readable
    again = applier.request()
    wait_for(lambda: applier.outcome(again), "the next process's answer")
    assert applier.outcome(again)[0] and applier.pid not in (None, killed)
    assert (m := members(config))[c] == m[d] and m[a] == m[b]
    assert log.read_text().count("Decisions applied in") >= 2


def test_the_applier_says_why_it_failed_and_leaves_when_idle(synced, tmp_path):
    """A build that cannot run is answered ``failed`` with the reason, and the applier
    keeps serving; with no request for its idle time it leaves by itself."""
    import io
    import threading

    from pipelines.build.decisions import serve

    config = copy_workspace(synced, tmp_path)
    good = config.read_text()
    config.write_text("storage: [not, a, mapping\n")
    read, write = os.pipe()
    requests, replies, log = os.fdopen(read), io.StringIO(), io.StringIO()
    server = threading.Thread(target=serve, args=(config, requests, replies, log, 20))
    server.start()
    sender = os.fdopen(write, "w")
    sender.write("7\n")
    sender.flush()
    wait_for(lambda: "7 " in replies.getvalue(), "the failed request's answer")
    answer = replies.getvalue().splitlines()
    assert answer[0] == "ready" and answer[1].startswith("7 failed Applying the decisions failed")
    assert str(config) in answer[1] and "next build applies them" in answer[1]
    config.write_text(good)
    sender.write("8\n")
    sender.flush()
    wait_for(lambda: "8 " in replies.getvalue(), "the next answer")
    assert replies.getvalue().splitlines()[2].startswith("8 ok Decisions applied in")
    server.join(timeout=60)  # idle for 20 s: it leaves although its input is open
    assert not server.is_alive() and "No decision for 20 s" in log.getvalue()
    sender.close()
