-- Per place (repository, Slack channel, forum category, subreddit, tag, event) and
-- standard window (the last 30, 90, 180 and 365 days up to the build date): activities,
-- members and contributions, people only, staff included. The Channels and places page
-- reads it with its default filters. A member counts in a window when their last
-- activity in the place falls in it, so one grouping per member and place serves every
-- window.
{%- set windows = standard_windows() %}
with humans as (
    select
        source, coalesce(channel, '(none)') as channel, member_id, activity_date, category,
        activities
    from {{ member_days() }}
    where not is_bot and activity_date > {{ as_of_date() }} - 365
        and activity_date <= {{ as_of_date() }}
),

per_member as (
    select
        source,
        channel,
        member_id,
        max(activity_date) as last_date
        {{- window_counts(windows) }}
    from humans
    group by source, channel, member_id
)

{% for days in windows %}
select
    source,
    channel,
    {{ days }} as days,
    {{ as_of_date() }} - {{ days }} + 1 as start_date,
    {{ as_of_date() }} as end_date,
    sum(activities_{{ days }})::bigint as activities,
    count(*) as members,
    sum(contributions_{{ days }})::bigint as contributions
from per_member
where {{ in_window('last_date', days) }}
group by source, channel
{% if not loop.last %}union all{% endif %}
{% endfor %}
