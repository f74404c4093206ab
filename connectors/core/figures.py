"""The community's figures, each defined once, for the dashboard and the monthly update:
the headline, the leaderboard, the trends, new and returning members, the organizations'
points, the levels, response times, channels, places and health. The dashboard reads
them through its cached reader (dashboard/data.py ``reader``), the update through a
connection's; the dashboard writes no figure's SQL of its own.

A figure is a mart filtered and summed. The marts precompute the figures of the
standard windows (the last 30, 90, 180 and 365 days up to the build date) with the
default filters, staff included and left out: ``window_summary`` (the headline),
``member_windows`` (points per member). ``daily_activity`` carries staff, bots, source
and type as columns, so the trends read it with any of those filters. Any other view (a
source, a type, an organization, a tag, a date range such as a calendar month) sums
``member_day_facts``, the member-day rollup that carries every filter as a column.
Nothing here counts single activities. Both ways are pinned equal, window by window, by
tests/test_dashboard.py::test_precomputed_figures_equal_counting_the_activities.

Definitions shared by every page and the update:

- *active member*: a member with an activity in the window (bots only when asked for);
- *new member*: an active member whose ``members.joined_on`` (the day of their first
  activity ever; none for a deleted account, nobody to welcome) is in the window: the
  members mart defines it once, for the marts, these figures and the dashboard;
- *first contribution*: ``members.first_contribution_date`` in the window;
- *points*: activities times their type's weight (acacia.yml ``scoring.weights``).

Every function takes ``read``: run one parameterized query and return a DataFrame (the
dashboard's cached ``query``, or :func:`reader` over a connection). Filter values reach
DuckDB as parameters, never inside the SQL text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from connectors.core import registry

#: Run one parameterized query (tuples among the parameters are lists in SQL).
Read = Callable[[str, tuple], pd.DataFrame]

#: The member-day mart every figure sums when the marts do not precompute it.
FACTS = "member_day_facts"


def reader(con: duckdb.DuckDBPyConnection) -> Read:
    """``read`` over an open connection (each query on its own cursor)."""

    def read(sql: str, params: tuple = ()) -> pd.DataFrame:
        cursor = con.cursor()
        try:
            return cursor.execute(sql, as_parameters(params)).df()
        finally:
            cursor.close()

    return read


def as_parameters(params: tuple) -> list[Any]:
    """Query parameters for DuckDB: tuples become lists (``?::varchar[]``)."""
    return [list(p) if isinstance(p, tuple) else p for p in params]


def window(end: date, days: int) -> tuple[date, date]:
    """The ``days`` days ending on ``end`` (inclusive)."""
    return end - timedelta(days=days - 1), end


def previous_window(start: date, days: int) -> tuple[date, date]:
    """The window of the same length just before the one starting on ``start``."""
    return window(start - timedelta(days=1), days)


def one_of(column: str, values: tuple[str, ...]) -> tuple[str, tuple]:
    """A condition that ``column`` is one of ``values`` (true when there are none), and
    its parameter."""
    if not values:
        return "true", ()
    return f"list_contains(?::varchar[], {column})", (tuple(values),)


@dataclass(frozen=True)
class Filters:
    """What the dashboard's sidebar (or the update's settings) selects. Empty tuples
    mean "all"."""

    start: date
    end: date
    sources: tuple[str, ...] = ()
    activity_types: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    include_bots: bool = False
    include_staff: bool = True
    #: Only these members (the ones with a chosen tag); None: everyone.
    members: tuple[str, ...] | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The same filters over the window of the same length just before."""
        start, end = previous_window(self.start, self.days)
        return replace(self, start=start, end=end)

    @property
    def plain(self) -> bool:
        """People only, nothing narrowed, staff included or left out: the precomputed
        marts answer for the standard windows (window_summary, weekly_members,
        member_windows, channel_windows, region_windows, cohort_lists), each holding both
        staff variants (``staff_included``). (daily_activity carries staff, bots,
        source and type as columns, so trends read it whatever those filters.)"""
        return not (
            self.sources
            or self.activity_types
            or self.organizations
            or self.include_bots
            or self.members is not None
        )

    def where(self, alias: str = "a", dates: bool = True) -> tuple[str, tuple]:
        """A WHERE condition on member_day_facts (or the activities) as ``alias``, and
        its parameters."""
        clauses, params = ["true"], []
        if dates:
            clauses.append(f"{alias}.activity_date between ? and ?")
            params += [self.start, self.end]
        for column, values in (
            ("source", self.sources),
            ("activity_type", self.activity_types),
            ("organization", self.organizations),
        ):
            clause, values = one_of(f"{alias}.{column}", values)
            clauses.append(clause)
            params += values
        if not self.include_bots:
            clauses.append(f"not {alias}.is_bot")
        if not self.include_staff:
            clauses.append(f"not {alias}.is_staff")
        if self.members is not None:
            clauses.append(f"list_contains(?::varchar[], {alias}.member_id)")
            params.append(tuple(self.members))
        return " and ".join(clauses), tuple(params)

    def member_where(self, alias: str = "m") -> tuple[str, tuple]:
        """The filters that apply to a member-level mart (members, member_scores,
        member_cohorts: no dates or types)."""
        clauses, params = ["true"], []
        if self.sources:
            clauses.append(f"list_has_any({alias}.sources, ?::varchar[])")
            params.append(tuple(self.sources))
        clause, values = one_of(f"{alias}.organization", self.organizations)
        clauses.append(clause)
        params += values
        if not self.include_bots:
            clauses.append(f"not {alias}.is_bot")
        if not self.include_staff:
            clauses.append(f"not ({alias}.is_staff or {alias}.is_staff_organization)")
        if self.members is not None:
            clauses.append(f"list_contains(?::varchar[], {alias}.member_id)")
            params.append(tuple(self.members))
        return " and ".join(clauses), tuple(params)


