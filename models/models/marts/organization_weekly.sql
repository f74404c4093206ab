-- Weekly series per organization ("Unaffiliated" for people with none), people only.
select
    cast(date_trunc('week', activity_date) as date) as week,
    coalesce(organization, 'Unaffiliated') as organization,
    sum(activities)::bigint as activities,
    count(distinct member_id) as active_members,
    coalesce(sum(activities) filter (where category = 'contribution'), 0)::bigint
        as contributions,
    sum(points) as points
from {{ member_days() }}
where not is_bot
group by all
