-- The dashboard's headline figures for its standard windows (the last 30, 90, 180 and
-- 365 days, and the same length just before), people only, with staff included and
-- left out (staff_included): what the Overview shows with those filters, computed once
-- per build instead of from every activity on every page load. One pass over the
-- member-days: per member, their activities and contributions in each window; then the
-- windows from those.
{%- set windows = [] -%}
{%- for days in standard_windows() -%}
  {%- for ago in [0, 1] -%}
    {%- do windows.append((days, ago)) -%}
  {%- endfor -%}
{%- endfor %}
{%- set columns = [] -%}
{%- for days, ago in windows -%}
  {%- do columns.append('activities_' ~ days ~ '_' ~ ago) -%}
  {%- do columns.append('contributions_' ~ days ~ '_' ~ ago) -%}
{%- endfor %}
with humans as (
    select
        d.member_id, d.activity_date, d.category, d.activities, d.is_staff,
        cast(m.first_seen_at as date) as first_day
    from {{ member_days() }} as d
    join {{ ref('members') }} as m using (member_id)
    where not d.is_bot and d.activity_date > {{ as_of_date() }} - 730
),

per_member_staff as (
    select
        member_id,
        first_day,
        is_staff
        {%- for days, ago in windows %},
        {{ counted('activities', in_window('activity_date', days, ago)) }}
            as activities_{{ days }}_{{ ago }},
        {{ counted('activities', "category = 'contribution' and "
                   ~ in_window('activity_date', days, ago)) }}
            as contributions_{{ days }}_{{ ago }}
        {%- endfor %}
    from humans
    group by member_id, first_day, is_staff
),

per_member as {{ staff_variants('per_member_staff', ['member_id', 'first_day'], counts=columns) }}

{% for days, ago in windows %}
select
    {{ days }} as days,
    {{ ago }} as windows_ago,
    staff_included,
    {{ as_of_date() }} - {{ days * (ago + 1) }} + 1 as start_date,
    {{ as_of_date() }} - {{ days * ago }} as end_date,
    count(*) filter (where activities_{{ days }}_{{ ago }} > 0) as active_members,
    count(*) filter (
        where activities_{{ days }}_{{ ago }} > 0
          and first_day > {{ as_of_date() }} - {{ days * (ago + 1) }}
    ) as new_members,
    coalesce(sum(contributions_{{ days }}_{{ ago }}), 0)::bigint as contributions,
    count(*) filter (where contributions_{{ days }}_{{ ago }} > 0) as contributors,
    coalesce(sum(activities_{{ days }}_{{ ago }}), 0)::bigint as activities
from per_member
group by staff_included
{% if not loop.last %}union all{% endif %}
{% endfor %}