def standard_window(read: Read, f: Filters) -> bool:
    """Whether the window is one the marts precompute (30, 90, 180 or 365 days ending
    on the build date)."""
    return not read(
        "select 1 from window_summary where windows_ago = 0 and start_date = ? and end_date = ?",
        (f.start, f.end),
    ).empty


# ----------------------------------------------------------------------- headline

HEADLINE = ("active_members", "new_members", "contributions", "contributors", "activities")


def headline(read: Read, f: Filters) -> dict[str, int]:
    """Active members, new members, contributions, contributors and activities in the
    window (see the module's definitions)."""
    if f.plain:
        found = read(
            f"""
            select {", ".join(HEADLINE)} from window_summary
            where start_date = ? and end_date = ? and staff_included = ?""",
            (f.start, f.end, f.include_staff),
        )
        if not found.empty:
            row = found.iloc[0]
            return {key: int(row[key]) for key in HEADLINE}
    # Per member first, then the figures: new members are the active ones first seen in
    # the window (a small set to look up, rather than every member-day joined to members).
    where, params = f.where()
    row = read(
        f"""
        with per_member as (
            select a.member_id, sum(a.activities) as activities,
                   coalesce(sum(a.activities) filter (where a.category = 'contribution'), 0)
                       as contributions
            from {FACTS} as a where {where} group by 1
        )
        select count(*) as active_members,
               count(*) filter (where member_id in (
                   select member_id from members where joined_on >= ?
               )) as new_members,
               coalesce(sum(contributions), 0) as contributions,
               count(*) filter (where contributions > 0) as contributors,
               coalesce(sum(activities), 0) as activities
        from per_member""",
        (*params, f.start),
    ).iloc[0]
    return {key: int(row[key]) for key in HEADLINE}


# ------------------------------------------------------------------------- members

LEADERBOARD_LENGTH = 200


def like_literal(text: str) -> str:
    """``text`` for a LIKE pattern (with ``escape '\\'``), matching only itself."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def leaderboard(read: Read, f: Filters, search: str = "", limit: int = LEADERBOARD_LENGTH):
    """Members by points in the window (then activities, then name), with their score,
    level, organization, sources and last activity. ``search`` matches names and
    usernames (any case). The monthly update's top contributors are its first rows."""
    where, params = f.where()
    window_points = f"""
        select a.member_id, sum(a.points) as points, sum(a.activities)::bigint as activities,
               coalesce(sum(a.activities) filter (where a.category = 'contribution'), 0)::bigint
                   as contributions
        from {FACTS} as a where {where} group by 1"""
    # Summed from the member-days, the points are kept for the two reads below;
    # precomputed, reading the mart twice is cheaper than copying it.
    materialized = "materialized"
    if f.plain and standard_window(read, f):
        # Precomputed per member for the standard windows (the member_windows mart).
        window_points = """
            select member_id, points, activities, contributions
            from member_windows
            where start_date = ? and end_date = ? and staff_included = ?"""
        params = (f.start, f.end, f.include_staff)
        materialized = "not materialized"
    # What was typed is matched as typed: % and _ are LIKE's wildcards, escaped here.
    pattern = f"%{like_literal(search.strip())}%" if search.strip() else None
    # Without a search, only members at least as far up as the limit-th can be on the
    # board (``cut``): the names and scores of a million members are not read to show
    # two hundred. Sources become text for the chosen rows only.
    return read(
        f"""
        with window_points as {materialized} ({window_points}),
        cut as (
            select points, activities from window_points
            order by points desc, activities desc limit 1 offset ?
        ),
        candidates as (
            select * from window_points as w
            where ?::varchar is not null
               or not exists (select 1 from cut)
               or w.points > (select points from cut)
               or (w.points = (select points from cut)
                   and w.activities >= (select activities from cut))
        )
        select * replace (array_to_string(sources, ', ') as sources)
        from (
            select m.member_id, m.display_name as member, s.engagement_level as level,
                   round(s.activity_score, 1) as score, round(w.points, 1) as points,
                   w.activities, w.contributions, m.organization, m.sources,
                   cast(m.last_seen_at as date) as last_seen, w.points as exact_points
            from candidates as w
            join members as m using (member_id)
            left join member_scores as s using (member_id)
            where ?::varchar is null
               or m.display_name ilike ? escape '\\'
               or m.member_id in (
                   select member_id from identities where username ilike ? escape '\\'
               )
            order by w.points desc, w.activities desc, m.display_name, m.member_id
            limit ?
        )
        order by exact_points desc, activities desc, member, member_id""",
        (*params, max(limit - 1, 0), pattern, pattern, pattern, pattern, limit),
    ).drop(columns="exact_points")


def firsts(read: Read, f: Filters, first: str, limit: int) -> tuple[list[str], int]:
    """Names of the members whose ``first`` (``activity``: their first activity ever,
    ``contribution``: their first contribution) falls in the window, by that day then
    name, the first ``limit`` of them; and how many there are. Deleted accounts aside."""
    column = {
        "activity": "m.joined_on",
        "contribution": "m.first_contribution_date",
    }[first]
    where, params = f.member_where("m")
    found = read(
        f"""
        select m.display_name as name, count(*) over () as total
        from members as m
        where {where} and not m.is_deleted and {column} between ? and ?
        order by {column}, name, m.member_id
        limit greatest(?, 1)""",
        (*params, f.start, f.end, limit),
    )
    total = int(found["total"].iloc[0]) if len(found) else 0
    return list(found["name"])[:limit], total


