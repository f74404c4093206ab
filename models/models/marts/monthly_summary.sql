-- One row per calendar month: what the monthly Slack update reports.
with activities as (
    select * from {{ ref('activities') }} where not is_bot
),

firsts as (
    select member_id, min(activity_date) as first_day,
           min(activity_date) filter (where category = 'contribution') as first_contribution
    from activities
    group by member_id
)

select
    cast(date_trunc('month', a.activity_date) as date) as month,
    count(*) as activities,
    count(*) filter (where a.category = 'contribution') as contributions,
    count(distinct a.member_id) as active_members,
    count(distinct a.member_id) filter (where a.category = 'contribution') as contributors,
    count(distinct a.member_id) filter (
        where date_trunc('month', f.first_day) = date_trunc('month', a.activity_date)
    ) as new_members,
    count(distinct a.member_id) filter (
        where date_trunc('month', f.first_contribution) = date_trunc('month', a.activity_date)
    ) as first_time_contributors,
    count(distinct a.organization) as active_organizations
from activities as a
join firsts as f using (member_id)
group by 1
