"""Ambassadors and liaisons (README): each member's five reasons and who is a candidate,
worked out from the drawn community (its activities and its conversations: who opened
what, who answered whom, first), not from the models; the priority places without a
candidate; the sample's Lagos champion; what the tagged ambassadors did this quarter."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import duckdb
import pytest

from connectors.core import clock, figures
from connectors.core.config import DEFAULT_WEIGHTS, Ambassadors
from connectors.core.registry import activity_types, contribution_types
from pipelines.storage.snapshot import current_snapshot
from sample import ambassadors
from tests.conftest import (
    community_activities,
    deleted_members,
    drawn_threads,
    members_by_identity,
    small_community,
)

pytestmark = [pytest.mark.slow, pytest.mark.dates]

ACCEPTED = {n for n, k in activity_types().items() if k.accepted_answer}


def expected_reasons(synced) -> dict[str, dict]:
    """member -> the figures behind the five reasons over the last window_days, as
    README defines them, with the default settings."""
    a, today = Ambassadors(), clock.today()
    start = today - timedelta(days=a.window_days)

    def in_window(when) -> bool:
        return start < when.date() <= today

    member_of = members_by_identity(synced["config"])
    gone = deleted_members(member_of, synced["data"])
    rows: dict[str, dict] = defaultdict(
        lambda: {
            "sources": set(),
            "answered": set(),
            "newcomers": set(),
            "accepted": 0,
            "organized": 0,
            "spoke": 0,
            "last": None,
            "points": 0.0,
        }
    )
    joined: dict[str, object] = {}
    bots = set()
    for kind, key, when, is_bot in community_activities(synced["data"]):
        member = member_of[key]
        if is_bot:
            bots.add(member)
            continue
        if when.date() > today:
            continue
        joined[member] = min(joined.get(member, when.date()), when.date())
        if not in_window(when):
            continue
        row = rows[member]
        row["sources"].add(key.split(":", 1)[0])
        row["accepted"] += kind in ACCEPTED
        row["organized"] += kind == "event_organized"
        row["spoke"] += kind == "event_spoke"
        row["last"] = max(row["last"] or when.date(), when.date())
        row["points"] += DEFAULT_WEIGHTS[kind]
    for thread in drawn_threads(synced["data"]):
        if thread["opener"] is None or thread["opener_is_bot"]:
            continue
        asker = member_of[thread["opener"]]
        replies = sorted(
            (when, member_of[key]) for key, when, is_bot in thread["replies"] if not is_bot
        )
        for when, member in replies:
            if member != asker and in_window(when) and when.date() <= today:
                rows[member]["answered"].add(asker)
        first = next((m for when, m in replies if m != asker and when > thread["opened_at"]), None)
        opened = thread["opened_at"].date()
        if (
            first is not None
            and start < opened <= today
            and asker not in gone
            and asker in joined
            and (opened - joined[asker]).days <= a.newcomer_days
        ):
            rows[first]["newcomers"].add(asker)
    found = {}
    for member, row in rows.items():
        if member in bots or member in gone or row["last"] is None:
            continue
        figures_ = {
            "sources_active": len(row["sources"]),
            "people_answered": len(row["answered"]),
            "newcomers_answered": len(row["newcomers"]),
            "accepted_answers": row["accepted"],
            "events_led": row["organized"] + row["spoke"],
        }
        met = sum(
            (
                figures_["sources_active"] >= a.sources,
                figures_["people_answered"] >= a.people_answered,
                figures_["newcomers_answered"] >= a.newcomers_answered,
                figures_["accepted_answers"] >= a.accepted_answers,
                figures_["events_led"] >= a.events_led,
            )
        )
        recent = row["last"] > today - timedelta(days=a.recent_days)
        if met:
            found[member] = {
                **figures_,
                "reasons_met": met,
                "is_candidate": recent and met >= a.reasons,
            }
    return found


def shown(synced, everyone=True):
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        today = clock.today()
        return figures.ambassador_candidates(
            figures.reader(con), figures.Filters(today - timedelta(days=89), today), everyone
        )


def test_each_members_reasons_and_the_candidates_are_the_drawn_ones(synced):
    expected = expected_reasons(synced)
    got = shown(synced)
    columns = [
        "sources_active",
        "people_answered",
        "newcomers_answered",
        "accepted_answers",
        "events_led",
        "reasons_met",
        "is_candidate",
    ]
    assert {r.member_id: {c: getattr(r, c) for c in columns} for r in got.itertuples()} == expected
    assert any(row["is_candidate"] for row in expected.values())
    candidates = shown(synced, everyone=False)
    assert set(candidates["member_id"]) == {m for m, r in expected.items() if r["is_candidate"]}


def test_the_lagos_champion_is_a_candidate_with_reasons_in_words(synced):
    """The sample's story: the Lagos local who speaks at the meetups and welcomes
    newcomers in #help carries the project in Lagos (sample/ambassadors.py)."""
    lead = ambassadors.champion(small_community())
    member = members_by_identity(synced["config"])[f"github:{1000 + lead.key}"]
    row = shown(synced).set_index("member_id").loc[member]
    assert row["is_candidate"] and row["city"] == "Lagos" and row["region"] == "Africa"
    reasons = figures.ambassador_reasons(row, Ambassadors(), clock.today())
    said = "; ".join(reasons)
    assert f"spoke at {int(row['events_spoke'])} event" in said
    assert f"first to answer {int(row['newcomers_answered'])} newcomer" in said
    assert f"active on {int(row['sources_active'])} sources" in said
    assert reasons[-1].startswith(("last active", "active today"))


