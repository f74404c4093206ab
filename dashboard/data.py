"""The dashboard's data access: the published snapshot, its cached queries, and the rows
the pages list (a member's page, the cohorts' lists, events, suggestions). The figures
the pages chart and count are defined once in connectors/core/figures.py, read through
:func:`reader`; read-only, cached, parameterized either way.

The dashboard never opens the warehouse that dbt writes. It resolves the published
snapshot (see pipelines/storage/snapshot.py) and reads it through a read-only connection, so a
sync never waits for the dashboard and the dashboard never waits for a sync. A snapshot
is never written after it is published, so its connection is kept open and shared
(opening the file for every query cost tens of milliseconds a query); the connections
of the two latest snapshots stay open, older ones are closed. Results are cached per
snapshot file: a new publication is picked up on the next page load.

Every filter value reaches DuckDB as a query parameter (``?``), never inside the SQL
text; the only SQL built in Python is the choice between fixed fragments.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from connectors.core import figures, registry
from connectors.core.config import AcaciaConfig, config_path, load_config
from connectors.core.figures import Filters, like_literal, one_of
from pipelines.storage.snapshot import as_of_date, current_snapshot, open_snapshot

WINDOW_DAYS = 90
# How many members of each cohort the cohort_lists mart keeps (models/marts).
COHORT_LIST_LENGTH = 500


def config() -> AcaciaConfig:
    """The configuration named by $ACACIA_CONFIG (cached per path)."""
    return _load(str(config_path()))


@st.cache_resource(ttl=60)
def _load(path: str) -> AcaciaConfig:
    return load_config(path)


def snapshot() -> Path | None:
    """The snapshot to read now (None until the first successful sync)."""
    return current_snapshot(config().storage.serving())


@st.cache_data(ttl=600, show_spinner=False)
def as_of(snapshot_path: str) -> date:
    """The day the snapshot's marts end on (build_info): the dashboard's "today", so its
    windows are the marts' windows whatever day it is viewed on."""
    cursor = connection(snapshot_path).cursor()
    try:
        return as_of_date(cursor)
    finally:
        cursor.close()


_connections: dict[str, duckdb.DuckDBPyConnection] = {}
_connections_lock = threading.Lock()


def connection(snapshot_path: str) -> duckdb.DuckDBPyConnection:
    """The shared read-only connection of a snapshot (the two latest stay open)."""
    with _connections_lock:
        if snapshot_path not in _connections:
            _connections[snapshot_path] = open_snapshot(snapshot_path)
            while len(_connections) > 2:
                _connections.pop(next(iter(_connections))).close()
        return _connections[snapshot_path]


@st.cache_data(ttl=600, show_spinner=False, max_entries=2000)
def query(snapshot_path: str, sql: str, params: tuple = ()) -> pd.DataFrame:
    """Run one parameterized query on a snapshot (its own cursor, so sessions in other
    threads never share one). Tuples among the parameters are passed as lists
    (``?::varchar[]``)."""
    cursor = connection(snapshot_path).cursor()
    try:
        return cursor.execute(sql, figures.as_parameters(params)).df()
    finally:
        cursor.close()


def reader(snapshot_path: str) -> figures.Read:
    """connectors/core/figures.py's ``read`` over a snapshot (cached like every query)."""
    return lambda sql, params=(): query(snapshot_path, sql, params)


def published_at(snapshot_path: str) -> datetime:
    return query(snapshot_path, "select published_at from _snapshot")["published_at"][0]


def sync_status(snapshot_path: str) -> pd.DataFrame:
    """When each source last synced and how (empty for snapshots older than this)."""
    columns = ["source", "last_attempt_at", "last_success_at", "status", "message"]
    try:
        return query(
            snapshot_path,
            f"select {', '.join(columns)}, coalesce(items_rejected, 0) as items_rejected "
            "from _sync_status order by source",
        )
    except duckdb.BinderException:  # a snapshot from before items were set aside
        return query(
            snapshot_path,
            f"select {', '.join(columns)}, 0 as items_rejected from _sync_status order by source",
        )
    except duckdb.CatalogException:
        return pd.DataFrame(columns=[*columns, "items_rejected"])


