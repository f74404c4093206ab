-- Activity per day, source and type (humans only; bot activity counted apart).
select
    activity_date,
    source,
    activity_type,
    any_value(category) as category,
    coalesce(sum(activities) filter (where not is_bot), 0)::bigint as activities,
    count(distinct member_id) filter (where not is_bot) as active_members,
    coalesce(sum(points) filter (where not is_bot), 0) as points,
    coalesce(sum(activities) filter (where is_bot), 0)::bigint as bot_activities
from {{ member_days() }}
group by activity_date, source, activity_type