def test_priority_places_without_a_candidate_are_flagged(synced):
    candidates = shown(synced, everyone=False)
    expected = expected_reasons(synced)
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        places = dict(con.execute("select member_id, region from members").fetchall())
    regions = {places[m] for m, r in expected.items() if r["is_candidate"]}
    assert "Africa" in regions  # the champion's
    asked = ["Africa", "South America", "Oceania"]
    priority = [{"region": name, "country": None, "city": None} for name in asked]
    flagged = figures.places_without_candidates(candidates, priority, asked)
    assert flagged == [name for name in asked if name not in regions]


def test_what_the_ambassadors_did_this_quarter(synced):
    lead = ambassadors.champion(small_community())
    member = members_by_identity(synced["config"])[f"github:{1000 + lead.key}"]
    member_of = members_by_identity(synced["config"])
    start, end = figures.quarter(clock.today())
    expected = {"activities": 0, "contributions": 0, "events_led": 0}
    for kind, key, when, is_bot in community_activities(synced["data"]):
        if member_of[key] == member and not is_bot and start <= when.date() <= end:
            expected["activities"] += 1
            expected["contributions"] += kind in contribution_types()
            expected["events_led"] += kind in ("event_organized", "event_spoke")
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        got = figures.ambassador_quarter(figures.reader(con), (member,), start, end).iloc[0]
    assert {k: int(got[k]) for k in expected} == expected


def test_the_page_names_candidates_with_reasons_and_public_mode_only_counts(
    synced, monkeypatch, tmp_path
):
    from tests.test_dashboard import PAGES, public_config, render

    expected = {m for m, r in expected_reasons(synced).items() if r["is_candidate"]}
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        names = dict(con.execute("select member_id, display_name from members").fetchall())
    app = render(synced["config"].path, monkeypatch, PAGES["Ambassadors"])
    table = next(t.value for t in app.dataframe if "Reasons" in t.value.columns)
    assert len(table) == len(expected)
    assert all(r.startswith("active on") or "answered" in r for r in table["Reasons"])
    app = render(public_config(synced, tmp_path), monkeypatch, PAGES["Ambassadors"])
    shown = " ".join(t.value.to_csv() for t in app.dataframe)
    assert "Candidates" in shown
    assert not {names[m] for m in expected} & set(shown.replace("\n", ",").split(","))


def test_staff_are_left_out_of_the_candidates_and_the_insights(synced):
    """With the staff filter off (the sidebar, the alerts' setting), no staff member is a
    candidate or the subject of an insight, and everyone else is as with staff. (The
    funnel's newcomers take the same member filter; the sample's staff are all in the
    first month of its history, which the funnel leaves out.)"""
    today = clock.today()
    everyone = figures.Filters(today - timedelta(days=89), today)
    no_staff = figures.Filters(everyone.start, everyone.end, include_staff=False)
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        read = figures.reader(con)
        staff = {
            m
            for (m,) in con.execute(
                "select member_id from members where is_staff or is_staff_organization"
            ).fetchall()
        }
        with_staff = set(figures.ambassador_candidates(read, everyone, True)["member_id"])
        without = set(figures.ambassador_candidates(read, no_staff, True)["member_id"])
        told = set(figures.insights(read, everyone)["insight_key"])
        told_people = figures.insights(read, no_staff)
        about_staff = {
            key
            for key, member in con.execute("select insight_key, member_id from insights").fetchall()
            if member in staff
        }
    assert staff & with_staff and without == with_staff - staff
    assert set(told_people["insight_key"]) == told - about_staff
    assert not staff & set(told_people["member_id"].dropna())