def window(end: date, days: int = WINDOW_DAYS) -> tuple[date, date]:
    """The ``days`` days ending on ``end`` (inclusive)."""
    return figures.window(end, days)


def previous_window(start: date, days: int = WINDOW_DAYS) -> tuple[date, date]:
    """The window of the same length just before the one starting on ``start``."""
    return figures.previous_window(start, days)


# ---------------------------------------------------------------- choices for filters


def choices(snapshot_path: str) -> dict[str, list[str]]:
    """The values the filters offer: sources, activity types and organizations present."""
    found = query(
        snapshot_path,
        """
        select 'source' as kind, source as value from (select distinct source from daily_activity)
        union all
        select 'activity_type', activity_type
        from (select distinct activity_type from daily_activity)
        union all
        select 'organization', organization from organizations
        order by 1, 2""",
    )
    return {
        kind: list(found.loc[found["kind"] == kind, "value"])
        for kind in ("source", "activity_type", "organization")
    }


# ------------------------------------------------------------------------ overview


# ------------------------------------------------------------------------- members


def member(snapshot_path: str, member_id: str) -> dict[str, Any] | None:
    found = query(
        snapshot_path,
        """
        select m.*, s.activity_score, s.points_30d, s.engagement_level, s.previous_level,
               s.level_change, c.cohort
        from members as m
        left join member_scores as s using (member_id)
        left join member_cohorts as c using (member_id)
        where m.member_id = ?""",
        (member_id,),
    )
    return None if found.empty else found.iloc[0].to_dict()


def member_identities(snapshot_path: str, member_id: str) -> pd.DataFrame:
    return query(
        snapshot_path,
        """
        select source, username, display_name, profile_url,
               case merge_rule when 'email' then 'shared email'
                               when 'manual' then 'team decision'
                               when 'automatic' then 'evidence (automatic)'
                               when 'alone' then 'not merged'
                               else merge_rule end as "merged by"
        from identities where member_id = ? order by source, username""",
        (member_id,),
    )


def member_automatic_merges(snapshot_path: str, member_id: str) -> list[tuple]:
    """(suggestion id, identity a, identity b, name a, name b, evidence) of the merges
    made without asking that joined this member's accounts, most confident first."""
    return list(
        query(
            snapshot_path,
            """
            select suggestion_id, identity_a, identity_b, name_a, name_b, evidence
            from identity_suggestions
            where decision = 'automatic' and member_a = ? and member_b = ?
            order by score desc, suggestion_id""",
            (member_id, member_id),
        ).itertuples(index=False, name=None)
    )


def member_accounts(snapshot_path: str, member_id: str) -> list[tuple[str, str]]:
    """(identity key, how it reads) of each of a member's accounts, in key order."""
    return list(
        query(
            snapshot_path,
            """
            select identity_key, source || ': ' || coalesce(display_name, username, '')
                   || ' (' || coalesce(username, source_user_id) || ')'
            from identities where member_id = ? order by identity_key""",
            (member_id,),
        ).itertuples(index=False, name=None)
    )


def find_members(snapshot_path: str, search: str, limit: int = 20) -> list[tuple[str, str]]:
    """(member id, how it reads) of members whose name or username matches ``search``."""
    pattern = f"%{like_literal(search.strip())}%"
    return list(
        query(
            snapshot_path,
            """
            select member_id, any_value(coalesce(display_name, username)) || ' — '
                   || string_agg(distinct source, ', ' order by source)
            from identities
            where display_name ilike ? escape '\' or username ilike ? escape '\'
            group by member_id order by 2 limit ?""",
            (pattern, pattern, limit),
        ).itertuples(index=False, name=None)
    )


