"""The conversion funnel (README, The conversion funnel): every step of every cohort,
place and first source, worked out from the drawn community's activities, not from the
models."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import timedelta

import duckdb
import pytest

from connectors.core import clock, figures
from connectors.core.registry import activity_types, contribution_types
from pipelines.storage.snapshot import current_snapshot
from tests.conftest import community_activities, deleted_members, members_by_identity

pytestmark = [pytest.mark.slow, pytest.mark.dates]

TALKING = {n for n, k in activity_types().items() if k.thread is not None}


def journeys(synced) -> dict[str, dict]:
    """member -> their way in, from the drawn activities (README's definitions, the
    default scoring: Core is 10 contributions in 90 days)."""
    member_of = members_by_identity(synced["config"])
    gone = deleted_members(member_of, synced["data"])
    today = clock.today()
    seen: dict[str, list] = defaultdict(list)
    bots = set()
    for kind, key, when, is_bot in community_activities(synced["data"]):
        member = member_of[key]
        if is_bot:
            bots.add(member)
        elif when.date() <= today:
            seen[member].append((when, key.split(":", 1)[0], kind))
    found = {}
    for member, acts in seen.items():
        if member in bots or member in gone:
            continue
        acts.sort()
        days = defaultdict(int)
        for when, _, kind in acts:
            if kind in contribution_types():
                days[when.date()] += 1
        regular = next(
            (
                day
                for day in sorted(days)
                if sum(n for d, n in days.items() if day - timedelta(days=90) < d <= day) >= 10
            ),
            None,
        )

        def first(condition, acts=acts):
            return next((w.date() for w, s, k in acts if condition(s, k)), None)

        found[member] = {
            "first_seen_on": acts[0][0].date(),
            # Ties at the first moment: by source name, as the model breaks them.
            "first_source": min(s for w, s, _ in acts if w == acts[0][0]),
            "first_conversation_on": first(lambda s, k: k in TALKING),
            "first_contribution_on": first(lambda s, k: k in contribution_types()),
            "first_online_contribution_on": first(
                lambda s, k: k in contribution_types() and s != "events"
            ),
            "regular_on": regular,
        }
    return found


@pytest.mark.parametrize("by", ["cohort_month", "region", "first_source"])
@pytest.mark.parametrize("within", [90, None])
def test_every_step_of_every_group_is_the_drawn_one(synced, by, within):
    found = journeys(synced)
    today = clock.today()
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        regions = dict(con.execute("select member_id, region from members").fetchall())
        got = figures.funnel(
            figures.reader(con), figures.Filters(today - timedelta(days=89), today), by, within
        )
    history_month = min(j["first_seen_on"] for j in found.values()).replace(day=1)
    groups: dict[str, list[dict]] = defaultdict(list)
    for member, j in found.items():
        month = j["first_seen_on"].replace(day=1)
        if month == history_month:
            continue
        if within is not None and j["first_seen_on"] + timedelta(days=within) > today:
            continue
        key = {
            "cohort_month": f"{month:%Y-%m}",
            "region": regions[member],
            "first_source": j["first_source"],
        }[by]
        groups[key].append(j)
    assert groups, "the sample has newcomers to follow"

    def reached(j, step):
        day = j[step]
        return day is not None and (
            within is None or day <= j["first_seen_on"] + timedelta(days=within)
        )

    expected = {}
    for key, members in groups.items():
        row = {"first_seen": len(members)}
        for step, _ in figures.FUNNEL_STEPS:
            done = [j for j in members if reached(j, step)]
            name = step.removesuffix("_on")
            row[name] = len(done)
            row[f"{name}_days"] = (
                statistics.median((j[step] - j["first_seen_on"]).days for j in done)
                if done
                else None
            )
        row["first_seen_at_events"] = sum(j["first_source"] == "events" for j in members)
        row["events_to_online_contribution"] = sum(
            j["first_source"] == "events" and reached(j, "first_online_contribution_on")
            for j in members
        )
        expected[key] = row
    shown = {
        row["group"]: {
            k: (None if row[k] != row[k] else row[k])  # NaN: no one reached it
            for k in expected[next(iter(expected))]
        }
        for _, row in got.iterrows()
    }
    assert shown == expected


def test_the_page_compares_cohorts_and_says_how_many_went_from_events_to_online(
    synced, monkeypatch, tmp_path
):
    from tests.test_dashboard import PAGES, public_config, render

    for config in (synced["config"].path, public_config(synced, tmp_path)):
        app = render(config, monkeypatch, PAGES["Conversion"])
        table = app.dataframe[0].value
        assert "Month first seen" in table.columns and "Regular contributor (%)" in table.columns
        assert app.metric[0].label == "From a local community to global contribution"
        app.selectbox(key="funnel_by").set_value("region").run()
        assert not app.exception and "Region" in app.dataframe[0].value.columns