# ------------------------------------------------------------------- organizations


def organization_points(read: Read, f: Filters, limit: int) -> pd.DataFrame:
    """Organizations by points in the window (then active members, then name), with
    their active members: points of their members' activities while with them."""
    where, params = f.where()
    return read(
        f"""
        select a.organization, sum(a.points) as points,
               count(distinct a.member_id) as members
        from {FACTS} as a
        where {where} and a.organization is not null
        group by 1 order by points desc, members desc, 1 limit ?""",
        (*params, limit),
    )


def events_held(read: Read, start: date, end: date) -> pd.DataFrame:
    """The events held from ``start`` to ``end`` (both included), the latest first, with
    their attendance, first-timers, returners and impact (the events mart): the Events
    page's list and the monthly update's events."""
    return read(
        """
        select event_id, event_date, event, place, format, attendees, first_timers,
               came_back, impact, impact_status, after_until, region
        from events where event_date between ? and ?
        order by event_date desc, event""",
        (start, end),
    )


def events_listed(read: Read, after: date) -> pd.DataFrame:
    """The events listed after ``after`` (the event list: the events folder's list,
    Meetup, calendar feeds; each event once), the soonest first: the Events page's
    coming events."""
    return read(
        """
        select event_id, event_date, starts_at, event, format,
               coalesce(concat_ws(', ', city, country), '') as place,
               local_group, coalesce(event_url, join_url) as url, sources
        from event_list where event_date > ?
        order by event_date, starts_at, event""",
        (after,),
    )


def event(read: Read, event_id: str) -> dict | None:
    """One event's row of the events mart, as Python reads it (days as dates, nothing as
    None); None when there is no such event: its page and its report."""
    found = read("select * from events where event_id = ?", (event_id,))
    if found.empty:
        return None
    return {
        key: None if pd.isna(value) else value.date() if isinstance(value, pd.Timestamp) else value
        for key, value in found.iloc[0].to_dict().items()
    }


def event_people(read: Read, event_id: str) -> pd.DataFrame:
    """Who came to an event and may be named: their role, whether it was their first
    time, whether they came to a later event, and their online activity around it. The
    people who asked not to be named are never read here (the events mart counts them)."""
    return read(
        """
        select a.member_id, m.display_name as member, a.role, m.organization,
               a.is_first_timer as first_time, a.came_back,
               a.activities_before, a.activities_after, a.activities_retention
        from event_attendance as a
        join members as m using (member_id)
        where a.event_id = ? and a.is_named
        order by case a.role when 'organizer' then 0 when 'speaker' then 1
                             when 'volunteer' then 2 else 3 end,
                 m.display_name, a.member_id""",
        (event_id,),
    )


def event_ratings(read: Read, event_id: str) -> pd.DataFrame:
    """An event's feedback ratings: how many responses gave each rating on the survey's
    scale, every step of the scale shown (0 where nobody chose it)."""
    return read(
        """
        with scale as (
            select min(scale_min)::int as low, max(scale_max)::int as high
            from event_feedback where event_id = ?
        ),
        steps as (
            select unnest(range(low, high + 1))::double as rating from scale
        )
        select s.rating, count(f.response_id) as responses
        from steps as s
        left join event_feedback as f on f.event_id = ? and f.rating = s.rating
        group by s.rating order by s.rating""",
        (event_id, event_id),
    )


def event_quotes(read: Read, event_id: str) -> pd.DataFrame:
    """The answers of an event's feedback that may be quoted (the respondent agreed):
    each question's different answers, the most given first, with how many responses
    gave it. Never the respondent's name: a quote is shown without it."""
    return read(
        """
        select a.key as question, a.value as answer, count(*) as responses
        from event_feedback as f,
             lateral (select unnest(json_keys(f.answers)) as key) as k,
             lateral (select k.key, f.answers ->> k.key as value) as a
        where f.event_id = ? and f.may_quote and coalesce(a.value, '') <> ''
        group by all
        order by a.key, responses desc, a.value""",
        (event_id,),
    )


def impact_text(row: dict | pd.Series) -> str:
    """An event's impact as it reads: "+12%", or why there is none yet."""
    status = row["impact_status"]
    if status == "too early to tell":
        return f"too early to tell (until {row['after_until']:%d %b %Y})"
    if status != "measured" or row["impact"] is None or pd.isna(row["impact"]):
        return status if status != "measured" else "no activity predicted"
    return f"{row['impact']:+.0%}"


def impact_working(found: dict) -> str:
    """How an event's impact was worked out, in words (Markdown): the trend fitted on
    the days before it, what it predicted, what there was. Its page and its report."""
    trend, after = int(found["trend_days"]), int(found["after_days"])
    status = found["impact_status"]
    if status == "too early to tell":
        return (
            f"Too early to tell: the impact is measured over the {after} days after the "
            f"event, which end on {found['after_until']:%d %b %Y}."
        )
    if status == "no history before it":
        return (
            f"No history before it: the trend needs the {trend} days before the event, "
            "and the data begins later."
        )
    predicted, actual = float(found["predicted_after"]), int(found["community_after"])
    return (
        f"The community's online activity by people (every source but events) on "
        f"each of the {trend} days before the event, fitted with a straight line "
        f"(least squares: {found['trend_intercept']:,.1f} "
        f"{'+' if found['trend_slope'] >= 0 else '−'} "
        f"{abs(found['trend_slope']):,.2f} × day), predicted **{predicted:,.0f}** "
        f"activities in the {after} days after it. There were **{actual:,}**: "
        f"{actual:,} ÷ {predicted:,.0f} − 1 = **{impact_text(found)}**."
    )


