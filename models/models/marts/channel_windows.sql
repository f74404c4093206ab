-- Per place (repository, Slack channel, forum category, subreddit, tag, event) and
-- standard window (the last 30, 90, 180 and 365 days up to the build date): activities,
-- members and contributions, people only, with staff included and left out
-- (staff_included). The Channels and places page reads it with those filters. The
-- activities and contributions are summed by place straight from the member-days; a
-- member counts in a window when their last activity in the place falls in it, so one
-- grouping per member and place, of two dates, serves every window (grouping millions
-- of member-places with every window's sums took several times longer).
{%- set windows = standard_windows() %}
with humans as (
    select
        source, coalesce(channel, '(none)') as channel, member_id, activity_date, category,
        activities, is_staff
    from {{ member_days() }}
    where not is_bot and activity_date > {{ as_of_date() }} - 365
        and activity_date <= {{ as_of_date() }}
),

per_place as (
    select
        source,
        channel
        {%- for _, suffix, condition in staff_variants() %}
        {{- window_counts(windows, suffix, condition) }}
        {%- endfor %}
    from humans
    group by source, channel
),

per_member {{ cte_as('materialized') }} (
    select
        source,
        channel,
        member_id
        {%- for _, suffix, condition in staff_variants() %},
        max(activity_date) filter (where {{ condition }}) as last_date{{ suffix }}
        {%- endfor %}
    from humans
    group by source, channel, member_id
)

{% for staff_included, suffix, _ in staff_variants() %}
{%- set outer_loop = loop %}
{%- for days in windows %}
select
    source,
    channel,
    {{ days }} as days,
    {{ staff_included }} as staff_included,
    {{ as_of_date() }} - {{ days }} + 1 as start_date,
    {{ as_of_date() }} as end_date,
    any_value(p.activities_{{ days }}{{ suffix }})::bigint as activities,
    count(*) as members,
    any_value(p.contributions_{{ days }}{{ suffix }})::bigint as contributions
from per_member as m
join per_place as p using (source, channel)
where {{ in_window('m.last_date' ~ suffix, days) }}
group by source, channel
{% if not (outer_loop.last and loop.last) %}union all{% endif %}
{% endfor %}
{%- endfor %}
