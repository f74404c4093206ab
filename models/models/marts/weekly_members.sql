-- Active members per week (weeks start on Monday), people only, with staff included and
-- left out (staff_included): those active for the first time ever that week, and the
-- others (seen before). Per member and week first.
with member_weeks_staff as (
    select member_id, date_trunc('week', activity_date)::date as week, is_staff
    from {{ ref('member_daily') }}
    where not is_bot
    group by all
),

member_weeks as {{ staff_variants('member_weeks_staff', ['member_id', 'week']) }}

select
    w.week,
    w.staff_included,
    count(*) as active_members,
    count(*) filter (where cast(m.first_seen_at as date) >= w.week) as new_members
from member_weeks as w
join {{ ref('members') }} as m using (member_id)
group by 1, 2
