-- Each organization's activity over the last 90 days and the 90 days before: points of
-- its members' activities while they were with it (bots left out), active members,
-- contributors. People with no known organization are counted as "Unaffiliated".
with activities as (
    select
        coalesce(organization, 'Unaffiliated') as organization,
        member_id, category, activities, points, activity_date
    from {{ member_days() }}
    where not is_bot and activity_date <= {{ as_of_date() }}
),

organizations as (
    select organization, is_staff from {{ ref('organizations') }}
)

select
    a.organization,
    coalesce(o.is_staff, false) as is_staff,
    a.organization = 'Unaffiliated' as is_unaffiliated,
    {{ rounded("coalesce(sum(points) filter (where " ~ in_window('activity_date', 90) ~ "), 0)", 2) }}
        as points_90d,
    {{ rounded("coalesce(sum(points) filter (where " ~ in_window('activity_date', 90, 1) ~ "), 0)", 2) }}
        as previous_points_90d,
    count(distinct member_id) filter (where {{ in_window('activity_date', 90) }})
        as active_members,
    count(distinct member_id) filter (where {{ in_window('activity_date', 90) }}
        and category = 'contribution') as contributors,
    {{ counted('activities', in_window('activity_date', 90)) }} as activities_90d,
    {{ counted('activities', in_window('activity_date', 90)
               ~ " and category = 'contribution'") }} as contributions_90d
from activities as a
left join organizations as o using (organization)
group by a.organization, o.is_staff
