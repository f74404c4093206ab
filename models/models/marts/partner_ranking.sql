-- The partner ranking: organizations by 90-day points, the project's own (staff)
-- organization and the unaffiliated left out; ties broken by active members, then
-- contributors, then name, so the order never depends on chance. event_hosts: its
-- members who organized or spoke at an event in the 90 days while with it.
with scores as (
    select * from {{ ref('organization_scores') }}
    where not is_staff and not is_unaffiliated
),

by_source as (
    select organization, {{ json_object_agg('source', 'points') }} as points_by_source
    from (
        select organization, source, {{ rounded('sum(points)', 2) }} as points
        from {{ ref('organization_breakdown') }}
        group by all
    )
    group by organization
),

hosts as (
    select organization, count(distinct member_id) as event_hosts
    from {{ ref('member_daily') }}
    where activity_type in ('event_organized', 'event_spoke') and not is_bot
        and organization is not null and {{ in_window('activity_date', 90) }}
    group by organization
)

select
    row_number() over (
        order by s.points_90d desc, s.active_members desc, s.contributors desc, s.organization
    ) as rank,
    s.organization,
    s.points_90d as score,
    s.previous_points_90d as previous_score,
    {{ rounded('s.points_90d - s.previous_points_90d', 2) }} as change,
    case when s.previous_points_90d > 0
        then {{ rounded('(s.points_90d - s.previous_points_90d) / s.previous_points_90d', 4) }}
    end as change_ratio,
    s.active_members,
    s.contributors,
    s.contributions_90d,
    coalesce(h.event_hosts, 0) as event_hosts,
    coalesce(b.points_by_source, '{}') as points_by_source
from scores as s
left join by_source as b using (organization)
left join hosts as h using (organization)
where s.points_90d > 0 or s.previous_points_90d > 0
