-- Weekly series (weeks start on Monday) by source and activity type, people only.
select
    cast(date_trunc('week', activity_date) as date) as week,
    source,
    activity_type,
    sum(activities)::bigint as activities,
    count(distinct member_id) as active_members,
    coalesce(sum(activities) filter (where category = 'contribution'), 0)::bigint
        as contributions,
    sum(points) as points
from {{ member_days() }}
where not is_bot
group by all
