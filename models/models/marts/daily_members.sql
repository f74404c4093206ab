-- Active and new members per day, every day from the first activity to the as-of date
-- (days without activity are rows with zeros, so trends never skip a day).
with humans as (
    select member_id, activity_date, category
    from {{ ref('activities') }}
    where not is_bot
),

first_days as (
    select member_id, min(activity_date) as first_day from humans group by member_id
),

days as (
    select cast(range as date) as activity_date
    from range(
        (select coalesce(min(activity_date), {{ as_of_date() }}) from humans),
        {{ as_of_date() }} + interval 1 day,
        interval 1 day
    )
),

per_day as (
    select
        activity_date,
        count(distinct member_id) as active_members,
        count(distinct member_id) filter (where category = 'contribution') as active_contributors
    from humans
    group by activity_date
),

new_per_day as (
    select first_day as activity_date, count(*) as new_members
    from first_days
    group by first_day
)

select
    d.activity_date,
    coalesce(p.active_members, 0) as active_members,
    coalesce(p.active_contributors, 0) as active_contributors,
    coalesce(n.new_members, 0) as new_members
from days as d
left join per_day as p using (activity_date)
left join new_per_day as n using (activity_date)
order by d.activity_date
