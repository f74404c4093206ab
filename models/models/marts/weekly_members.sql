-- Active members per week (weeks start on Monday), people only: those active for the
-- first time ever that week, and the others (seen before).
select
    date_trunc('week', a.activity_date)::date as week,
    count(distinct a.member_id) as active_members,
    count(distinct a.member_id) filter (
        where cast(m.first_seen_at as date) >= date_trunc('week', a.activity_date)
    ) as new_members
from {{ ref('activities') }} as a
join {{ ref('members') }} as m using (member_id)
where not a.is_bot
group by 1
