"""All data access of the dashboard: read-only, short-lived, cached, parameterized.

The dashboard never opens the warehouse that dbt writes. It resolves the published
snapshot (see pipelines/publish.py), opens it read-only for one query and closes it, so
a sync never waits for the dashboard and the dashboard never waits for a sync. Results
are cached per snapshot file: a new publication is picked up on the next page load.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from pipelines.config import AcaciaConfig, config_path, load_config
from pipelines.publish import current_snapshot

WINDOW_DAYS = 90


def config() -> AcaciaConfig:
    """The configuration named by $ACACIA_CONFIG (cached per path)."""
    return _load(str(config_path()))


@st.cache_resource(ttl=60)
def _load(path: str) -> AcaciaConfig:
    return load_config(path)


def snapshot() -> Path | None:
    """The snapshot to read now (None until the first successful sync)."""
    return current_snapshot(config().storage.serving())


def today() -> date:
    return datetime.now(UTC).date()


@st.cache_data(ttl=600, show_spinner=False)
def query(snapshot_path: str, sql: str, params: tuple = ()) -> pd.DataFrame:
    """Run one parameterized query on a snapshot, opened read-only just for it."""
    with duckdb.connect(snapshot_path, read_only=True) as con:
        return con.execute(sql, list(params)).df()


def published_at(snapshot_path: str) -> datetime:
    return query(snapshot_path, "select published_at from _snapshot")["published_at"][0]


def window(end: date, days: int = WINDOW_DAYS) -> tuple[date, date]:
    """The ``days`` days ending on ``end`` (inclusive)."""
    return end - timedelta(days=days - 1), end


def previous_window(start: date, days: int = WINDOW_DAYS) -> tuple[date, date]:
    """The window of the same length just before the one starting on ``start``."""
    return window(start - timedelta(days=1), days)


def daily_members(snapshot_path: str, start: date, end: date) -> pd.DataFrame:
    """Active and new members per day, a row for every day of the window."""
    return query(
        snapshot_path,
        """
        select d.day as activity_date,
               coalesce(m.active_members, 0) as active_members,
               coalesce(m.new_members, 0) as new_members
        from (select cast(range as date) as day
              from range(?::date, ?::date + interval 1 day, interval 1 day)) as d
        left join daily_members as m on m.activity_date = d.day
        order by d.day""",
        (start, end),
    )


def weekly_activities(snapshot_path: str, start: date, end: date, by: str) -> pd.DataFrame:
    """Activities (people only) per week (starting Monday) and ``by``: "source" or
    "activity_type"."""
    if by not in ("source", "activity_type"):
        raise ValueError(f"cannot break activities down by {by!r}")
    return query(
        snapshot_path,
        f"""
        select date_trunc('week', activity_date)::date as week, {by},
               sum(activities) as activities
        from daily_activity
        where activity_date between ? and ? and activities > 0
        group by 1, 2 order by 1, 2""",
        (start, end),
    )


def headline(snapshot_path: str, start: date, end: date) -> dict[str, int]:
    """Active members, activities, contributors and new members in a window (no bots)."""
    row = query(
        snapshot_path,
        """
        select count(distinct member_id) as active_members,
               count(*) as activities,
               count(distinct member_id) filter (where category = 'contribution')
                   as contributors
        from activities
        where not is_bot and activity_date between ? and ?""",
        (start, end),
    ).iloc[0]
    new = query(
        snapshot_path,
        """
        select count(*) as n from (
            select member_id, min(activity_date) as first_day
            from activities where not is_bot group by member_id)
        where first_day between ? and ?""",
        (start, end),
    )["n"][0]
    return {
        "active_members": int(row.active_members),
        "activities": int(row.activities),
        "contributors": int(row.contributors),
        "new_members": int(new),
    }


def top_members(snapshot_path: str, start: date, end: date, limit: int = 10) -> pd.DataFrame:
    """The most active people of the window, by points (weights of acacia.yml)."""
    return query(
        snapshot_path,
        """
        select m.display_name as member, array_to_string(m.sources, ', ') as sources,
               coalesce(m.organization, '') as organization,
               sum(a.weight) as points, count(*) as activities,
               count(*) filter (where a.category = 'contribution') as contributions
        from activities as a join members as m using (member_id)
        where not a.is_bot and a.activity_date between ? and ?
        group by all
        order by points desc, activities desc, member
        limit ?""",
        (start, end, limit),
    )


def identity_suggestions(snapshot_path: str, limit: int = 500) -> pd.DataFrame:
    """Pending merge suggestions, strongest first (names and sources, never emails)."""
    return query(
        snapshot_path,
        """
        select suggestion_id as suggestion, name_a as "first account",
               split_part(identity_a, ':', 1) as "source", name_b as "second account",
               split_part(identity_b, ':', 1) as "other source", evidence, score
        from identity_suggestions
        order by score desc, suggestion_id
        limit ?""",
        (limit,),
    )


def organization_suggestions(snapshot_path: str) -> pd.DataFrame:
    return query(
        snapshot_path,
        "select domain, members from organization_suggestions order by members desc, domain",
    )
