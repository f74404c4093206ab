"""Community health on the sample community, worked out from the drawn data."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest

from connectors.core import clock
from connectors.core.registry import contribution_types
from pipelines.storage.snapshot import current_snapshot
from tests.conftest import community_activities, dashboard_page, members_by_identity

PAGES = Path(__file__).resolve().parents[1] / "dashboard" / "views"
DEFINITIONS = (
    "https://chaoss.community/kb/metric-contributor-absence-factor/",
    "https://chaoss.community/kb/metric-elephant-factor/",
    "https://chaoss.community/kb/metric-time-to-first-response/",
    "https://chaoss.community/kb/metric-organizational-diversity/",
)

pytestmark = [pytest.mark.slow, pytest.mark.dates]


def snapshot_rows(synced, sql: str) -> list[tuple]:
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_first_response_times_of_github_issues_and_pull_requests(synced):
    github = synced["data"]["github"]
    member_of = members_by_identity(synced["config"])

    def member(person) -> str:
        return member_of[f"github:{github.user_id(person)}"]

    expected: dict[str, float | None] = {}
    for repo in github.repos.values():
        replies = defaultdict(list)
        for c in [*repo.issue_comments, *repo.review_comments]:
            replies[c.issue_number].append((c.created_at, c.author))
        for review in repo.reviews:
            replies[review.pr_number].append((review.submitted_at, review.author))
        for issue in repo.issues.values():
            if issue.author.is_bot:
                continue
            others = sorted(
                when
                for when, who in replies[issue.number]
                if not who.is_bot
                and member(who) != member(issue.author)
                and when > issue.created_at
            )
            kind = "pr_opened" if issue.is_pr else "issue_opened"
            expected[f"github:{kind}:{issue.id}"] = (
                round((others[0] - issue.created_at).total_seconds() / 3600, 2) if others else None
            )
    got = dict(
        snapshot_rows(
            synced,
            "select item_key, hours_to_first_response from response_times where source = 'github'",
        )
    )
    assert got == pytest.approx(expected, abs=0.011)
    assert any(v is None for v in got.values()) and any(v for v in got.values())


def test_weekly_medians_summarize_the_items(synced):
    rows = snapshot_rows(
        synced,
        """
        select w.source, w.opened_week, w.items, w.responded, w.median_hours,
               median(r.hours_to_first_response), count(r.item_key)
        from response_times_weekly w join response_times r using (source, opened_week)
        group by all""",
    )
    assert rows
    for _, _, items, responded, median_hours, recomputed, count in rows:
        assert items == count
        assert responded <= items
        if median_hours is not None:
            assert median_hours == pytest.approx(recomputed, abs=0.01)


def fewest_for_half(counts: Counter) -> int | None:
    total, running = sum(counts.values()), 0
    for position, (_, n) in enumerate(sorted(counts.items(), key=lambda x: (-x[1], x[0])), 1):
        running += n
        if running * 2 >= total:
            return position
    return None


def expected_factors(synced, windows_ago: int) -> tuple:
    """(contributions, contributor absence factor, elephant factor) of the 90-day window
    ``windows_ago`` windows back, worked out from the drawn community (organizations
    from the mart's affiliations, as the team declared them)."""
    today = clock.today()
    member_of = members_by_identity(synced["config"])
    affiliations = snapshot_rows(
        synced,
        "select member_id, organization, rule_rank, valid_from, valid_to from member_organizations",
    )
    by_member = defaultdict(list)
    for member, org, rank, start, end in affiliations:
        by_member[member].append((start is None, rank, org, start, end))
    members, orgs = Counter(), Counter()
    for kind, key, when, is_bot in community_activities(synced["data"]):
        age = (today - when.date()).days - 90 * windows_ago
        if is_bot or kind not in contribution_types() or not 0 <= age < 90:
            continue
        member = member_of[key]
        members[member] += 1
        covering = sorted(
            a
            for a in by_member.get(member, [])
            if (a[3] is None or when.date() >= a[3]) and (a[4] is None or when.date() <= a[4])
        )
        if covering:
            orgs[covering[0][2]] += 1
    return sum(members.values()), fewest_for_half(members), fewest_for_half(orgs)


def test_contributor_absence_and_elephant_factors(synced):
    factors = snapshot_rows(
        synced,
        "select contributions, contributor_absence_factor, "
        "elephant_factor from health_factors where windows_ago = 0",
    )
    assert factors == [expected_factors(synced, 0)]


def test_the_health_page_shows_the_factors_and_the_share_outside_the_staff(synced, monkeypatch):

    monkeypatch.setenv("ACACIA_CONFIG", str(synced["config"].path))
    app = dashboard_page(PAGES / "7_Health.py")
    app.run()
    assert not app.exception, app.exception
    shown = {m.label: m for m in app.metric}
    (_, absence, elephant), (_, absence_before, _) = (expected_factors(synced, w) for w in (0, 1))
    assert shown["Contributor absence factor"].value == str(absence)
    assert shown["Elephant factor"].value == str(elephant)
    change = absence - absence_before
    assert shown["Contributor absence factor"].delta == (f"{change:+d}" if change else "")
    today = clock.today()
    shares = []
    for ago in (0, 1):
        ((inside, outside),) = snapshot_rows(
            synced,
            f"""
            select count(*) filter (where is_staff), count(*) filter (where not is_staff)
            from activities
            where category = 'contribution' and not is_bot
              and activity_date > date '{today}' - {90 * (ago + 1)}
              and activity_date <= date '{today}' - {90 * ago}""",
        )
        shares.append(outside / (inside + outside))
    assert 0 < shares[0] < 1
    assert shown["Contributions from outside the staff"].value == f"{shares[0]:.0%}"
    points = round(shares[0] * 100, 2) - round(shares[1] * 100, 2)
    assert shown["Contributions from outside the staff"].delta == f"{points:+.0f} percentage points"
    # Every definition is linked.
    assert all(f"({url})" in app.caption[1].value for url in DEFINITIONS)
