-- Scores and engagement levels of every person (bots left out), on the as-of day.
-- See README, Scores, for the definitions and a worked example.
{% set s = setting('scoring') %}
{% set w = s['level_window_days'] %}
with days as (
    select member_id, category, activity_date, activities, points
    from {{ member_days() }}
    where not is_bot and activity_date <= {{ as_of_date() }}
),

per_member as (
    select
        member_id,
        coalesce(sum({{ decayed('points', 'activity_date') }})
            filter (where {{ in_window('activity_date', s['score_window_days']) }}), 0)
            as activity_score,
        coalesce(sum(points) filter (where {{ in_window('activity_date', 30) }}), 0)
            as points_30d,
        coalesce(sum(points) filter (where {{ in_window('activity_date', 90) }}), 0)
            as points_90d,
        {{ counted('activities', in_window('activity_date', w)) }} as activities,
        {{ counted('activities', in_window('activity_date', w)
                   ~ " and category = 'contribution'") }} as contributions,
        {{ counted('activities', in_window('activity_date', w)
                   ~ " and category = 'conversation'") }} as conversations,
        {{ counted('activities', in_window('activity_date', w, 1)) }} as previous_activities,
        {{ counted('activities', in_window('activity_date', w, 1)
                   ~ " and category = 'contribution'") }} as previous_contributions,
        {{ counted('activities', in_window('activity_date', w, 1)
                   ~ " and category = 'conversation'") }} as previous_conversations
    from days
    group by member_id
),

levels as (
    select
        *,
        {{ engagement_level('contributions', 'conversations', 'activities') }}
            as engagement_level,
        {{ engagement_level('previous_contributions', 'previous_conversations',
                            'previous_activities') }} as previous_level
    from per_member
),

ranked as (
    select
        *,
        {% set rank %}case {level} when 'Core' then 4 when 'Contributor' then 3
            when 'Participant' then 2 when 'Observer' then 1 else 0 end{% endset %}
        {{ rank | replace('{level}', 'engagement_level') }} as level_rank,
        {{ rank | replace('{level}', 'previous_level') }} as previous_level_rank
    from levels
)

select
    r.member_id,
    m.display_name,
    m.organization,
    -- The members' own filter columns, so the dashboard filters without a join.
    m.sources,
    m.is_bot,
    m.is_staff,
    m.is_staff_organization,
    {{ rounded('r.activity_score', 4) }} as activity_score,
    r.points_30d,
    r.points_90d,
    r.activities as activities_in_window,
    r.contributions as contributions_in_window,
    r.conversations as conversations_in_window,
    r.engagement_level,
    r.previous_level,
    case
        when r.level_rank = r.previous_level_rank then 'same'
        when r.previous_level_rank = 0 then 'new'
        when r.level_rank = 0 then 'left'
        when r.level_rank > r.previous_level_rank then 'up'
        else 'down'
    end as level_change
from ranked as r
join {{ ref('members') }} as m using (member_id)
where not m.is_bot
-- Stored by member: a member's page finds its rows in a block or two (DuckDB's min/max
-- per block of rows) instead of reading them all.
order by member_id
