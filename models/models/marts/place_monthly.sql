-- How acacia.yml's priority places (events.priority_places) move against the others,
-- month by month over the last year: active members living there (from members'
-- normalized locations), events held there, their attendance and first-timers. Members
-- and events of unknown place are in neither group. is_complete: the month lies wholly
-- in the year (the first and the current month do not).
with months as (
    select month from {{ dates(
        'month',
        "date_trunc('month', " ~ as_of_date() ~ " - 364)",
        "date_trunc('month', " ~ as_of_date() ~ ")",
        '1 month'
    ) }}
),

members as (
    select member_id, {{ is_priority('region', 'country', 'city') }} as is_priority
    from {{ ref('members') }}
    where coalesce(region, 'Unknown') <> 'Unknown' and not is_bot
),

active as (
    select
        date_trunc('month', d.activity_date)::date as month,
        m.is_priority,
        count(distinct d.member_id) as active_members
    from {{ ref('member_daily') }} as d
    join members as m using (member_id)
    where d.activity_date > {{ as_of_date() }} - 365 and d.activity_date <= {{ as_of_date() }}
        and not d.is_bot
    group by all
),

held as (
    select
        date_trunc('month', event_date)::date as month,
        is_priority,
        count(*) as events,
        sum(attendees)::bigint as attendances,
        sum(first_timers)::bigint as first_timers
    from {{ ref('events') }}
    where region is not null
    group by all
)

select
    m.month,
    -- The first and last months of the year are cut short by it.
    m.month >= {{ as_of_date() }} - 364
        and m.month + interval 1 month - interval 1 day <= {{ as_of_date() }} as is_complete,
    g.is_priority,
    coalesce(a.active_members, 0) as active_members,
    coalesce(h.events, 0) as events,
    coalesce(h.attendances, 0) as attendances,
    coalesce(h.first_timers, 0) as first_timers
from months as m
cross join (values (true), (false)) as g(is_priority)
left join active as a using (month, is_priority)
left join held as h using (month, is_priority)
order by m.month, g.is_priority desc
