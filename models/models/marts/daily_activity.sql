-- Activity per day, source and type (humans only; bot activity counted apart).
select
    activity_date,
    source,
    activity_type,
    any_value(category) as category,
    count(*) filter (where not is_bot) as activities,
    count(distinct member_id) filter (where not is_bot) as active_members,
    coalesce(sum(weight) filter (where not is_bot), 0) as points,
    count(*) filter (where is_bot) as bot_activities
from {{ ref('activities') }}
group by activity_date, source, activity_type