def score_breakdown(snapshot_path: str, member_id: str) -> pd.DataFrame:
    """Why the member's score is what it is: per activity type, the weight, how many,
    the plain points and the points left after decay."""
    return query(
        snapshot_path,
        """
        select activity_type, category, weight, activities, points,
               round(decayed_points, 2) as decayed_points, last_activity_date
        from score_breakdown where member_id = ?
        order by decayed_points desc, activity_type""",
        (member_id,),
    )


def level_history(
    snapshot_path: str, member_id: str, config: AcaciaConfig, months: int = 12
) -> pd.DataFrame:
    """The member's engagement level at the end of each of the last ``months`` months
    (and today), by the rule of member_scores (models/macros/scoring.sql): the level
    window's contributions and conversations against the thresholds of acacia.yml."""
    s = config.scoring
    return query(
        snapshot_path,
        """
        with ends as (
            select least(cast(date_trunc('month', ?::date) + to_months(i) - interval 1 day
                              as date), ?::date) as end_day
            from range(?, 2) as t(i)
        ),
        counts as (
            select e.end_day,
                   coalesce(sum(a.activities) filter (where a.category = 'contribution'), 0)
                       as contributions,
                   coalesce(sum(a.activities) filter (where a.category = 'conversation'), 0)
                       as conversations,
                   coalesce(sum(a.activities), 0) as activities
            from ends as e
            left join member_day_facts as a
              on a.member_id = ? and a.activity_date > e.end_day - ?::integer
             and a.activity_date <= e.end_day
            group by 1
        )
        select end_day as "as of", contributions, conversations,
               case when contributions >= ? then 'Core'
                    when contributions >= ? then 'Contributor'
                    when conversations >= ? then 'Participant'
                    when activities > 0 then 'Observer'
                    else 'Inactive' end as level
        from counts order by 1""",
        (
            as_of(snapshot_path),
            as_of(snapshot_path),
            1 - months,
            member_id,
            s.level_window_days,
            s.core_contributions,
            s.contributor_contributions,
            s.participant_conversations,
        ),
    )


def timeline(snapshot_path: str, member_id: str, limit: int = 300) -> pd.DataFrame:
    """The member's latest activities across sources, with links back to each item."""
    return query(
        snapshot_path,
        """
        select occurred_at, source, activity_type, channel, title, url, weight
        from activities where member_id = ?
        order by occurred_at desc, activity_key limit ?""",
        (member_id, limit),
    )


# ------------------------------------------------------------------- organizations


def organization_members(snapshot_path: str, f: Filters, organization: str):
    where, params = f.where()
    return query(
        snapshot_path,
        f"""
        select m.member_id, m.display_name as member, s.engagement_level as level,
               round(sum(a.points), 1) as points, sum(a.activities)::bigint as activities,
               cast(max(a.activity_date) as date) as last_active
        from {figures.FACTS} as a
        join members as m using (member_id)
        left join member_scores as s using (member_id)
        where {where} and a.organization = ?
        group by all order by points desc, activities desc, member, m.member_id""",
        (*params, organization),
    )


# ---------------------------------------------------------------------- engagement


