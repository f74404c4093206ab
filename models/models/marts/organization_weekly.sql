-- Weekly series per organization ("Unaffiliated" for people with none), people only.
select
    cast(date_trunc('week', activity_date) as date) as week,
    coalesce(organization, 'Unaffiliated') as organization,
    count(*) as activities,
    count(distinct member_id) as active_members,
    count(*) filter (where category = 'contribution') as contributions,
    sum(weight) as points
from {{ ref('activities') }}
where not is_bot
group by all
