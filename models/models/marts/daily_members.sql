-- Active and new members per day, every day from the first activity to the as-of date
-- (days without activity are rows with zeros, so trends never skip a day). Per member
-- and day first, then the days from those.
with member_days as (
    select
        member_id,
        activity_date,
        bool_or(category = 'contribution') as contributed
    from {{ member_days() }}
    where not is_bot
    group by all
),

days as (
    select activity_date from {{ dates(
        'activity_date',
        '(select coalesce(min(activity_date), ' ~ as_of_date() ~ ') from member_days)',
        as_of_date(),
        '1 day'
    ) }}
),

per_day as (
    select
        activity_date,
        count(*) as active_members,
        count(*) filter (where contributed) as active_contributors
    from member_days
    group by activity_date
),

-- New: the members mart's joined_on (one definition of a new member; a deleted account
-- has none).
new_per_day as (
    select joined_on as activity_date, count(*) as new_members
    from {{ ref('members') }}
    where not is_bot and joined_on is not null
    group by 1
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
