-- Weekly series (weeks start on Monday) by source and activity type, people only.
select
    cast(date_trunc('week', activity_date) as date) as week,
    source,
    activity_type,
    count(*) as activities,
    count(distinct member_id) as active_members,
    count(*) filter (where category = 'contribution') as contributions,
    sum(weight) as points
from {{ ref('activities') }}
where not is_bot
group by all
