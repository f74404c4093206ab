-- Per member and standard window (the last 30, 90, 180 and 365 days up to the build
-- date): points, activities and contributions, people only, staff included. The
-- dashboard's leaderboard reads it with its default filters; one pass over the
-- activities.
{%- set windows = standard_windows() %}
with humans as (
    select member_id, activity_date, category, activities, points
    from {{ member_days() }}
    where not is_bot and activity_date > {{ as_of_date() }} - 365
),

per_member as (
    select
        member_id
        {%- for days in windows %},
        sum(points) filter (where {{ in_window('activity_date', days) }}) as points_{{ days }}
        {%- endfor %}
        {{- window_counts(windows) }}
    from humans
    group by member_id
)

{% for days in windows %}
select
    member_id,
    {{ days }} as days,
    {{ as_of_date() }} - {{ days }} + 1 as start_date,
    {{ as_of_date() }} as end_date,
    points_{{ days }} as points,
    activities_{{ days }} as activities,
    contributions_{{ days }} as contributions
from per_member
where activities_{{ days }} > 0
{% if not loop.last %}union all{% endif %}
{% endfor %}
