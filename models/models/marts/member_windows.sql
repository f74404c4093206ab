-- Per member and standard window (the last 30, 90, 180 and 365 days up to the build
-- date): points, activities and contributions, people only, with staff included and left
-- out (staff_included). The dashboard's leaderboard reads it with those filters; one
-- pass over the member-days.
{%- set windows = standard_windows() %}
{%- set counts, amounts = [], [] -%}
{%- for days in windows -%}
  {%- do counts.append('activities_' ~ days) -%}
  {%- do counts.append('contributions_' ~ days) -%}
  {%- do amounts.append('points_' ~ days) -%}
{%- endfor %}
with humans as (
    select member_id, activity_date, category, activities, points, is_staff
    from {{ member_days() }}
    where not is_bot and activity_date > {{ as_of_date() }} - 365
),

per_member_staff as (
    select
        member_id,
        is_staff
        {%- for days in windows %},
        sum(points) filter (where {{ in_window('activity_date', days) }}) as points_{{ days }}
        {%- endfor %}
        {{- window_counts(windows) }}
    from humans
    group by member_id, is_staff
),

per_member as {{ staff_variants('per_member_staff', ['member_id'], counts, amounts) }}

{% for days in windows %}
select
    member_id,
    {{ days }} as days,
    staff_included,
    {{ as_of_date() }} - {{ days }} + 1 as start_date,
    {{ as_of_date() }} as end_date,
    points_{{ days }} as points,
    activities_{{ days }} as activities,
    contributions_{{ days }} as contributions
from per_member
where activities_{{ days }} > 0
{% if not loop.last %}union all{% endif %}
{% endfor %}
