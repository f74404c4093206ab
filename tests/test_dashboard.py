"""The dashboard, page by page, rendered by Streamlit's AppTest over the snapshot of the
synced sample community; expected values are worked out from the drawn community (or
straight from the mart rows, for figures that only re-group them)."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from connectors.core import clock, figures
from connectors.core.registry import contribution_types
from pipelines.storage.snapshot import current_snapshot
from tests.conftest import (
    community_activities,
    dashboard_page,
    deleted_members,
    members_by_identity,
)

pytestmark = [pytest.mark.slow, pytest.mark.dates]

DASHBOARD = Path(__file__).resolve().parents[1] / "dashboard"
PAGE = str(DASHBOARD / "Overview.py")
PAGES = {path.stem.split("_", 1)[1]: str(path) for path in (DASHBOARD / "views").glob("*.py")}


def render(
    config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    page: str = PAGE,
    query_params: dict | None = None,
) -> AppTest:
    monkeypatch.setenv("ACACIA_CONFIG", str(config_path))
    app = dashboard_page(page)
    for key, value in (query_params or {}).items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, app.exception
    return app


def names(column) -> list[str]:
    """The names a column of links shows (what follows the link's "#")."""
    return column.str.extract(r"#(.*)$", expand=False).fillna("")


def snapshot_of(synced) -> str:
    return str(current_snapshot(synced["config"].storage.serving()))


def mart(synced, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(snapshot_of(synced), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def public_config(synced, tmp_path) -> Path:
    """The synced workspace's config with the dashboard in public mode."""
    import yaml

    raw = yaml.safe_load(synced["config"].path.read_text())
    raw["dashboard"] = {"public": True}
    raw["storage"]["data_dir"] = str(synced["config"].storage.data_dir)
    path = tmp_path / "public.yml"
    path.write_text(yaml.safe_dump(raw))
    return path


def expected_headline(data, member_of, start, end) -> dict[str, int]:
    """The headline figures, worked out from the drawn community (accounts counted as
    the members the identities mart merged them into; a member made only of deleted
    accounts is active, never new)."""
    people = [
        (kind, member_of[key], when.date())
        for kind, key, when, is_bot in community_activities(data)
        if not is_bot
    ]
    window = [(kind, account) for kind, account, day in people if start <= day <= end]
    first_day: dict[tuple, object] = {}
    for _, account, day in people:
        first_day[account] = min(day, first_day.get(account, day))
    return {
        "Active members": len({account for _, account in window}),
        "New members": sum(
            start <= day <= end
            for account, day in first_day.items()
            if account not in deleted_members(member_of, data)
        ),
        "Contributions": sum(kind in contribution_types() for kind, _ in window),
        "Contributors": len({a for kind, a in window if kind in contribution_types()}),
        "Activities": len(window),
    }


def test_overview_shows_the_communitys_real_numbers(synced, monkeypatch):
    app = render(synced["config"].path, monkeypatch)
    member_of = members_by_identity(synced["config"])
    today = clock.today()
    start = today - timedelta(days=89)
    expected = expected_headline(synced["data"], member_of, start, today)
    previous = expected_headline(
        synced["data"], member_of, start - timedelta(days=90), start - timedelta(days=1)
    )
    shown = {metric.label: metric for metric in app.metric}
    assert {label: int(m.value.replace(",", "")) for label, m in shown.items()} == expected
    change = (expected["Active members"] - previous["Active members"]) / previous["Active members"]
    shown_change = f"{change:+.0%}"
    assert shown["Active members"].delta == (
        "no change" if shown_change in ("+0%", "-0%") else shown_change
    )
    assert "compared with the 90 days before" in app.caption[1].value
    # What merges accounts, as it is: emails, decisions, and evidence (never a common
    # name alone).
    assert "a shared email, by the team's decisions, or automatically" in app.caption[1].value
    assert "never on a common name alone" in app.caption[1].value
    assert app.title[0].value == "Test community"
    assert "GitHub synced" in app.caption[0].value and "Slack synced" in app.caption[0].value
    assert [s.value for s in app.subheader] == ["Activities by type"]


def test_the_window_and_source_filters_change_the_numbers(synced, monkeypatch):
    app = render(synced["config"].path, monkeypatch)
    app.selectbox(key="filter_window").select("Last 30 days").run()
    app.multiselect(key="filter_sources").select("slack").run()
    assert not app.exception, app.exception
    today = clock.today()
    start = today - timedelta(days=29)
    expected = sum(
        1
        for _, key, when, is_bot in community_activities(synced["data"])
        if key.startswith("slack:") and not is_bot and start <= when.date() <= today
    )
    shown = {m.label: int(m.value.replace(",", "")) for m in app.metric}
    assert shown["Activities"] == expected > 0
    assert "compared with the 30 days before" in app.caption[1].value

    # The filters stay when moving to another page.
    app.switch_page("views/1_Members.py").run()
    assert not app.exception, app.exception
    assert app.multiselect(key="filter_sources").value == ["slack"]
    assert app.selectbox(key="filter_window").value == "Last 30 days"
    board = app.dataframe[0].value
    assert set(board["Sources"].str.contains("Slack")) == {True}


FILTERS_AND_PAGES = """
from tests.conftest import dashboard_page

app = dashboard_page("dashboard/Overview.py").run()
app.selectbox(key="filter_window").select("Last 30 days").run()
app.toggle(key="filter_bots").set_value(True).run()
app.toggle(key="filter_staff").set_value(False).run()
app.selectbox(key="filter_window").select("A date range").run()
for page in ("views/1_Members.py", "Overview.py", "views/3_Engagement.py"):
    app.switch_page(page).run()
    assert not app.exception, app.exception
assert app.selectbox(key="filter_window").value == "A date range"
assert app.toggle(key="filter_bots").value is True
assert app.toggle(key="filter_staff").value is False
"""


def test_changing_filters_and_pages_logs_no_streamlit_warning(synced):
    """A filter kept across pages must not also get a default: Streamlit then logs
    "created with a default value but also had its value set via the Session State
    API", with a stack trace, in the dashboard's output. Streamlit says it once a
    process, so the pages run in a process of their own."""
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", FILTERS_AND_PAGES],
        cwd=repo,
        env={**os.environ, "ACACIA_CONFIG": str(synced["config"].path), "PYTHONPATH": str(repo)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # Streamlit logs it on the process's stderr.
    assert "Session State" not in done.stderr, done.stderr[-3000:]


def test_leaving_staff_out_removes_exactly_their_activities(synced, monkeypatch):
    app = render(synced["config"].path, monkeypatch)
    everyone = {m.label: int(m.value.replace(",", "")) for m in app.metric}
    app.toggle(key="filter_staff").set_value(False).run()
    without = {m.label: int(m.value.replace(",", "")) for m in app.metric}
    today = clock.today()
    staff, staff_members = mart(
        synced,
        "select count(*), count(distinct member_id) from activities "
        "where is_staff and not is_bot and activity_date between ? and ?",
        [today - timedelta(days=89), today],
    )[0]
    assert staff > 0
    assert without["Activities"] == everyone["Activities"] - staff
    assert without["Active members"] == everyone["Active members"] - staff_members


def test_the_leaderboard_ranks_by_points_in_the_window(synced, monkeypatch):
    from connectors.core.config import DEFAULT_WEIGHTS

    app = render(synced["config"].path, monkeypatch, PAGES["Members"])
    board = app.dataframe[0].value
    member_of = members_by_identity(synced["config"])
    today = clock.today()
    points: dict[str, float] = {}
    for kind, key, when, is_bot in community_activities(synced["data"]):
        if not is_bot and today - timedelta(days=89) <= when.date() <= today:
            points[member_of[key]] = points.get(member_of[key], 0) + DEFAULT_WEIGHTS[kind]
    best = max(points.values())
    assert float(board["Points"].iloc[0]) == pytest.approx(best)
    assert list(board["Points"]) == sorted(board["Points"], reverse=True)
    # A member without an organization shows an empty cell, not a grey "None".
    assert (names(board["Organization"]) == "").any() and board["Organization"].notna().all()
    name = names(board["Member"]).iloc[0]

    # Searching narrows the board; a hostile search is only ever a parameter.
    word = name.split()[0].lower()
    app.text_input(key="member_search").input(word).run()
    found = app.dataframe[0].value
    today = clock.today()
    active = {
        row[0]
        for row in mart(
            synced,
            "select distinct member_id from activities where not is_bot "
            "and activity_date between ? and ?",
            [today - timedelta(days=89), today],
        )
    }
    matching = {
        m
        for m, n in mart(synced, "select member_id, display_name from members")
        if word in (n or "").lower()
    }
    matching |= {
        m
        for m, u in mart(synced, "select member_id, username from identities")
        if word in (u or "").lower()
    }
    assert name in set(names(found["Member"])) and len(found) == len(matching & active) < len(board)
    app.text_input(key="member_search").input("'; drop table members; --").run()
    assert not app.exception and app.info[0].value == "Nobody matches."
    assert mart(synced, "select count(*) from members")[0][0] > 0
    # LIKE's wildcards are matched as typed: % is in nobody's name, and _ finds only
    # the members with a _ in a name or a username.
    app.text_input(key="member_search").input("%").run()
    assert app.info[0].value == "Nobody matches."
    with_underscore = {
        m
        for m, n, u in mart(
            synced,
            "select member_id, m.display_name, i.username from members m "
            "join identities i using (member_id)",
        )
        if "_" in (n or "") + (u or "")
    }
    app.text_input(key="member_search").input("_").run()
    found = app.dataframe[0].value if app.dataframe else None
    shown = set() if found is None else set(names(found["Member"]))
    display = dict(mart(synced, "select member_id, display_name from members"))
    assert shown and shown <= {display[m] for m in with_underscore}


def test_a_shorter_leaderboard_is_the_top_of_a_longer_one(synced):
    """The leaderboard only reads members as far up as its limit-th (ties included):
    every length must be exactly the head of the full board, in the sample community
    where many members share the same points."""
    from dashboard import data

    path = snapshot_of(synced)
    today = clock.today()
    for f in (data.Filters(*data.window(today, 90)), data.Filters(*data.window(today, 30))):
        full = figures.leaderboard(data.reader(path), f, limit=100_000)
        assert full["points"].duplicated().any(), "no ties to check"
        for limit in (1, 2, 3, 5, 8, 13, 21, 34, 55, len(full) - 1):
            short = figures.leaderboard(data.reader(path), f, limit=limit)
            head = full.head(limit)
            assert short.astype(str).values.tolist() == head.astype(str).values.tolist()


def test_a_member_page_explains_the_score(synced, monkeypatch):
    member_id, score, name = mart(
        synced,
        "select member_id, activity_score, display_name from member_scores "
        "order by activity_score desc limit 1",
    )[0]
    app = render(synced["config"].path, monkeypatch, PAGES["Members"], {"member": member_id})
    assert app.main.header[0].value == name
    assert float(app.metric[0].value.replace(",", "")) == pytest.approx(score, abs=0.05)
    accounts, breakdown, timeline = (d.value for d in app.dataframe)
    expected_accounts = mart(
        synced, "select count(*) from identities where member_id = ?", [member_id]
    )[0][0]
    assert len(accounts) == expected_accounts
    # The breakdown's decayed points add up to the score: every figure is explained.
    assert breakdown["Points after decay"].sum() == pytest.approx(score, abs=0.05 * len(breakdown))
    # Every item with a place to open opens there (an event attended has none).
    linked = timeline["Link"][timeline["Link"].fillna("") != ""]
    assert len(linked) and linked.str.startswith("http").all()
    assert list(timeline["When (UTC)"]) == sorted(timeline["When (UTC)"], reverse=True)
    assert [s.value for s in app.subheader] == [
        "Accounts",
        "Team notes",
        "Why the score is what it is",
        "Activity across sources",
    ]


def test_organizations_page_ranks_partners_and_opens_one(synced, monkeypatch):
    app = render(synced["config"].path, monkeypatch, PAGES["Organizations"])
    ranking = app.dataframe[0].value
    expected = mart(synced, "select organization from partner_ranking order by rank")
    assert list(names(ranking["Organization"])) == [row[0] for row in expected]
    first = names(ranking["Organization"]).iloc[0]

    app = render(
        synced["config"].path, monkeypatch, PAGES["Organizations"], {"organization": first}
    )
    today = clock.today()
    points, people = mart(
        synced,
        "select sum(weight), count(distinct member_id) from activities where organization = ? "
        "and not is_bot and activity_date between ? and ?",
        [first, today - timedelta(days=89), today],
    )[0]
    shown = {m.label: m.value for m in app.metric}
    assert float(shown["Points"].replace(",", "")) == pytest.approx(points, abs=0.05)
    assert int(shown["Active members"]) == people == len(app.dataframe[0].value)


def test_engagement_page_shows_levels_and_who_to_welcome(synced, monkeypatch):
    app = render(synced["config"].path, monkeypatch, PAGES["Engagement"])
    assert [s.value for s in app.subheader] == [
        "Newcomers to welcome",
        "First contributions to celebrate",
        "At risk: reach out",
        "Returning",
        "Lapsed contributors: bring them back",
        "Did reaching out work?",
    ]
    member_of = members_by_identity(synced["config"])
    first_day: dict[str, object] = {}
    for _, key, when, is_bot in community_activities(synced["data"]):
        if not is_bot:
            first_day[member_of[key]] = min(when.date(), first_day.get(member_of[key], when.date()))
    today = clock.today()
    # A member of deleted accounts only is never new (nobody to welcome).
    deleted = deleted_members(member_of, synced["data"])
    newcomers = {
        m for m, day in first_day.items() if day > today - timedelta(days=90) and m not in deleted
    }
    shown = app.dataframe[0].value
    display = dict(mart(synced, "select member_id, display_name from members"))
    assert sorted(names(shown["Member"])) == sorted(display[m] for m in newcomers)
    # Each newcomer's latest activity with a link: where to welcome them.
    for link, member in zip(shown["Link"], shown["Member"], strict=True):
        member_id = member.split("member=", 1)[1].split("#", 1)[0]
        latest = mart(
            synced,
            "select url from activities where member_id = ? and url is not null "
            "order by occurred_at desc, activity_key desc limit 1",
            [member_id],
        )
        assert (link or None) == (latest[0][0] if latest else None)
    assert shown["Link"].notna().any()

    # Long lists stop at a limit (the most recently active first) but count everyone.
    from dashboard import data

    f = data.Filters(today - timedelta(days=89), today)
    few = data.cohort(snapshot_of(synced), f, "is_new", limit=3)
    assert len(few) == 3 and set(few["total"]) == {len(newcomers)}
    assert list(few["last_activity"].dt.date) == sorted(shown["Last activity"], reverse=True)[:3]


def test_responsiveness_lists_what_still_waits_oldest_first(synced, monkeypatch):
    app = render(synced["config"].path, monkeypatch, PAGES["Responsiveness"])
    weekly, waiting = (d.value for d in app.dataframe)
    today = clock.today()
    expected = mart(
        synced,
        "select count(*) from response_times where first_response_at is null "
        "and cast(opened_at as date) between ? and ?",
        [today - timedelta(days=89), today],
    )[0][0]
    assert len(waiting) == expected > 0
    assert list(waiting["Opened (UTC)"]) == sorted(waiting["Opened (UTC)"])
    assert waiting["Link"].str.startswith("http").all()
    assert set(weekly["Source"]) <= {
        "GitHub",
        "Forum",
        "Stack Overflow",
        "Slack",
        "Mailing list",
        "Discord",
    }


def test_channels_page_counts_each_slack_channel(synced, monkeypatch):
    app = render(synced["config"].path, monkeypatch, PAGES["Channels_and_places"])
    app.multiselect(key="filter_sources").select("slack").run()
    places = app.dataframe[0].value
    today = clock.today()
    start = today - timedelta(days=89)
    expected: dict[str, int] = {}
    slack = synced["data"]["slack"]
    for channel in slack.channels.values():
        if not channel.is_member:
            continue
        for message in channel.messages:
            stamps = [] if message.deleted and message.subtype != "channel_join" else [message]
            for item in [*stamps, *message.replies]:
                user = slack.who(item.user)
                day = datetime.fromtimestamp(float(item.ts), UTC).date()
                if not user.is_bot and start <= day <= today:
                    expected[channel.name] = expected.get(channel.name, 0) + 1
    assert dict(zip(places["Place"], places["Activities"], strict=True)) == expected
    # Every active member is counted once: by region, or apart as unknown.
    regions = app.dataframe[1].value
    unknown = next((c.value for c in app.caption if c.value.startswith("Not counted")), "")
    unknown = int(unknown.split()[3].replace(",", "")) if unknown else 0
    assert regions["Members"].sum() + unknown == len(
        mart(
            synced,
            "select distinct member_id from activities where source = 'slack' and not is_bot "
            "and activity_date between ? and ?",
            [start, today],
        )
    )


def test_public_mode_hides_names_and_member_pages(synced, monkeypatch, tmp_path):
    config = public_config(synced, tmp_path)
    names = {row[0] for row in mart(synced, "select display_name from members") if row[0]}
    app = render(config, monkeypatch, PAGES["Members"])
    board = app.dataframe[0].value
    assert "member" not in board.columns and not names & set(board.to_csv().split(","))
    member_id = mart(synced, "select member_id from member_scores limit 1")[0][0]
    app = render(config, monkeypatch, PAGES["Members"], {"member": member_id})
    assert not app.main.header  # no member page, the anonymous board instead
    app = render(config, monkeypatch, PAGES["Suggestions"])
    assert "hidden in public mode" in app.info[0].value and not app.dataframe
    app = render(config, monkeypatch, PAGES["Engagement"])
    assert not app.dataframe and app.metric


def test_a_password_guards_the_private_dashboard(synced, monkeypatch):
    monkeypatch.setenv("ACACIA_DASHBOARD_PASSWORD", "correct horse")
    app = render(synced["config"].path, monkeypatch)
    assert not app.metric and app.text_input(key="password")
    app.text_input(key="password").input("wrong").run()
    assert app.error[0].value == "That is not the password." and not app.metric
    app.text_input(key="password").input("correct horse").run()
    assert len(app.metric) == 5


def test_wrong_passwords_slow_down_then_lock_out(synced, monkeypatch):
    """Counted across sessions (each AppTest is a new one): after the free guesses each
    must wait, even the right password, and the page says how long."""
    from dashboard import gate
    from dashboard.page import _throttle

    _throttle.clear()
    monkeypatch.setattr(gate, "CLOCK", lambda: 5000.0)  # time stands still
    monkeypatch.setenv("ACACIA_DASHBOARD_PASSWORD", "correct horse")
    try:
        for guess in range(1, 5):
            app = render(synced["config"].path, monkeypatch)
            app.text_input(key="password").input(f"wrong {guess}").run()
        assert "Wait 2 seconds before the next one." in app.error[0].value
        app = render(synced["config"].path, monkeypatch)  # a new session: still waiting
        assert "Too many wrong passwords: wait 2 seconds" in app.error[0].value
        app.text_input(key="password").input("correct horse").run()
        assert not app.metric and "Wait" in app.error[0].value
    finally:
        _throttle.clear()


def test_the_password_throttle_doubles_the_wait_then_locks_out():
    from dashboard import gate

    now = [1000.0]
    throttle = gate.Throttle(clock=lambda: now[0])
    assert [throttle.check("a", "x", "secret") for _ in range(gate.FREE)] == [0.0] * gate.FREE
    waits = []
    for _ in range(gate.FREE, gate.LOCK_AFTER):
        waits.append(throttle.check("a", "x", "secret"))
        assert throttle.check("a", "secret", "secret") == waits[-1]  # too soon: not compared
        if waits[-1] < gate.LOCKOUT:
            now[0] += waits[-1]
    assert waits == [2.0, 4.0, 8.0, 16.0, 32.0, 64.0, gate.LOCKOUT]
    assert throttle.wait("a") == gate.LOCKOUT and throttle.wait("b") == 0  # per client
    now[0] += gate.LOCKOUT
    assert throttle.check("a", "secret", "secret") is True and throttle.wait("a") == 0
    assert gate.wait_text(gate.LOCKOUT) == "15 minutes" and gate.wait_text(0.2) == "1 second"


def test_the_freshness_line_reports_a_failed_source(tmp_path):
    from dashboard.page import freshness_text
    from pipelines.storage.snapshot import publish

    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts; create table marts.members as select 1 as id")
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    status = [
        {
            "source": "github",
            "last_attempt_at": now - timedelta(hours=3),
            "last_success_at": now - timedelta(hours=3),
            "status": "ok",
            "message": "",
            "items_rejected": 2,
        },
        {
            "source": "reddit",
            "last_attempt_at": now - timedelta(hours=2),
            "last_success_at": now - timedelta(days=3),
            "status": "failed",
            "message": "reddit: 401 Unauthorized. Fix: check REDDIT_CLIENT_SECRET.",
        },
    ]
    snapshot = publish(warehouse, tmp_path / "serving", sync_status=status)
    line, warnings = freshness_text(str(snapshot), now=now)
    assert "GitHub synced 3 h ago (2 unreadable items set aside)" in line
    assert "Reddit synced 3 days ago" in line and "Reddit synced 3 days ago (" not in line
    # The message is shown as written (escaped for Markdown: a status is outside text).
    assert len(warnings) == 1
    shown = MarkdownIt("commonmark").renderInline(warnings[0])
    assert html.unescape(shown) == (
        "Reddit: the last sync (2 h ago) failed: reddit: 401 Unauthorized. Fix: check "
        "REDDIT_CLIENT_SECRET. — its data is from 26 Nov 12:00 UTC."
    )


def test_overview_before_the_first_sync_says_what_to_do(tmp_path, monkeypatch):
    config = tmp_path / "acacia.yml"
    config.write_text("community_name: Fresh\n")
    app = render(config, monkeypatch)
    assert "acacia sync" in app.info[0].value
    assert not app.metric


def test_suggestions_page_lists_what_waits_for_a_decision(synced, monkeypatch):
    app = render(synced["config"].path, monkeypatch, PAGES["Suggestions"])
    waiting, merged = mart(
        synced,
        "select count(*) filter (where decision = 'review'), "
        "count(*) filter (where decision = 'automatic') from identity_suggestions",
    )[0]
    assert waiting > 0 and merged > 0
    shown, automatic = app.dataframe[0].value, app.dataframe[1].value
    assert (len(shown), len(automatic)) == (min(waiting, 500), min(merged, 500))
    headers = [h.value for h in app.subheader]
    assert f"Accounts that may be the same person: {len(shown)} waiting" in headers
    assert f"Merged automatically: {len(automatic)}" in headers
    assert "@" not in shown.to_csv() + automatic.to_csv()  # no emails on screen
    for table in (shown, automatic):
        assert list(table["Confidence"]) == sorted(table["Confidence"], reverse=True)
    # Below the threshold wait, at or above it were merged, each with its evidence;
    # what waits at or above it says why a person must decide (a common name alone, a
    # contradiction).
    threshold = synced["config"].identity.auto_merge_confidence
    held = shown[shown["Confidence"] >= threshold]
    assert held["Evidence"].str.contains("; not merged without a person: ").all()
    assert automatic["Confidence"].min() >= threshold
    assert automatic["Evidence"].str.len().min() > 0


def test_precomputed_figures_equal_counting_the_activities(synced):
    """With the default filters, staff included or left out, the Overview reads
    window_summary, daily_activity (whatever the filters but a tag or an organization)
    and weekly_members, the leaderboard member_windows, Channels and places
    channel_windows and region_windows, Engagement cohort_lists; the same filters
    spelled out (every source listed, or every member as a tag would) sum the
    member-days (member_day_facts). Both must agree, for every standard window and both
    staff variants."""
    from dataclasses import replace

    from dashboard import data

    path = snapshot_of(synced)
    sources = tuple(row[0] for row in mart(synced, "select distinct source from activities"))
    members = tuple(row[0] for row in mart(synced, "select member_id from members"))
    today = clock.today()
    for include_staff in (True, False):
        for days in (30, 90, 180, 365):
            fast = data.Filters(*data.window(today, days), include_staff=include_staff)
            slow = replace(fast, sources=sources)
            assert fast.plain and not slow.plain
            for f, g in ((fast, slow), (fast.previous(), slow.previous())):
                assert figures.headline(data.reader(path), f) == figures.headline(
                    data.reader(path), g
                )
            # Trends: daily_activity (any staff, bot, source or type filter), and the
            # member-days (a tag or an organization: here every member, as a tag would).
            everyone = replace(fast, members=members)
            for grain, by in (("day", "source"), ("week", "activity_type"), ("week", "category")):
                a = figures.trend(data.reader(path), fast, grain, by)
                assert len(a) > 0
                for other in (slow, everyone):
                    b = figures.trend(data.reader(path), other, grain, by)
                    assert a.astype(str).values.tolist() == b.astype(str).values.tolist()
            a, b = (
                figures.new_and_returning(data.reader(path), fast),
                figures.new_and_returning(data.reader(path), slow),
            )
            assert a.astype(str).values.tolist() == b.astype(str).values.tolist()
            read = data.reader(path)
            for figure in (figures.leaderboard, figures.channels, figures.places):
                a, b = figure(read, fast), figure(read, slow)
                assert len(a) > 0
                assert a.astype(str).values.tolist() == b.astype(str).values.tolist()
        # The Engagement lists (cohort_lists), whole and cut short.
        fast = data.Filters(*data.window(today, 90), include_staff=include_staff)
        slow = replace(fast, sources=sources)
        for flag in ("is_new", "is_first_contribution", "is_returning", "is_at_risk"):
            for limit in (500, 3):
                a, b = data.cohort(path, fast, flag, limit), data.cohort(path, slow, flag, limit)
                assert len(a) > 0
                assert a.astype(str).values.tolist() == b.astype(str).values.tolist()
    # Staff left out is a different answer on the sample community (it has staff).
    window = data.window(today, 90)
    everyone, outside = (
        figures.headline(data.reader(path), data.Filters(*window, include_staff=flag))
        for flag in (True, False)
    )
    assert outside["activities"] < everyone["activities"]
    assert mart(synced, "select count(*) from window_summary")[0][0] == 16


def test_a_new_member_is_one_thing_on_every_page(synced):
    """A new member is one whose first activity ever falls in the window; a deleted
    account is active but never new (nobody to welcome). The Overview's headline (read
    precomputed, and summed from the member-days when every source is spelled out), the
    weekly chart's new members and the Engagement list of newcomers all count the
    members worked out here from the drawn community."""
    from dataclasses import replace

    from dashboard import data

    member_of = members_by_identity(synced["config"])
    deleted = deleted_members(member_of, synced["data"])
    first: dict[str, object] = {}
    for _, key, when, is_bot in community_activities(synced["data"]):
        if not is_bot:
            member = member_of[key]
            first[member] = min(first.get(member, when.date()), when.date())
    path = snapshot_of(synced)
    sources = tuple(row[0] for row in mart(synced, "select distinct source from activities"))
    today = clock.today()
    deleted_first_in_a_window = False
    for days in (30, 90, 365):
        start, end = data.window(today, days)
        firsts = {m for m, day in first.items() if start <= day <= end}
        expected = len(firsts - deleted)
        deleted_first_in_a_window |= bool(firsts & deleted)
        fast = data.Filters(start, end)
        for f in (fast, replace(fast, sources=sources)):
            assert figures.headline(data.reader(path), f)["new_members"] == expected, (
                days,
                f.plain,
            )
            weekly = figures.new_and_returning(data.reader(path), f)
            assert int(weekly["new_members"].sum()) == expected, (days, f.plain)
        if days == synced["config"].scoring.level_window_days:
            newcomers = data.cohort(path, fast, "is_new")
            assert int(newcomers["total"].iloc[0]) == expected
    # Otherwise the sample would not show that a deleted account is never new.
    assert deleted_first_in_a_window


def test_a_long_list_draws_its_first_rows_and_its_csv_holds_them_all(monkeypatch):
    """page.table(rows=): the page draws the first rows (long lists cost seconds to
    draw), says so, and the CSV download holds every row."""
    from dashboard import page

    drawn: dict[str, object] = {}
    monkeypatch.setattr(page.st, "caption", lambda text: drawn.setdefault("caption", text))
    monkeypatch.setattr(page.st, "dataframe", lambda frame, **_: drawn.setdefault("frame", frame))
    monkeypatch.setattr(
        page.st, "download_button", lambda label, data, **_: drawn.setdefault("csv", data)
    )
    frame = pd.DataFrame(
        {"member_id": [f"m{i:02}" for i in range(30)], "member": [f"Name {i}" for i in range(30)]}
    )
    page.table(frame, "people", noun="members", rows=10)
    assert drawn["caption"] == "30 members; the first 10 are shown"
    assert names(drawn["frame"]["Member"]).tolist() == [f"Name {i}" for i in range(10)]
    lines = drawn["csv"].decode().splitlines()
    assert lines[0] == "Member" and lines[1:] == [f"Name {i}" for i in range(30)]


def test_the_server_opens_the_snapshot_before_the_first_visitor(
    synced, monkeypatch, tmp_path, caplog
):
    """dashboard/serve.py warms the server before it serves: the published snapshot is
    the dashboard's open connection already; a workspace it cannot read is served all
    the same (and says why in the log)."""
    from dashboard import data, serve

    monkeypatch.setenv("ACACIA_CONFIG", str(synced["config"].path))
    snapshot = snapshot_of(synced)
    opened = data._connections.pop(snapshot, None)
    if opened is not None:
        opened.close()
    assert str(serve.warm()) == snapshot
    assert snapshot in data._connections

    monkeypatch.setenv("ACACIA_CONFIG", str(tmp_path / "missing.yml"))
    with caplog.at_level("WARNING", logger="acacia.dashboard"):
        assert serve.warm() is None
    assert "missing.yml" in caplog.text


def test_tables_show_days_as_days_and_nothing_as_an_empty_cell():

    from dashboard.page import tidy

    frame = pd.DataFrame(
        {
            "first_contribution": pd.to_datetime(["2026-01-05", None]),
            "last_activity": pd.to_datetime(["2026-01-05", "2026-02-01"]),
            "opened_at": pd.to_datetime(["2026-01-05 10:30", None]),
            "organization": ["Hooli", None],
            "hours": [1.5, None],
        }
    )
    shown = tidy(frame)
    assert list(shown["first_contribution"]) == ["2026-01-05", ""]
    assert list(shown["last_activity"]) == [
        datetime(2026, 1, 5).date(),
        datetime(2026, 2, 1).date(),
    ]
    assert shown["opened_at"].iloc[0] == pd.Timestamp("2026-01-05 10:30")  # a time stays
    assert list(shown["organization"]) == ["Hooli", ""]
    assert shown["hours"].isna().iloc[1]  # numbers stay numbers
    assert frame["organization"].isna().iloc[1]  # the caller's frame is left as it was


def test_a_change_that_rounds_to_nothing_says_so_instead_of_a_green_plus_zero():
    from dashboard.page import NEW, NO_CHANGE, delta

    assert delta(81, 81) == delta(81, 80.9) == delta(80.9, 81) == NO_CHANGE
    assert (delta(90, 81), delta(72, 81), delta(0, 0)) == ("+11%", "-11%", None)
    # Against nothing, or too little to compare with, a change is "new", not +67,650%.
    assert delta(5, 0) == delta(6770, 10) == delta(100, 9.9) == NEW
    assert delta(100, 10) == "+900%" and delta(0, 5) == "-100%"


def chart_colors(app: AppTest) -> dict[str, set[str]]:
    """Each series name of the page's charts -> the colours it is drawn in."""
    import json

    colors: dict[str, set[str]] = {}
    for chart in app.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            color = (trace.get("marker") or {}).get("color") or (trace.get("line") or {}).get(
                "color"
            )
            if trace.get("name") and isinstance(color, str):
                colors.setdefault(trace["name"], set()).add(color)
    return colors


def test_every_table_reads_in_words_and_every_member_opens_their_page(synced, monkeypatch):
    """On every page (and a member's and an organization's): headers in words, no JSON
    in a cell, sources by their names, each member's name a link to their page."""
    member_id, organization = mart(
        synced,
        "select member_id, organization from members where organization is not null "
        "order by activity_count desc limit 1",
    )[0]
    opened = [
        *((name, {}) for name in PAGES),
        ("Members", {"member": member_id}),
        ("Organizations", {"organization": organization}),
    ]
    checked = linked = 0
    for name, params in opened:
        app = render(synced["config"].path, monkeypatch, PAGES[name], params)
        for table in app.dataframe:
            frame = table.value
            checked += 1
            assert not [c for c in frame.columns if "_" in str(c)], (name, list(frame.columns))
            cells = [str(cell).lstrip() for cell in frame.to_numpy().ravel()]
            assert not [c for c in cells if c.startswith("{")], name
            for column in ("Source", "Other source"):
                if column in frame.columns:
                    assert not set(frame[column]) & {"discourse", "stackexchange", "github"}
            if "Member" in frame.columns:
                linked += 1
                assert frame["Member"].str.match(r"Members\?member=m_\w+#").all(), name
    assert checked >= 12 and linked >= 5
    # A link opens the member it names.
    app = render(synced["config"].path, monkeypatch, PAGES["Members"])
    first = app.dataframe[0].value["Member"].iloc[0]
    target = first.split("member=", 1)[1].split("#", 1)[0]
    shown = mart(synced, "select display_name from members where member_id = ?", [target])
    assert shown == [(first.split("#", 1)[1],)]


def test_a_source_has_one_colour_whatever_the_page_and_filters(synced, monkeypatch):
    everything = chart_colors(render(synced["config"].path, monkeypatch))
    app = render(synced["config"].path, monkeypatch)
    app.multiselect(key="filter_sources").select("slack").select("stackexchange").run()
    app.selectbox(key="filter_window").select("Last 30 days").run()
    narrowed = chart_colors(app)
    answers = chart_colors(render(synced["config"].path, monkeypatch, PAGES["Responsiveness"]))
    for label in ("Slack", "Stack Overflow"):
        assert everything[label] == narrowed[label] == answers[label]
        assert len(everything[label]) == 1
    # Every source and family its own colour.
    sources = {label: next(iter(c)) for label, c in everything.items() if label in answers}
    assert len(set(sources.values())) == len(sources) >= 4
    families = [everything[name] for name in ("Code", "Issues", "Chat", "Discussions")]
    assert len({next(iter(c)) for c in families}) == 4


def test_weeks_start_where_the_window_starts_and_short_weeks_are_marked(synced, monkeypatch):
    """A window that does not start on a Monday: its first week starts on its first
    day and holds only the window's days (new and returning worked out from the drawn
    community), and the charts draw every week the window cuts short lighter, with how
    many of its days are in it."""
    from dashboard import charts, data

    path = snapshot_of(synced)
    today = clock.today()
    days = next(d for d in (30, 90, 180) if data.window(today, d)[0].weekday() != 0)
    f = data.Filters(*data.window(today, days))
    member_of = members_by_identity(synced["config"])

    def period(day):
        return max(day - timedelta(days=day.weekday()), f.start)

    first_day: dict[str, object] = {}
    active: set[tuple] = set()
    for _, key, when, is_bot in community_activities(synced["data"]):
        if is_bot:
            continue
        member, day = member_of[key], when.date()
        first_day[member] = min(day, first_day.get(member, day))
        if f.start <= day <= f.end:
            active.add((period(day), member))
    deleted = deleted_members(member_of, synced["data"])  # active, never new
    expected: dict[object, list[int]] = {}
    for week, member in active:
        first = first_day[member]
        new = first >= f.start and period(first) == week and member not in deleted
        counts = expected.setdefault(week, [0, 0])
        counts[0 if new else 1] += 1
    got = figures.new_and_returning(data.reader(path), f)
    assert {
        row.week.date() if hasattr(row.week, "date") else row.week: [
            row.new_members,
            row.returning_members,
        ]
        for row in got.itertuples()
    } == expected
    assert min(expected) == f.start and f.start.weekday() != 0

    weeks = figures.trend(data.reader(path), f, "week", "source")
    assert weeks["period"].min().date() == f.start
    figure = charts.new_and_returning(got, (f.start, f.end))
    short = {w: figures.period_days(w, "week", f.start, f.end) for w in expected}
    short = {w: n for w, n in short.items() if n < 7}
    assert f.start in short  # the first week, cut by the window's start
    for trace in figure.data:
        days_drawn = [pd.Timestamp(x).date() for x in trace.x]
        faded = {x for x, o in zip(days_drawn, trace.marker.opacity, strict=True) if o < 1}
        assert faded == set(short) & set(days_drawn)
    labels = sorted(a.text for a in figure.layout.annotations)
    assert labels == sorted(f"{n} of 7 days" for n in short.values())


def test_responsiveness_headline_against_the_window_before(synced, monkeypatch):
    import statistics

    app = render(synced["config"].path, monkeypatch, PAGES["Responsiveness"])
    today = clock.today()
    shown = {m.label: m for m in app.metric}

    def response_figures(start, end):
        hours = [
            h
            for (h,) in mart(
                synced,
                "select hours_to_first_response from response_times "
                "where cast(opened_at as date) between ? and ?",
                [start, end],
            )
        ]
        answered = [h for h in hours if h is not None]
        return len(hours), statistics.median(answered), sum(h <= 24 for h in answered) / len(hours)

    items, median, share = response_figures(today - timedelta(days=89), today)
    before = response_figures(today - timedelta(days=179), today - timedelta(days=90))
    assert int(shown["Items opened"].value.replace(",", "")) == items
    assert shown["Median wait for a first response"].value == f"{median:,.1f} h"
    assert shown["Answered within a day"].value == f"{share:.0%}"
    assert shown["Answered within a day"].delta == (
        f"{(share - before[2]) * 100:+.0f} percentage points"
    )


def test_a_link_opens_the_same_view(synced, monkeypatch):
    """The filters live in the page's address: changing them writes it, and opening it
    in a new session (a colleague's browser) restores them; values the filters do not
    offer are ignored."""
    app = render(synced["config"].path, monkeypatch)
    app.selectbox(key="filter_window").select("Last 30 days").run()
    app.multiselect(key="filter_sources").select("slack").select("github").run()
    app.toggle(key="filter_staff").set_value(False).run()
    # What the address says, each parameter as a list (AppTest gives one value as text).
    address = {k: [v] if isinstance(v, str) else v for k, v in app.query_params.items()}
    assert address["window"] == ["30"] and sorted(address["source"]) == ["github", "slack"]
    assert address["staff"] == ["0"] and "bots" not in address
    shown = {m.label: m.value for m in app.metric}

    shared = render(
        synced["config"].path,
        monkeypatch,
        query_params=address,
    )
    assert shared.selectbox(key="filter_window").value == "Last 30 days"
    assert sorted(shared.multiselect(key="filter_sources").value) == ["github", "slack"]
    assert shared.toggle(key="filter_staff").value is False
    assert {m.label: m.value for m in shared.metric} == shown

    # A date range, and values nobody offers.
    today = clock.today()
    start = today - timedelta(days=20)
    ranged = render(
        synced["config"].path,
        monkeypatch,
        PAGES["Members"],
        {
            "window": "range",
            "from": start.isoformat(),
            "to": (today + timedelta(days=9)).isoformat(),
            "source": ["reddit", "<script>", "nosuchsource"],
        },
    )
    assert ranged.multiselect(key="filter_sources").value == ["reddit"]
    assert tuple(ranged.date_input(key="filter_range").value) == (start, today)
    assert f"{start:%d %b %Y} – {today:%d %b %Y}" in ranged.caption[1].value


def test_one_person_has_one_figure_on_every_page_and_in_the_update(synced, monkeypatch):
    """The same person and period read the same points on the member page, the
    leaderboard, their organization's page and the monthly update: the last 90 days,
    and last month (a date range in the address, the update with staff counted)."""
    from pipelines.delivery.monthly_update import figures, last_month

    path = synced["config"].path
    today = clock.today()
    start = today - timedelta(days=89)
    # Someone with one organization all window long, so the organization's page counts
    # all their points.
    member_id, organization = mart(
        synced,
        """
        select member_id, any_value(organization) from activities
        where not is_bot and activity_date between ? and ?
        group by 1 having count(distinct coalesce(organization, '')) = 1
           and any_value(organization) is not null
        order by sum(weight) desc, member_id limit 1""",
        [start, today],
    )[0]

    def points_of(app: AppTest, name: str) -> float:
        for table in app.dataframe:
            frame = table.value
            if "Member" in frame.columns and "Points" in frame.columns:
                row = frame[frame["Member"].str.contains(f"member={member_id}#", regex=False)]
                if len(row):
                    return float(row["Points"].iloc[0])
        raise AssertionError(f"{member_id} is not on {name}")

    member = render(path, monkeypatch, PAGES["Members"], {"member": member_id})
    shown = {m.label: m.value for m in member.metric}
    on_member_page = float(shown["Points, last 90 days"].replace(",", ""))
    board = render(path, monkeypatch, PAGES["Members"])
    org = render(path, monkeypatch, PAGES["Organizations"], {"organization": organization})
    assert on_member_page == pytest.approx(points_of(board, "the leaderboard"), abs=0.05)
    assert on_member_page == pytest.approx(points_of(org, "the organization"), abs=0.05)
    assert on_member_page > 0

    # Last month: the update's top contributor, on the leaderboard and their page for the
    # same dates.
    month = last_month(today)
    end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    settings = synced["config"].monthly_update.model_copy(update={"include_staff": True})
    snapshot = snapshot_of(synced)
    name, points, _ = figures(Path(snapshot), month, settings).top_contributors[0]
    (member_id,) = mart(
        synced,
        """
        select a.member_id from activities as a join members as m using (member_id)
        where m.display_name = ? and a.activity_date between ? and ? and not a.is_bot
        group by 1 order by sum(a.weight) desc limit 1""",
        [name, month, end],
    )[0]
    dates = {"window": "range", "from": month.isoformat(), "to": end.isoformat()}
    board = render(path, monkeypatch, PAGES["Members"], dates)
    assert points_of(board, "the leaderboard for last month") == pytest.approx(points, abs=0.05)
