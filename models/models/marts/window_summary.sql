-- The dashboard's headline figures for its standard windows (the last 30, 90, 180 and
-- 365 days, and the same length just before), people only, with staff included and
-- left out (staff_included): what the Overview shows with those filters, computed once
-- per build instead of from every activity on every page load. The member-days are
-- summed per member into buckets of age (days before the as-of day) cut where a window
-- starts or ends, then each window per member from its buckets, then the windows from
-- those (one grouping per member with every window's sums took twice as long).
{%- set windows = [] -%}
{%- set bounds = [] -%}
{%- for days in standard_windows() -%}
  {%- for ago in [0, 1] -%}
    {%- do windows.append((days, ago)) -%}
    {%- for bound in [days * ago, days * (ago + 1)] -%}
      {%- if bound > 0 and bound not in bounds -%}{%- do bounds.append(bound) -%}{%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
{%- endfor %}
with humans as (
    select
        d.member_id, d.activity_date, d.category, d.activities, d.is_staff,
        -- New: the members mart's joined_on (one definition; a deleted account has none).
        m.joined_on as first_day,
        {{ date_diff('day', 'd.activity_date', as_of_date()) }} as age
    from {{ member_days() }} as d
    join {{ ref('members') }} as m using (member_id)
    where not d.is_bot and d.activity_date > {{ as_of_date() }} - 730
        and d.activity_date <= {{ as_of_date() }}
),

-- bucket: the smallest window bound the age is below (the days [previous bound, bucket)).
buckets as (
    select
        member_id,
        first_day,
        is_staff,
        case {%- for bound in bounds | sort %} when age < {{ bound }} then {{ bound }}{% endfor %}
        end as bucket,
        sum(activities) as activities,
        sum(activities) filter (where category = 'contribution') as contributions
    from humans
    group by all
),

per_member as (
    select
        member_id,
        first_day
        {%- for _, suffix, condition in staff_variants() %}
        {%- for days, ago in windows %}
        {%- set in_bucket = condition ~ ' and bucket > ' ~ days * ago
                            ~ ' and bucket <= ' ~ days * (ago + 1) %},
        {{ counted('activities', in_bucket) }} as activities_{{ days }}_{{ ago }}{{ suffix }},
        {{ counted('contributions', in_bucket) }} as contributions_{{ days }}_{{ ago }}{{ suffix }}
        {%- endfor %}
        {%- endfor %}
    from buckets
    group by member_id, first_day
)

{% for staff_included, suffix, _ in staff_variants() %}
{%- set outer_loop = loop %}
{%- for days, ago in windows %}
{%- set activities = 'activities_' ~ days ~ '_' ~ ago ~ suffix %}
{%- set contributions = 'contributions_' ~ days ~ '_' ~ ago ~ suffix %}
select
    {{ days }} as days,
    {{ ago }} as windows_ago,
    {{ staff_included }} as staff_included,
    {{ as_of_date() }} - {{ days * (ago + 1) }} + 1 as start_date,
    {{ as_of_date() }} - {{ days * ago }} as end_date,
    count(*) filter (where {{ activities }} > 0) as active_members,
    count(*) filter (
        where {{ activities }} > 0 and first_day > {{ as_of_date() }} - {{ days * (ago + 1) }}
    ) as new_members,
    coalesce(sum({{ contributions }}), 0)::bigint as contributions,
    count(*) filter (where {{ contributions }} > 0) as contributors,
    coalesce(sum({{ activities }}), 0)::bigint as activities
from per_member
{% if not (outer_loop.last and loop.last) %}union all{% endif %}
{% endfor %}
{%- endfor %}
