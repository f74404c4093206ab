-- The dashboard's headline figures for its standard windows (the last 30, 90, 180 and
-- 365 days, and the same length just before), people only, staff included: what the
-- Overview shows with its default filters, computed once per build instead of from
-- every activity on every page load.
with windows as (
    select
        days,
        windows_ago,
        {{ as_of_date() }} - days * (windows_ago + 1) + 1 as start_date,
        {{ as_of_date() }} - days * windows_ago as end_date
    from (values (30), (90), (180), (365)) as d(days)
    cross join (values (0), (1)) as o(windows_ago)
),

humans as (
    select a.member_id, a.activity_date, a.category, cast(m.first_seen_at as date) as first_day
    from {{ ref('activities') }} as a
    join {{ ref('members') }} as m using (member_id)
    where not a.is_bot and a.activity_date > {{ as_of_date() }} - 730
)

select
    w.days,
    w.windows_ago,
    w.start_date,
    w.end_date,
    count(distinct h.member_id) as active_members,
    count(distinct h.member_id) filter (where h.first_day >= w.start_date) as new_members,
    count(h.member_id) filter (where h.category = 'contribution') as contributions,
    count(distinct h.member_id) filter (where h.category = 'contribution') as contributors,
    count(h.member_id) as activities
from windows as w
left join humans as h on h.activity_date between w.start_date and w.end_date
group by all
