-- Per member and standard window (the last 30, 90, 180 and 365 days up to the build
-- date): points, activities and contributions, people only, with staff included and left
-- out (staff_included). The dashboard's leaderboard reads it with those filters; one
-- pass over the member-days.
{%- set windows = standard_windows() %}
with humans as (
    select member_id, activity_date, category, activities, points, is_staff
    from {{ member_days() }}
    where not is_bot and activity_date > {{ as_of_date() }} - 365
),

per_member as (
    select
        member_id
        {%- for _, suffix, condition in staff_variants() %}
        {%- for days in windows %},
        sum(points) filter (where {{ condition }} and {{ in_window('activity_date', days) }})
            as points_{{ days }}{{ suffix }}
        {%- endfor %}
        {{- window_counts(windows, suffix, condition) }}
        {%- endfor %}
    from humans
    group by member_id
)

{% for staff_included, suffix, _ in staff_variants() %}
{%- set outer_loop = loop %}
{%- for days in windows %}
select
    member_id,
    {{ days }} as days,
    {{ staff_included }} as staff_included,
    {{ as_of_date() }} - {{ days }} + 1 as start_date,
    {{ as_of_date() }} as end_date,
    points_{{ days }}{{ suffix }} as points,
    activities_{{ days }}{{ suffix }} as activities,
    contributions_{{ days }}{{ suffix }} as contributions
from per_member
where activities_{{ days }}{{ suffix }} > 0
{% if not (outer_loop.last and loop.last) %}union all{% endif %}
{% endfor %}
{%- endfor %}
