"""Scores and engagement levels on the sample community, worked out independently from the
drawn data (the account-to-member mapping comes from the identities mart, whose rules
test_identity.py checks)."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

import duckdb
import pytest

from connectors.core import clock
from connectors.core.config import DEFAULT_WEIGHTS
from connectors.core.registry import contribution_types
from pipelines.storage.snapshot import current_snapshot
from tests.conftest import community_activities, deleted_members, members_by_identity

pytestmark = [pytest.mark.slow, pytest.mark.dates]


def level(contributions: int, conversations: int, activities: int) -> str | None:
    """The default thresholds of acacia.yml's scoring section."""
    if contributions >= 10:
        return "Core"
    if contributions >= 1:
        return "Contributor"
    if conversations >= 3:
        return "Participant"
    return "Observer" if activities else None


def expected_scores(synced) -> dict[str, dict]:
    today = clock.today()
    member_of = members_by_identity(synced["config"])
    out: dict[str, dict] = defaultdict(lambda: defaultdict(float))
    for kind, key, when, is_bot in community_activities(synced["data"]):
        if is_bot:
            continue
        day, weight = when.date(), DEFAULT_WEIGHTS[kind]
        age = (today - day).days
        if age < 0:
            continue
        row = out[member_of[key]]
        if age < 365:
            row["score"] += weight * 0.5 ** (age / 30)
        if age < 30:
            row["points_30d"] += weight
        if age < 90:
            row["points_90d"] += weight
        for window, prefix in ((range(0, 90), ""), (range(90, 180), "prev_")):
            if age in window:
                row[prefix + "activities"] += 1
                row[
                    prefix + ("contributions" if kind in contribution_types() else "conversations")
                ] += 1
    return out


def shown(synced) -> dict[str, tuple]:
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        rows = con.execute(
            "select member_id, activity_score, points_30d, engagement_level, "
            "previous_level, level_change from member_scores"
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_activity_scores_and_points_match_the_community(synced):
    expected, got = expected_scores(synced), shown(synced)
    top = sorted(expected, key=lambda m: -expected[m]["score"])[:25]
    for member in top:
        score, points_30d, *_ = got[member]
        assert score == pytest.approx(expected[member]["score"], abs=1e-3)
        assert points_30d == pytest.approx(expected[member]["points_30d"])
    # "Points, last 90 days" is one figure wherever it is shown (member page, leaderboard).
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        pages = dict(
            con.execute("select member_id, points_90d from members where not is_bot").fetchall()
        )
        boards = dict(
            con.execute(
                "select member_id, points from member_windows where days = 90 and staff_included"
            ).fetchall()
        )
    for member, row in expected.items():
        assert pages[member] == pytest.approx(row["points_90d"]), member
        assert boards.get(member, 0) == pytest.approx(row["points_90d"]), member


def test_levels_and_their_changes_match_the_community(synced):
    expected, got = expected_scores(synced), shown(synced)
    changed = 0
    for member, row in expected.items():
        now = level(int(row["contributions"]), int(row["conversations"]), int(row["activities"]))
        before = level(
            int(row["prev_contributions"]),
            int(row["prev_conversations"]),
            int(row["prev_activities"]),
        )
        if member not in got:
            assert now is None and before is None  # no activity in either window
            continue
        assert got[member][2:4] == (now, before), member
        changed += now != before
    assert changed > 0  # the sample has people moving up and down
    assert {row[4] for row in got.values()} >= {"up", "down", "same"}


def test_the_breakdown_adds_up_to_the_score(synced):
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        rows = con.execute("""
            select s.member_id, s.activity_score, sum(b.decayed_points)
            from member_scores s join score_breakdown b using (member_id)
            group by all""").fetchall()
    assert rows
    for _, score, parts in rows:
        assert score == pytest.approx(parts, abs=0.01)


def test_partner_ranking_matches_the_community(synced):
    """Points per organization worked out from the drawn activities, each credited to the
    organization its member was with that day (affiliations from member_organizations,
    whose rules test_identity.py checks)."""
    today = clock.today()
    member_of = members_by_identity(synced["config"])
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        affiliations = con.execute(
            "select member_id, organization, is_staff_organization, rule_rank, valid_from, "
            "valid_to from member_organizations"
        ).fetchall()
        ranking = con.execute(
            "select rank, organization, score, active_members from partner_ranking order by rank"
        ).fetchall()
    by_member: dict[str, list] = defaultdict(list)
    for member, org, staff, rank, start, end in affiliations:
        by_member[member].append((start is None, rank, org, start, end, staff))
    points: dict[str, float] = defaultdict(float)
    members: dict[str, set] = defaultdict(set)
    staff_orgs = {a[1] for a in affiliations if a[2]}
    for kind, key, when, is_bot in community_activities(synced["data"]):
        age = (today - when.date()).days
        if is_bot or not 0 <= age < 90:
            continue
        member = member_of[key]
        covering = sorted(
            a
            for a in by_member.get(member, [])
            if (a[3] is None or when.date() >= a[3]) and (a[4] is None or when.date() <= a[4])
        )
        if covering and covering[0][2] not in staff_orgs:
            points[covering[0][2]] += DEFAULT_WEIGHTS[kind]
            members[covering[0][2]].add(member)
    expected = sorted(points, key=lambda o: (-round(points[o], 2), -len(members[o]), o))
    assert [row[1] for row in ranking][: len(expected)] == expected
    for _rank, org, score, active in ranking:
        if org in points:
            assert score == pytest.approx(points[org], abs=0.01)
            assert active == len(members[org])
    assert "Acacia Foundation" not in [row[1] for row in ranking]  # staff never ranked


def test_newcomers_and_first_contributions_match_the_community(synced):
    today = clock.today()
    member_of = members_by_identity(synced["config"])
    gone = deleted_members(member_of, synced["data"])  # in no cohort
    first_day, first_contribution = {}, {}
    for kind, key, when, is_bot in community_activities(synced["data"]):
        if is_bot or when.date() > today or member_of[key] in gone:
            continue
        member, day = member_of[key], when.date()
        first_day[member] = min(day, first_day.get(member, day))
        if kind in contribution_types():
            first_contribution[member] = min(day, first_contribution.get(member, day))
    in_window = lambda day: 0 <= (today - day).days < 90  # noqa: E731
    new = {m for m, day in first_day.items() if in_window(day)}
    first_time = {m for m, day in first_contribution.items() if in_window(day)}
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        rows = con.execute(
            "select member_id, is_new, is_first_contribution, cohort from member_cohorts"
        ).fetchall()
    assert {m for m, is_new, _, _ in rows if is_new} == new
    assert {m for m, _, first, _ in rows if first} == first_time
    assert {m for m, _, _, cohort in rows if cohort == "new"} == new


def test_returning_members_match_the_community(synced):
    """Returning: active on a day of the 90-day window at least 30 days (the default gap)
    after their previous active day, which may lie before the window."""
    today = clock.today()
    member_of = members_by_identity(synced["config"])
    gone = deleted_members(member_of, synced["data"])  # in no cohort
    days: dict[str, set] = defaultdict(set)
    for _, key, when, is_bot in community_activities(synced["data"]):
        if not is_bot and when.date() <= today and member_of[key] not in gone:
            days[member_of[key]].add(when.date())
    returning = set()
    for member, active in days.items():
        for previous, day in pairwise(sorted(active)):
            if (today - day).days < 90 and (day - previous).days >= 30:
                returning.add(member)
    assert returning, "the sample community should have members coming back"
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        rows = con.execute("select member_id, is_returning from member_cohorts").fetchall()
    assert {m for m, is_returning in rows if is_returning} == returning