def event_themes(read: Read, event_id: str) -> pd.DataFrame:
    """An event's themes (the themes mart: its notes and quotable feedback), heaviest
    first: theme, how many texts say it, its excerpts (a JSON list)."""
    return read(
        """
        select theme_rank, theme, texts, place_texts, excerpts
        from themes where level = 'event' and event_id = ? order by theme_rank""",
        (event_id,),
    )


def place_themes(read: Read) -> pd.DataFrame:
    """Each city's themes (what its members' messages, its events' notes and quotable
    feedback say), the places with the most texts first: one row per city, its themes
    in order ("onboarding (176), documentation (106), …") and how many texts were read."""
    return read(
        """
        select region, country, city, max(place_texts) as texts_read,
               string_agg(theme || ' (' || texts || ')', ', ' order by theme_rank) as themes
        from themes where level = 'city'
        group by all order by texts_read desc, country, city""",
        (),
    )


def place_theme_excerpts(read: Read, country: str, city: str) -> pd.DataFrame:
    """A city's themes with their excerpts, heaviest first."""
    return read(
        """
        select theme_rank, theme, texts, excerpts from themes
        where level = 'city' and country = ? and city = ? order by theme_rank""",
        (country, city),
    )


def local_groups(read: Read) -> pd.DataFrame:
    """The local groups (the local_groups mart), priority places first, then the most
    events held: the Local communities page and the directory's export."""
    return read(
        """
        select local_group, region, country, city, is_priority, events_held,
               last_event, last_event_date, next_event, next_event_date, organizers,
               organizer_members, active_members, join_url
        from local_groups
        order by is_priority desc, events_held desc, local_group""",
        (),
    )


#: What a saved list may filter on (pipelines/storage/team_store.py saved_lists).
LIST_FILTERS = ("tags", "places", "sources", "levels", "events")


def list_members(read: Read, chosen: dict[str, list[str]], tagged: set[str]) -> pd.DataFrame:
    """The members a saved list names: all of its criteria at once, any value of each
    (``tags``: the members in ``tagged``, who carry one of the list's tags; ``places``:
    a region, country or city they live in; ``sources``: where they have an account;
    ``levels``: their engagement level, Inactive for none; ``events``: event ids they
    came to). The most points in the last 90 days first."""
    places, sources = chosen.get("places") or [], chosen.get("sources") or []
    levels, events = chosen.get("levels") or [], chosen.get("events") or []
    return read(
        """
        select m.member_id, m.display_name as member, m.organization,
               concat_ws(', ', m.city, m.country) as place,
               coalesce(s.engagement_level, 'Inactive') as level,
               array_to_string(m.sources, ', ') as sources,
               (select count(distinct a.event_id) from event_attendance as a
                where a.member_id = m.member_id) as events_attended,
               cast(m.last_seen_at as date) as last_seen
        from members as m
        left join member_scores as s using (member_id)
        where not m.is_bot
          and (not ? or m.member_id in (select unnest(?::varchar[])))
          and (len(?::varchar[]) = 0 or m.region in (select unnest(?::varchar[]))
               or m.country in (select unnest(?::varchar[]))
               or m.city in (select unnest(?::varchar[])))
          and (len(?::varchar[]) = 0 or list_has_any(m.sources, ?::varchar[]))
          and (len(?::varchar[]) = 0
               or coalesce(s.engagement_level, 'Inactive') in (select unnest(?::varchar[])))
          and (len(?::varchar[]) = 0 or m.member_id in (
               select member_id from event_attendance
               where event_id in (select unnest(?::varchar[]))))
        order by s.activity_score desc nulls last, m.display_name, m.member_id""",
        (
            bool(chosen.get("tags")),
            tuple(sorted(tagged)),
            tuple(places),
            tuple(places),
            tuple(places),
            tuple(places),
            tuple(sources),
            tuple(sources),
            tuple(levels),
            tuple(levels),
            tuple(events),
            tuple(events),
        ),
    )


# ------------------------------------------------------------ the dashboard's figures


