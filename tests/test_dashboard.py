"""The dashboard's overview page, rendered by Streamlit's AppTest over a real snapshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from connectors.records import CONTRIBUTION_TYPES
from pipelines.publish import current_snapshot
from tests.conftest import community_activities, members_by_identity

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]

PAGE = str(Path(__file__).resolve().parents[1] / "dashboard" / "Overview.py")


def render(config_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("ACACIA_CONFIG", str(config_path))
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def expected_headline(data, member_of, start, end) -> dict[str, int]:
    """The four headline figures, worked out from the drawn community (accounts counted
    as the members the identities mart merged them into)."""
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
        "Activities": len(window),
        "Contributors": len({a for kind, a in window if kind in CONTRIBUTION_TYPES}),
        "New members": sum(start <= day <= end for day in first_day.values()),
    }


def test_overview_shows_the_communitys_real_numbers(synced, monkeypatch):
    app = render(synced["config"].path, monkeypatch)
    member_of = members_by_identity(synced["config"])
    today = datetime.now(UTC).date()
    start = today - timedelta(days=89)
    expected = expected_headline(synced["data"], member_of, start, today)
    previous = expected_headline(
        synced["data"], member_of, start - timedelta(days=90), start - timedelta(days=1)
    )
    shown = {metric.label: metric for metric in app.metric}
    assert {label: int(m.value.replace(",", "")) for label, m in shown.items()} == expected
    change = (expected["Active members"] - previous["Active members"]) / previous["Active members"]
    assert shown["Active members"].delta == f"{change:+.0%} vs previous 90 days"
    assert app.title[0].value == "Test community"
    assert [s.value for s in app.subheader] == [
        "Daily active members",
        "Activity by source",
        "Activities by type",
        "Most active members",
    ]
    top = app.dataframe[0].value
    assert len(top) == 10 and list(top["points"]) == sorted(top["points"], reverse=True)


def test_overview_before_the_first_sync_says_what_to_do(tmp_path, monkeypatch):
    config = tmp_path / "acacia.yml"
    config.write_text("community_name: Fresh\n")
    app = render(config, monkeypatch)
    assert "acacia sync" in app.info[0].value
    assert not app.metric


def test_activity_by_source_adds_up_to_each_sources_activities(synced):
    from dashboard import data

    today = datetime.now(UTC).date()
    start = today - timedelta(days=89)
    snapshot = str(data.current_snapshot(synced["config"].storage.serving()))
    shown = (
        data.weekly_activities(snapshot, start, today, "source")
        .groupby("source")["activities"]
        .sum()
    )
    expected: dict[str, int] = {}
    for _, key, when, is_bot in community_activities(synced["data"]):
        source = key.split(":", 1)[0]
        if not is_bot and start <= when.date() <= today:
            expected[source] = expected.get(source, 0) + 1
    assert {k: int(v) for k, v in shown.items()} == expected


def test_activities_by_type_add_up_to_each_types_activities(synced):
    from dashboard import data

    today = datetime.now(UTC).date()
    start = today - timedelta(days=89)
    snapshot = str(data.current_snapshot(synced["config"].storage.serving()))
    weekly = data.weekly_activities(snapshot, start, today, "activity_type")
    assert all(week.weekday() == 0 for week in weekly["week"])  # weeks start on Monday
    shown = weekly.groupby("activity_type")["activities"].sum()
    expected: dict[str, int] = {}
    for kind, _, when, is_bot in community_activities(synced["data"]):
        if not is_bot and start <= when.date() <= today:
            expected[kind] = expected.get(kind, 0) + 1
    assert {k: int(v) for k, v in shown.items()} == expected


def test_suggestions_page_lists_what_waits_for_a_decision(synced, monkeypatch):
    monkeypatch.setenv("ACACIA_CONFIG", str(synced["config"].path))
    page = str(Path(PAGE).parent / "pages" / "1_Suggestions.py")
    app = AppTest.from_file(page, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    snapshot = str(current_snapshot(synced["config"].storage.serving()))
    with duckdb.connect(snapshot, read_only=True) as con:
        expected = con.execute("select count(*) from identity_suggestions").fetchone()[0]
    assert expected > 0
    shown = app.dataframe[0].value
    assert len(shown) == min(expected, 500)
    assert "@" not in shown.to_csv()  # no emails on screen
    assert list(shown["score"]) == sorted(shown["score"], reverse=True)
