-- Per place (repository, Slack channel, forum category, subreddit, tag, event) and
-- standard window (the last 30, 90, 180 and 365 days up to the build date): activities,
-- members and contributions, people only, with staff included and left out
-- (staff_included). The Channels and places page reads it with those filters. A member
-- counts in a window when their last activity in the place falls in it, so one grouping
-- per member and place serves every window.
{%- set windows = standard_windows() %}
{%- set counts = [] -%}
{%- for days in windows -%}
  {%- do counts.append('activities_' ~ days) -%}
  {%- do counts.append('contributions_' ~ days) -%}
{%- endfor %}
with humans as (
    select
        source, coalesce(channel, '(none)') as channel, member_id, activity_date, category,
        activities, is_staff
    from {{ member_days() }}
    where not is_bot and activity_date > {{ as_of_date() }} - 365
        and activity_date <= {{ as_of_date() }}
),

per_member_staff as (
    select
        source,
        channel,
        member_id,
        is_staff,
        max(activity_date) as last_date
        {{- window_counts(windows) }}
    from humans
    group by source, channel, member_id, is_staff
),

per_member as {{ staff_variants('per_member_staff', ['source', 'channel', 'member_id'],
                                counts, maxes=['last_date']) }}

{% for days in windows %}
select
    source,
    channel,
    {{ days }} as days,
    staff_included,
    {{ as_of_date() }} - {{ days }} + 1 as start_date,
    {{ as_of_date() }} as end_date,
    sum(activities_{{ days }})::bigint as activities,
    count(*) as members,
    sum(contributions_{{ days }})::bigint as contributions
from per_member
where {{ in_window('last_date', days) }}
group by source, channel, staff_included
{% if not loop.last %}union all{% endif %}
{% endfor %}