def cohort(snapshot_path: str, f: Filters, flag: str, limit: int = 500) -> pd.DataFrame:
    """Members of one cohort (``is_new``, ``is_first_contribution``, ``is_returning``,
    ``is_at_risk``), most recently active first: the first ``limit`` of them, and how
    many there are in all (column ``total``)."""
    if flag not in ("is_new", "is_first_contribution", "is_returning", "is_at_risk"):
        raise ValueError(f"unknown cohort {flag!r}")
    if f.plain and limit <= COHORT_LIST_LENGTH:
        # Precomputed with the default filters (the cohort_lists mart).
        return query(
            snapshot_path,
            """
            select member_id, display_name as member, organization,
                   engagement_level as level, previous_level,
                   first_activity_date as first_activity,
                   first_contribution_date as first_contribution,
                   last_activity_date as last_activity, sources, total
            from cohort_lists where cohort = ? and staff_included = ?
            order by position limit ?""",
            (flag, f.include_staff, limit),
        )
    where, params = f.member_where("c")
    # The ordering and limit run on the raw columns, the total is a plain count, and
    # sources are joined into text for the chosen rows only: a window count or a
    # formatted column over every row of a large cohort cost ten times more.
    return query(
        snapshot_path,
        f"""
        select * replace (array_to_string(sources, ', ') as sources),
               (select count(*) from member_cohorts as c where {where} and c.{flag}) as total
        from (
            select c.member_id, c.display_name as member, c.organization,
                   c.engagement_level as level, c.previous_level,
                   c.first_activity_date as first_activity,
                   c.first_contribution_date as first_contribution,
                   c.last_activity_date as last_activity, c.sources
            from member_cohorts as c
            where {where} and c.{flag}
            order by c.last_activity_date desc, member, c.member_id
            limit ?
        )
        order by last_activity desc, member, member_id""",
        (*params, *params, limit),
    )


def latest_items(snapshot_path: str, member_ids: tuple[str, ...]) -> pd.DataFrame:
    """Each member's latest activity with a place to open (its title and link): where
    to answer them, thank them or reach out."""
    return query(
        snapshot_path,
        """
        select member_id,
               arg_max(nullif(title, ''), (occurred_at, activity_key)) as title,
               arg_max(activity_type, (occurred_at, activity_key)) as activity_type,
               arg_max(url, (occurred_at, activity_key)) as url
        from activities
        where list_contains(?::varchar[], member_id) and url is not null
        group by member_id""",
        (tuple(member_ids),),
    )


# ------------------------------------------------------------------ responsiveness


def unanswered(snapshot_path: str, f: Filters, limit: int = 500) -> pd.DataFrame:
    """Items opened in the window still without a response, oldest first."""
    sources, params = one_of("source", f.sources)
    return query(
        snapshot_path,
        f"""
        select opened_at, source, item_type, channel, title, url,
               date_diff('day', cast(opened_at as date), ?::date) as days_waiting
        from response_times
        where first_response_at is null and cast(opened_at as date) between ? and ?
          and {sources}
        order by opened_at, item_key limit ?""",
        (as_of(snapshot_path), f.start, f.end, *params, limit),
    )


# -------------------------------------------------------------------------- health


# -------------------------------------------------------------- channels and places


# -------------------------------------------------------------------------- events


def events(snapshot_path: str, f: Filters) -> pd.DataFrame:
    """The events of the window, the latest first (connectors/core/figures.py: the one
    definition, shared with the monthly update)."""
    return figures.events_held(reader(snapshot_path), f.start, f.end)


def event(snapshot_path: str, event_id: str) -> dict | None:
    """One event's row of the events mart (None when there is no such event)."""
    return figures.event(reader(snapshot_path), event_id)


def event_people(snapshot_path: str, event_id: str) -> pd.DataFrame:
    """Who came to an event and may be named (figures.event_people)."""
    return figures.event_people(reader(snapshot_path), event_id)


def event_ratings(snapshot_path: str, event_id: str) -> pd.DataFrame:
    return figures.event_ratings(reader(snapshot_path), event_id)


def event_quotes(snapshot_path: str, event_id: str) -> pd.DataFrame:
    return figures.event_quotes(reader(snapshot_path), event_id)


def event_themes(snapshot_path: str, event_id: str) -> pd.DataFrame:
    return figures.event_themes(reader(snapshot_path), event_id)


def place_themes(snapshot_path: str) -> pd.DataFrame:
    return figures.place_themes(reader(snapshot_path))


def place_theme_excerpts(snapshot_path: str, country: str, city: str) -> pd.DataFrame:
    return figures.place_theme_excerpts(reader(snapshot_path), country, city)


