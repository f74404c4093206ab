-- Who to welcome and who to reach out to, over the level window (default 90 days):
-- new (first activity ever in the window), first contribution (first contribution ever in
-- the window), returning (active again after a silence of at least returning_gap_days),
-- at risk (Core or Contributor, silent for at_risk_days), inactive (nothing in the window).
{% set s = setting('scoring') %}
{% set w = s['level_window_days'] %}
with activities as (
    select member_id, activity_date, category
    from {{ member_days() }}
    where not is_bot and activity_date <= {{ as_of_date() }}
),

per_member as (
    select
        member_id,
        max(activity_date) as last_activity_date,
        max(activity_date) filter (where activity_date <= {{ as_of_date() }} - {{ w }})
            as last_before_window
    from activities
    group by member_id
),

-- Returning: a day in the window at least returning_gap_days after the member's previous
-- active day. Only the window's days and each member's last day before it are compared
-- (not every day of the year: ten million activities have nine million member-days).
days as (
    select distinct member_id, activity_date
    from activities
    where {{ in_window('activity_date', w) }}
    union all
    select member_id, last_before_window from per_member where last_before_window is not null
),

gaps as (
    select
        member_id,
        activity_date,
        {{ date_diff(
            'day',
            'lag(activity_date) over (partition by member_id order by activity_date)',
            'activity_date'
        ) }} as days_since_previous
    from days
),

returners as (
    select distinct member_id
    from gaps
    where {{ in_window('activity_date', w) }}
        and days_since_previous >= {{ s['returning_gap_days'] }}
),

-- Each cohort rule once: new and first contribution from the members mart's joined_on
-- and first_contribution_date (the definitions every figure of newcomers reads), at risk
-- from the levels and the silence.
flagged as (
    select
        p.member_id,
        m.display_name,
        m.organization,
        -- The members' own filter columns, so the dashboard filters without a join.
        m.sources,
        m.is_bot,
        m.is_staff,
        m.is_staff_organization,
        s.engagement_level,
        s.previous_level,
        cast(m.first_seen_at as date) as first_activity_date,
        m.first_contribution_date,
        p.last_activity_date,
        coalesce({{ in_window('m.joined_on', w) }}, false) as is_new,
        coalesce({{ in_window('m.first_contribution_date', w) }}, false) as is_first_contribution,
        r.member_id is not null as is_returning,
        (coalesce(s.engagement_level, s.previous_level) in ('Core', 'Contributor')
            or s.previous_level in ('Core', 'Contributor'))
            and p.last_activity_date <= {{ as_of_date() }} - {{ s['at_risk_days'] }}
            as is_at_risk,
        not {{ in_window('p.last_activity_date', w) }} as is_inactive
    from per_member as p
    join {{ ref('members') }} as m using (member_id)
    left join {{ ref('member_scores') }} as s using (member_id)
    left join returners as r using (member_id)
    where not m.is_bot and not m.is_deleted  -- a deleted account is nobody to welcome or reach
)

select
    *,
    -- The one cohort a member is listed under: the first of its flags, in this order.
    case
        when is_new then 'new'
        when is_first_contribution then 'first contribution'
        when is_returning then 'returning'
        when is_at_risk then 'at risk'
        when is_inactive then 'inactive'
        else 'active'
    end as cohort
from flagged
-- Stored by member: a member's page finds its rows in a block or two (DuckDB's min/max
-- per block of rows) instead of reading them all.
order by member_id