def weeks(start: date, end: date) -> list[date]:
    """The weeks of the window from ``start`` to ``end``, each by its first day in the
    window: ``start`` itself, then the Mondays after it (see period_sql)."""
    mondays = start - timedelta(days=start.weekday()) + timedelta(days=7)
    return [start, *(mondays + timedelta(days=7 * i) for i in range((end - mondays).days // 7 + 1))]


def period_sql(column: str, grain: str) -> str:
    """SQL for the period of ``column`` (a date) in a window whose first day is the
    next parameter: the day itself, or its week (Monday to Sunday) counted from the
    window's first day, so the first week starts where the window starts."""
    if grain == "day":
        return f"{column}::date"
    if grain == "week":
        return f"greatest(date_trunc('week', {column})::date, ?::date)"
    raise ValueError(f"no period {grain!r}")


def period_days(period: date, grain: str, start: date, end: date) -> int:
    """How many days of ``period`` (as period_sql names it) fall in the window: 7 for a
    whole week, fewer for a week the window cuts short."""
    if grain == "day":
        return 1
    monday = period - timedelta(days=period.weekday())
    return (min(monday + timedelta(days=6), end) - max(period, start)).days + 1


def trend(read: Read, f: Filters, grain: str, by: str) -> pd.DataFrame:
    """Activities per day or week (``grain``) and ``by`` (source, activity_type or
    category): daily_activity filtered and summed (it carries staff, bots, source and
    type), or member_day_facts for an organization or a tag. One query either way."""
    if grain not in ("day", "week") or by not in ("source", "activity_type", "category"):
        raise ValueError(f"no trend by {grain!r} and {by!r}")
    by_member = f.organizations or f.members is not None
    where, params = f.where()
    return read(
        f"""
        select {period_sql("a.activity_date", grain)} as period, a.{by} as {by},
               sum(a.activities)::bigint as activities
        from {FACTS if by_member else "daily_activity"} as a
        where {where}
        group by all order by 1, 2""",
        ((f.start,) if grain == "week" else ()) + params,
    )


def new_and_returning(read: Read, f: Filters) -> pd.DataFrame:
    """Per week of the window (the first one from the window's first day, see
    period_sql): members active that week for the first time ever, and members seen
    before."""
    if f.plain and standard_window(read, f):
        # Precomputed: whole weeks, and the first week of each standard window from its
        # first day (weekly_members).
        return read(
            """
            select week, new_members, active_members - new_members as returning_members
            from weekly_members
            where staff_included = ?
              and (week = ? or (week > ? and isodow(week) = 1 and week <= ?))
            order by week""",
            (f.include_staff, f.start, f.start, f.end),
        )
    # A member active in a week is new when first seen that same week (within the
    # window); only members first seen since the window started are looked up.
    where, params = f.where()
    return read(
        f"""
        with member_weeks as (
            select distinct {period_sql("a.activity_date", "week")} as week, a.member_id
            from {FACTS} as a
            where {where}
        ),
        first_weeks as (
            select member_id, {period_sql("joined_on", "week")} as first_week
            from members where joined_on >= ?
        )
        select w.week,
               count(*) filter (where f.first_week = w.week) as new_members,
               count(*) filter (where f.first_week is distinct from w.week)
                   as returning_members
        from member_weeks as w left join first_weeks as f using (member_id)
        group by 1 order by 1""",
        (f.start, *params, f.start, f.start),
    )


def partner_ranking(read: Read, f: Filters) -> pd.DataFrame:
    clauses, params = one_of("organization", f.organizations)
    return read(
        f"""
        select rank, organization, round(score, 1) as score,
               round(previous_score, 1) as previous_score, round(change, 1) as change,
               active_members, contributors, contributions_90d, event_hosts,
               points_by_source
        from partner_ranking where {clauses} order by rank""",
        params,
    )


def organization_trend(read: Read, f: Filters, organizations: list[str]):
    """Weekly points of ``organizations`` over the window (weeks as period_sql counts
    them; from the activities mart, so the sidebar's filters apply)."""
    where, params = f.where()
    return read(
        f"""
        select {period_sql("a.activity_date", "week")} as week, a.organization,
               round(sum(a.points), 1) as points, count(distinct a.member_id) as members
        from {FACTS} as a
        where {where} and list_contains(?::varchar[], a.organization)
        group by all order by 1, 2""",
        (f.start, *params, tuple(organizations)),
    )


def organization_breakdown(read: Read, f: Filters, organization: str):
    """An organization's activities and points by source and type in the window."""
    where, params = f.where()
    return read(
        f"""
        select a.source, a.activity_type, sum(a.activities)::bigint as activities,
               round(sum(a.points), 1) as points, count(distinct a.member_id) as members
        from {FACTS} as a
        where {where} and a.organization = ?
        group by all order by points desc, activities desc""",
        (*params, organization),
    )


def level_funnel(read: Read, f: Filters) -> pd.DataFrame:
    where, params = f.member_where("s")
    return read(
        f"""
        select s.engagement_level as level, count(*) as members
        from member_scores as s
        where {where} and s.engagement_level is not null
        group by 1""",
        params,
    )


def level_movements(read: Read, f: Filters) -> pd.DataFrame:
    """How many members moved from each level of the previous window to each level of
    this one (inactive when they had none)."""
    where, params = f.member_where("s")
    return read(
        f"""
        select coalesce(s.previous_level, 'Inactive') as previous_level,
               coalesce(s.engagement_level, 'Inactive') as level, count(*) as members
        from member_scores as s
        where {where}
          and (s.engagement_level is not null or s.previous_level is not null)
        group by all""",
        params,
    )


# ------------------------------------------------------------------- outreach

#: The order of the lapsed list: what they gave (points, then contributions), then name.
LAPSED_ORDER = "l.points desc, l.contributions desc, l.display_name, l.member_id"


def lapsed(read: Read, f: Filters, limit: int = 500) -> pd.DataFrame:
    """The contributors lapsed now (the lapsed_members mart, README, Bring people back),
    ranked by what they gave, the first ``limit``; ``total`` counts them all."""
    where, params = f.member_where("l")
    return read(
        f"""
        select row_number() over (order by {LAPSED_ORDER}) as rank,
               l.member_id, l.display_name as member, l.organization, l.country,
               l.last_active_on, l.silent_days, l.contributions, l.points,
               l.active_sources, l.reach_source, l.reach_channel,
               l.last_contribution_type, l.last_contribution_title,
               l.last_contribution_url, l.last_contribution_at, l.members_joined_since,
               l.contributions_since, l.reached_out_on,
               count(*) over () as total
        from lapsed_members as l
        where {where}
        order by rank
        limit ?""",
        (*params, limit),
    )


def outreach_message(template: str, row: dict | pd.Series, community: str) -> str:
    """The message to start from for one lapsed member (a row of :func:`lapsed`), from
    acacia.yml's outreach.message (its fields: connectors/core/config.py MESSAGE_FIELDS)."""
    from connectors.core.registry import type_label

    name = str(row["member"])
    kind = row.get("last_contribution_type")
    title = row.get("last_contribution_title")
    what = "your last contribution"
    if isinstance(kind, str):
        what += (
            f" ({type_label(kind)}: “{title}”)"
            if isinstance(title, str) and title
            else (f" ({type_label(kind)})")
        )
    last = row.get("last_contribution_at")
    last = row["last_active_on"] if last is None or pd.isna(last) else last
    joined, made = int(row["members_joined_since"]), int(row["contributions_since"])
    since = (
        f"{joined:,} new member{'s' if joined != 1 else ''} joined and "
        f"{made:,} contribution{'s' if made != 1 else ''} were made"
    )
    return template.format(
        first_name=name.split()[0] if name.split() else name,
        name=name,
        community=community,
        last_contribution=what,
        last_date=f"{pd.Timestamp(last):%-d %B %Y}",
        since=since,
    )


def reactivation(
    read: Read, f: Filters, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """Month by month (of the reference day: reached out, else lapsed), for the lapsed
    members the team reached out to and the ones nobody contacted: how many lapsed,
    how many of them can be told yet (30 and 90 days past) and how many of those were
    active again within 30 and 90 days, and the rates (README, Bring people back).
    ``start`` and ``end``: the first and last month (their first days), when given."""
    where, params = f.member_where("l")
    months = [
        (c, v) for c, v in (("l.reference_month >= ?", start), ("l.reference_month <= ?", end)) if v
    ]
    since = " and ".join(["true", *(c for c, _ in months)])
    found = read(
        f"""
        select l.reference_month as month, l.is_contacted,
               count(*) as lapsed,
               count(l.back_within_30d) as told_30d,
               count(*) filter (where l.back_within_30d) as back_30d,
               count(l.back_within_90d) as told_90d,
               count(*) filter (where l.back_within_90d) as back_90d
        from lapses as l
        where {where} and {since}
        group by all
        order by month, l.is_contacted desc""",
        (*params, *(v for _, v in months)),
    )
    for days in (30, 90):
        told = found[f"told_{days}d"]
        found[f"rate_{days}d"] = (found[f"back_{days}d"] / told.where(told > 0)).astype(float)
    return found


def reactivation_totals(monthly: pd.DataFrame) -> dict[bool, dict[str, int]]:
    """The months of :func:`reactivation` added up, for the contacted (True) and the
    others (False)."""
    columns = ["lapsed", "told_30d", "back_30d", "told_90d", "back_90d"]
    return {
        contacted: {
            c: int(monthly.loc[monthly["is_contacted"] == contacted, c].sum()) for c in columns
        }
        for contacted in (True, False)
    }


# ----------------------------------------------------------------- ambassadors


def ambassador_candidates(read: Read, f: Filters, everyone: bool = False) -> pd.DataFrame:
    """The ambassador candidates (mart ambassador_candidates; README, Ambassadors and
    liaisons) by place (region, country, city), the most reasons first, then points;
    ``everyone``: the members meeting any reason too."""
    where, params = f.member_where("a")
    return read(
        f"""
        select a.member_id, a.display_name as member, a.organization, a.city, a.country,
               a.region, a.sources_active, a.people_answered, a.newcomers_answered,
               a.accepted_answers, a.events_organized, a.events_spoke, a.events_led,
               a.contributions, a.points, a.last_active_on, a.is_recent, a.reasons_met,
               a.is_candidate
        from ambassador_candidates as a
        where {where} and ({"true" if everyone else "a.is_candidate"})
        order by a.region, a.country nulls last, a.city nulls last, a.reasons_met desc,
                 a.points desc, a.member_id""",
        params,
    )


def ambassador_reasons(row: dict | pd.Series, settings: Any, today: date) -> list[str]:
    """The reasons a member is a candidate, in words with the figures behind them
    (acacia.yml ambassadors: which thresholds each meets)."""
    said = []
    if row["sources_active"] >= settings.sources:
        said.append(f"active on {row['sources_active']} sources")
    if row["people_answered"] >= settings.people_answered:
        said.append(f"answered {row['people_answered']} people")
    if row["newcomers_answered"] >= settings.newcomers_answered:
        n = int(row["newcomers_answered"])
        said.append(f"first to answer {n} newcomer{'s' if n != 1 else ''}")
    if row["accepted_answers"] >= settings.accepted_answers:
        n = int(row["accepted_answers"])
        said.append(f"{n} accepted answer{'s' if n != 1 else ''}")
    if row["events_led"] >= settings.events_led:
        parts = [
            f"{verb} {n} event{'s' if n != 1 else ''}"
            for verb, n in (
                ("organized", int(row["events_organized"])),
                ("spoke at", int(row["events_spoke"])),
            )
            if n
        ]
        said.append(" and ".join(parts))
    days = (today - pd.Timestamp(row["last_active_on"]).date()).days
    said.append(
        "active today" if days == 0 else f"last active {days} day{'s' if days != 1 else ''} ago"
    )
    return said


def places_without_candidates(
    candidates: pd.DataFrame, priority: list[dict[str, str | None]], names: list[str]
) -> list[str]:
    """The priority places (EventSettings.priority(), and the names they were written
    as) where no candidate lives."""
    empty = []
    for place, name in zip(priority, names, strict=True):
        mine = candidates
        for column in ("region", "country", "city"):
            if place[column]:
                mine = mine[mine[column] == place[column]]
        if mine.empty:
            empty.append(name)
    return empty


def ambassador_quarter(read: Read, members: tuple[str, ...], start: date, end: date):
    """What each of ``members`` (the ambassadors: the team's tag) did from ``start`` to
    ``end``: activities, contributions, replies to others, events organized or spoken
    at, the sources, the last day active."""
    from connectors.core.registry import activity_types

    replies = tuple(n for n, k in activity_types().items() if k.thread == "replies")
    return read(
        """
        select m.member_id, m.display_name as member, m.organization, m.city, m.country,
               coalesce(sum(a.activities), 0)::bigint as activities,
               coalesce(sum(a.activities) filter (where a.category = 'contribution'), 0)::bigint
                   as contributions,
               coalesce(sum(a.activities) filter (
                   where list_contains(?::varchar[], a.activity_type)), 0)::bigint as replies,
               coalesce(sum(a.activities) filter (
                   where a.activity_type in ('event_organized', 'event_spoke')), 0)::bigint
                   as events_led,
               array_to_string(list(distinct a.source order by a.source)
                   filter (where a.source is not null), ', ') as sources,
               max(a.activity_date) as last_active_on
        from members as m
        left join member_day_facts as a
            on a.member_id = m.member_id and a.activity_date between ? and ?
        where list_contains(?::varchar[], m.member_id)
        group by all
        order by activities desc, member, m.member_id""",
        (replies, start, end, tuple(members)),
    )


def quarter(day: date) -> tuple[date, date]:
    """The calendar quarter ``day`` is in: its first day, and ``day``."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1), day


# ------------------------------------------------------------ conversion funnel

#: The funnel's steps after "first seen": (member_journeys column, how it reads).
FUNNEL_STEPS = (
    ("first_conversation_on", "Asked or replied"),
    ("first_contribution_on", "First contribution"),
    ("regular_on", "Regular contributor"),
)
#: What a funnel can be compared by: (member_journeys column, how it reads).
FUNNEL_GROUPS = {
    "cohort_month": "Month first seen",
    "region": "Region",
    "country": "Country",
    "first_source": "First seen on",
}


def funnel(read: Read, f: Filters, by: str, within: int | None) -> pd.DataFrame:
    """The conversion funnel of the newcomers (mart member_journeys; README, The
    conversion funnel), one row per ``by`` (FUNNEL_GROUPS): how many were first seen,
    and for each step (FUNNEL_STEPS) how many reached it within ``within`` days of being
    first seen (None: by now), their share, and the median days it took; and of those
    first seen at an event, how many went on to contribute online.

    With ``within``, only the newcomers first seen at least that many days before the
    build date count (the others cannot be told yet). The first month of the history is
    left out: it holds everyone already there when the history begins, not newcomers."""
    if by not in FUNNEL_GROUPS:
        raise ValueError(f"a funnel is compared by one of {', '.join(FUNNEL_GROUPS)}")
    where, params = f.member_where("j")
    reached = (
        "{step} is not null"
        if within is None
        else f"{{step}} is not null and {{step}} <= j.first_seen_on + {int(within)}"
    )
    told = "true" if within is None else f"j.first_seen_on + {int(within)} <= b.as_of_date"
    steps = ",\n".join(
        f"""count(*) filter (where {reached.format(step=f"j.{step}")}) as {name},
            median(date_diff('day', j.first_seen_on, j.{step}))
                filter (where {reached.format(step=f"j.{step}")}) as {name}_days"""
        for step, name in ((step, step.removesuffix("_on")) for step, _ in FUNNEL_STEPS)
    )
    online = reached.format(step="j.first_online_contribution_on")
    at_events = ", ".join(f"'{name}'" for name in registry.attendance_sources())
    # A month reads as 2026-03, and sorts so.
    group = f"strftime(j.{by}, '%Y-%m')" if by == "cohort_month" else f"j.{by}"
    return read(
        f"""
        select coalesce({group}, 'Unknown') as "group",
               min(j.{by}) as sort_key,
               count(*) as first_seen,
               {steps},
               count(*) filter (where j.first_source in ({at_events})) as first_seen_at_events,
               count(*) filter (where j.first_source in ({at_events}) and {online})
                   as events_to_online_contribution
        from member_journeys as j, build_info as b
        where {where} and {told}
          and j.cohort_month > (select min(cohort_month) from member_journeys)
        group by all
        order by sort_key nulls last""",
        params,
    )


def funnel_shares(found: pd.DataFrame) -> pd.DataFrame:
    """:func:`funnel` with each step's share of the first seen (0 to 1)."""
    found = found.copy()
    for step, _ in FUNNEL_STEPS:
        name = step.removesuffix("_on")
        found[f"{name}_share"] = found[name] / found["first_seen"].where(found["first_seen"] > 0)
    return found


# -------------------------------------------------------------------- insights

#: Each kind of insight and how its heading reads (the Overview, the alerts).
INSIGHTS = {
    "activity_drop": "Activity dropped",
    "quiet_channel": "A channel needs an answer",
    "newcomer_surge": "Newcomers arriving",
    "tag_trending": "Trending",
    "reached_core": "Reached the Core level",
    "came_back": "Back after a lapse",
}


def insights(read: Read, f: Filters, since: date | None = None) -> pd.DataFrame:
    """What changed (mart insights; README, Insights), the newest first, with the
    member's name and filter columns where there is one; ``since``: only those that
    happened after that day. The member insights follow the member filters (staff, an
    organization, a source); the others concern the whole community."""
    where, params = f.member_where("m")
    after = "true" if since is None else "i.happened_on > ?"
    return read(
        f"""
        select i.insight_key, i.kind, i.happened_on, i.member_id,
               m.display_name as member, i.source, i.channel, i.tag, i.recent, i.usual,
               (select r.url from response_times as r
                where i.kind = 'quiet_channel' and r.source = i.source
                  and r.channel = i.channel and r.first_response_at is null
                order by r.opened_at desc, r.item_key limit 1) as url
        from insights as i
        left join members as m using (member_id)
        where (i.member_id is null or ({where})) and {after}
        order by i.happened_on desc, i.kind, i.insight_key""",
        (*params, *(() if since is None else (since,))),
    )


def insight_link(row: dict | pd.Series, dashboard: str = "") -> str | None:
    """Where an insight leads: the member's page, the tagged members, the newcomers to
    welcome on that source (dashboard pages, under ``dashboard``: "" for the dashboard
    itself), else the item waiting; None when there is nowhere."""
    from urllib.parse import quote

    base = f"{dashboard.rstrip('/')}/" if dashboard else ""
    if isinstance(row.get("member_id"), str):
        return f"{base}Members?member={quote(row['member_id'])}"
    if row["kind"] == "tag_trending":
        return f"{base}Members?tag={quote(str(row['tag']))}"
    if row["kind"] == "newcomer_surge":
        return f"{base}Engagement?source={quote(str(row['source']))}"
    return row["url"] if isinstance(row.get("url"), str) else None


def insight_text(row: dict | pd.Series, settings: Any, public: bool = False) -> str:
    """One insight in words, with the figures behind it (acacia.yml ``insights``:
    ``settings``); ``public``: without names."""
    from connectors.core.registry import source_label

    kind, recent, usual = row["kind"], row["recent"], row["usual"]
    who = "A member" if public or not isinstance(row.get("member"), str) else row["member"]
    source = source_label(row["source"]) if isinstance(row.get("source"), str) else ""
    if kind == "activity_drop":
        return (
            f"{who}: {int(recent)} activities in the last {settings.drop_recent_days} days, "
            f"against about {usual:.0f} their own 90 days before predicted"
        )
    if kind == "quiet_channel":
        return (
            f"{source} · {row['channel']}: {int(recent)} messages from the community in "
            f"{settings.quiet_days} days, and no reply from staff or a regular"
        )
    if kind == "newcomer_surge":
        return (
            f"{int(recent)} newcomers first seen on {source} in {settings.surge_days} days, "
            f"against about {usual:.1f} usually"
        )
    if kind == "tag_trending":
        return (
            f"“{row['tag']}”: {int(recent)} tagged activities in {settings.trend_days} days, "
            f"against about {usual:.1f} usually"
        )
    if kind == "reached_core":
        return f"{who} reached the Core level for the first time"
    if kind == "came_back":
        return f"{who} is active again after a lapse"
    return kind


def response_times(read: Read, f: Filters) -> pd.DataFrame:
    """Median and 90th-percentile hours to first response per source and week opened
    (the first week from the window's first day, see period_sql), of the items opened
    in the window."""
    sources, params = one_of("source", f.sources)
    return read(
        f"""
        select source, {period_sql("opened_at", "week")} as week, count(*) as items,
               count(first_response_at) as responded,
               count(*) - count(first_response_at) as without_response,
               round(quantile_cont(hours_to_first_response, 0.5), 1) as median_hours,
               round(quantile_cont(hours_to_first_response, 0.9), 1) as p90_hours
        from response_times
        where cast(opened_at as date) between ? and ? and {sources}
        group by all order by week, source""",
        (f.start, f.start, f.end, *params),
    )


def response_headline(read: Read, f: Filters) -> dict[str, float | None]:
    """Of the items opened in the window: how many, the median hours to a first
    response (of those answered), and the share answered within a day (of all)."""
    sources, params = one_of("source", f.sources)
    row = read(
        f"""
        select count(*) as items,
               quantile_cont(hours_to_first_response, 0.5) as median_hours,
               count(*) filter (where hours_to_first_response <= 24)
                   / nullif(count(*), 0) as within_a_day
        from response_times
        where cast(opened_at as date) between ? and ? and {sources}""",
        (f.start, f.end, *params),
    ).iloc[0]
    return {key: None if pd.isna(row[key]) else float(row[key]) for key in row.index}


def health(read: Read) -> pd.DataFrame:
    """The health_factors mart, oldest window first: the CHAOSS contributor absence and
    elephant factors and the share of contributions from outside the staff, per 90-day
    window (the whole community: the sidebar's filters do not apply)."""
    return read(
        """
        select windows_ago, window_start, window_end, contributions,
               contributor_absence_factor, elephant_factor, outside_staff_share
        from health_factors order by windows_ago desc""",
    )


def channels(read: Read, f: Filters, limit: int = 100) -> pd.DataFrame:
    """Activity per place within each source: repository, Slack channel, forum
    category, subreddit, tag or event."""
    if f.plain and standard_window(read, f):
        # Precomputed for the standard windows (the channel_windows mart).
        return read(
            """
            select source, channel, activities, members, contributions
            from channel_windows
            where start_date = ? and end_date = ? and staff_included = ?
            order by activities desc, source, channel limit ?""",
            (f.start, f.end, f.include_staff, limit),
        )
    where, params = f.where()
    return read(
        f"""
        select a.source, coalesce(a.channel, '(none)') as channel,
               sum(a.activities)::bigint as activities,
               count(distinct a.member_id) as members,
               coalesce(sum(a.activities) filter (where a.category = 'contribution'), 0)::bigint
                   as contributions
        from {FACTS} as a where {where}
        group by all order by activities desc, a.source, channel limit ?""",
        (*params, limit),
    )


def places(read: Read, f: Filters) -> pd.DataFrame:
    """Members active in the window by region, country and city (members.region,
    country and city: connectors/core/places.py); null country or city where unknown."""
    if f.plain and standard_window(read, f):
        # Precomputed for the standard windows (the region_windows mart).
        return read(
            """
            select region, country, city, members from region_windows
            where start_date = ? and end_date = ? and staff_included = ?
            order by members desc, region, country, city""",
            (f.start, f.end, f.include_staff),
        )
    where, params = f.where()
    return read(
        f"""
        with active as (
            select distinct a.member_id from {FACTS} as a where {where}
        )
        select m.region, m.country, m.city, count(*) as members
        from active join members as m using (member_id)
        group by all order by members desc, region, country, city""",
        params,
    )
