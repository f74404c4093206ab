-- Active members per week (weeks start on Monday), people only: those active for the
-- first time ever that week, and the others (seen before). Per member and week first.
with member_weeks as (
    select member_id, date_trunc('week', activity_date)::date as week
    from {{ ref('member_daily') }}
    where not is_bot
    group by all
)

select
    w.week,
    count(*) as active_members,
    count(*) filter (where cast(m.first_seen_at as date) >= w.week) as new_members
from member_weeks as w
join {{ ref('members') }} as m using (member_id)
group by 1
