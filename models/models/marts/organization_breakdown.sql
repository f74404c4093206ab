-- An organization's last 90 days by source and activity type: what its score is made of.
select
    coalesce(organization, 'Unaffiliated') as organization,
    source,
    activity_type,
    sum(activities)::bigint as activities,
    any_value(weight) as weight,
    sum(points) as points,
    count(distinct member_id) as members
from {{ member_days() }}
where not is_bot and {{ in_window('activity_date', 90) }}
group by all