def event_days(snapshot_path: str, found: dict) -> pd.DataFrame:
    """The community's online activity by people (every source but events) on each day
    the impact of the event ``found`` (a row of events) reads: its trend days before it,
    and its after days after it; 0 on a day without any."""
    day = found["event_date"]
    start = day - timedelta(days=int(found["trend_days"]))
    end = day + timedelta(days=int(found["after_days"]))
    counted = query(
        snapshot_path,
        """
        select activity_date, sum(activities)::bigint as activities
        from daily_activity
        where not is_bot and not list_contains(?::varchar[], source)
          and activity_date between ? and ?
        group by activity_date""",
        (tuple(registry.attendance_sources()), start, end),
    )
    counted = counted.assign(activity_date=pd.to_datetime(counted["activity_date"]).dt.date)
    days = pd.DataFrame({"activity_date": pd.date_range(start, end).date})
    days = days[days["activity_date"] != day]
    merged = days.merge(counted, on="activity_date", how="left").fillna({"activities": 0})
    merged["day"] = [(d - day).days for d in merged["activity_date"]]
    return merged


def event_places(snapshot_path: str) -> pd.DataFrame:
    """Events compared across places (the event_places mart), countries then cities."""
    return query(
        snapshot_path,
        """
        select level, region, country, city, is_priority, events, last_event_date,
               attendances, first_timers, retention_measured, retained, retention_rate,
               active_members
        from event_places
        order by level desc, attendances desc, country, city""",
    )


def place_months(snapshot_path: str) -> pd.DataFrame:
    """The priority places against the others, month by month (place_monthly)."""
    return query(snapshot_path, "select * from place_monthly order by month, is_priority desc")


# --------------------------------------------------------------------- suggestions


def identity_suggestions(
    snapshot_path: str, decision: str = "review", limit: int = 500
) -> pd.DataFrame:
    """Merge suggestions waiting for review (or, with decision "automatic", the merges
    made without asking), most confident first (names and sources, never emails)."""
    return query(
        snapshot_path,
        """
        select score as confidence, name_a as "first account",
               split_part(identity_a, ':', 1) as "source", name_b as "second account",
               split_part(identity_b, ':', 1) as "other source", evidence,
               suggestion_id as suggestion
        from (
            select * from identity_suggestions where decision = ?
            order by score desc, suggestion_id limit ?
        )
        order by confidence desc, suggestion""",
        (decision, limit),
    )


def members_of(snapshot_path: str, keys: tuple[str, ...]) -> dict[str, str]:
    """identity key -> member id for ``keys`` (what the team keeps, by account): only
    those rows, not the identities of a whole community on every page load."""
    if not keys:
        return {}
    found = query(
        snapshot_path,
        "select identity_key, member_id from identities "
        "where list_contains(?::varchar[], identity_key)",
        (keys,),
    )
    return dict(zip(found["identity_key"], found["member_id"], strict=True))


def rule_tags(snapshot_path: str) -> pd.DataFrame:
    """The member_tags mart (member_id, tag, origin): the rules' tags and the team's as
    of the last build."""
    return query(snapshot_path, "select member_id, tag, origin from member_tags")


def suggestion_pairs(snapshot_path: str, decision: str, limit: int = 5000) -> list[tuple]:
    """(suggestion id, identity a, identity b, confidence, name a, name b, evidence) of
    the suggestions with ``decision``, most confident first: what the buttons decide."""
    return list(
        query(
            snapshot_path,
            """
            select suggestion_id, identity_a, identity_b, score, name_a, name_b, evidence
            from identity_suggestions where decision = ?
            order by score desc, suggestion_id limit ?""",
            (decision, limit),
        ).itertuples(index=False, name=None)
    )


def organization_suggestions(snapshot_path: str) -> pd.DataFrame:
    return query(
        snapshot_path,
        "select domain, members from organization_suggestions order by members desc, domain",
    )
