-- What changed, told the day it happened (README, Insights): each insight happened on a
-- day of the last insights.days, and once per episode: a condition that holds on a day
-- and did not the day before fires on that day, and fires again only after it stopped
-- holding. Computed every build; the Overview lists them and the alerts post each once
-- (its insight_key).
--
-- - activity_drop: a regular's activities of the last drop_recent_days are at most
--   drop_ratio of what their own 90 days before predicted (and that was at least
--   drop_min_expected);
-- - quiet_channel: a channel with quiet_messages or more messages by the community in
--   the last quiet_days, and no reply by staff or a regular (Core or Contributor) there;
-- - newcomer_surge: newcomers first seen on one source in the last surge_days, at least
--   surge_min and surge_ratio times its usual (the 12 weeks before);
-- - tag_trending: activities tagged in the last trend_days, at least trend_min and
--   trend_ratio times the tag's usual (the 90 days before);
-- - reached_core: a member reached the Core level for the first time (member_journeys);
-- - came_back: a lapsed contributor was active again (lapses).
{%- set i = setting('insights') %}
{%- set first_day = as_of_date() ~ ' - ' ~ i['days'] %}
with spine as (
    -- The days an insight can happen on, and the day before the first (to tell a new
    -- episode from one under way).
    select day from {{ dates('day', first_day, as_of_date(), '1 day') }}
),

member_activity as (
    select member_id, activity_date, sum(activities) as activities
    from {{ member_days() }}
    where not is_bot
        and activity_date > {{ first_day }} - {{ i['drop_recent_days'] + 90 }}
        and activity_date <= {{ as_of_date() }}
    group by member_id, activity_date
),

-- Only people with enough activity to be expected at drop_min_expected can drop: a
-- bound that keeps the day-by-day comparison to the regulars.
regulars as (
    select a.member_id
    from member_activity as a
    join {{ ref('members') }} as m using (member_id)
    where not m.is_deleted and not m.is_bot
    group by a.member_id
    having sum(a.activities) >= {{ i['drop_min_expected'] }} * cast(90 as double) / {{ i['drop_recent_days'] }}
),

drop_days as (
    select
        s.day,
        r.member_id,
        {{ recent_and_usual('a.activity_date', 'a.activities', i['drop_recent_days'], 90) }}
    from spine as s
    cross join regulars as r
    left join member_activity as a
        on a.member_id = r.member_id
        and a.activity_date > s.day - {{ i['drop_recent_days'] + 90 }}
        and a.activity_date <= s.day
    group by s.day, r.member_id
),

drops as (
    select
        day,
        member_id,
        cast(null as string) as source,
        cast(null as string) as channel,
        cast(null as string) as tag,
        recent,
        usual,
        usual >= {{ i['drop_min_expected'] }} and recent <= {{ i['drop_ratio'] }} * usual
            as holds
    from drop_days
),

-- Channels: the community's messages, and replies by staff or regulars.
levels as (
    select member_id, engagement_level in ('Core', 'Contributor') as is_regular
    from {{ ref('member_scores') }}
),

channel_activity as (
    select
        d.source,
        d.channel,
        d.activity_date,
        sum(case when not d.is_staff and not coalesce(l.is_regular, false)
                 then d.activities else 0 end) as messages,
        sum(case when (d.is_staff or coalesce(l.is_regular, false))
                      and d.activity_type in ({{ sql_list(setting('thread_replies')) }})
                 then d.activities else 0 end) as answers
    from {{ member_days() }} as d
    left join levels as l using (member_id)
    where not d.is_bot and d.channel is not null and not {{ is_attendance('d.source') }}
        and d.activity_type in ({{ sql_list(
            (setting('thread_openers').keys() | list)
            + (setting('thread_openers_if_replied').keys() | list)
            + setting('thread_replies')) }})
        and d.activity_date > {{ first_day }} - {{ i['quiet_days'] }}
        and d.activity_date <= {{ as_of_date() }}
    group by d.source, d.channel, d.activity_date
),

channels as (
    select
        s.day,
        cast(null as string) as member_id,
        c.source,
        c.channel,
        cast(null as string) as tag,
        sum(a.messages) as recent,
        sum(a.answers) as usual,
        sum(a.messages) >= {{ i['quiet_messages'] }} and sum(a.answers) = 0 as holds
    from spine as s
    cross join (select distinct source, channel from channel_activity) as c
    join channel_activity as a
        on a.source = c.source and a.channel = c.channel
        and a.activity_date > s.day - {{ i['quiet_days'] }} and a.activity_date <= s.day
    group by s.day, c.source, c.channel
),

-- Newcomers by the source they were first seen on.
firsts as (
    select first_source as source, first_seen_on, count(*) as newcomers
    from {{ ref('member_journeys') }}
    where first_seen_on > {{ first_day }} - {{ i['surge_days'] + 84 }}
    group by first_source, first_seen_on
),

surges as (
    select
        s.day,
        cast(null as string) as member_id,
        f.source,
        cast(null as string) as channel,
        cast(null as string) as tag,
        {{ recent_and_usual('f.first_seen_on', 'f.newcomers', i['surge_days'], 84) }}
    from spine as s
    join firsts as f
        on f.first_seen_on > s.day - {{ i['surge_days'] + 84 }} and f.first_seen_on <= s.day
    group by s.day, f.source
),

tagged as (
    select tag, activity_date, count(*) as activities
    from (
        select {{ unnest_list('tags') }} as tag, activity_date
        from {{ ref('activity_facts') }}
        where tags is not null and not is_deleted and not coalesce(is_bot, false)
            and activity_date > {{ first_day }} - {{ i['trend_days'] + 90 }}
            and activity_date <= {{ as_of_date() }}
    ) as t
    group by tag, activity_date
),

trends as (
    select
        s.day,
        cast(null as string) as member_id,
        cast(null as string) as source,
        cast(null as string) as channel,
        t.tag,
        {{ recent_and_usual('t.activity_date', 't.activities', i['trend_days'], 90) }}
    from spine as s
    join tagged as t
        on t.activity_date > s.day - {{ i['trend_days'] + 90 }} and t.activity_date <= s.day
    group by s.day, t.tag
),

conditions as (
    select 'activity_drop' as kind, * from drops
    union all
    select 'quiet_channel' as kind, * from channels
    union all
    select 'newcomer_surge' as kind, *,
        recent >= {{ i['surge_min'] }} and recent >= {{ i['surge_ratio'] }} * usual as holds
    from surges
    union all
    select 'tag_trending' as kind, *,
        recent >= {{ i['trend_min'] }} and recent >= {{ i['trend_ratio'] }} * usual as holds
    from trends
),

-- A day it holds and did not the day before (no row the day before: it did not hold).
started as (
    select c.*
    from conditions as c
    left join conditions as b
        on b.kind = c.kind and b.day = c.day - 1
        and coalesce(b.member_id, '') = coalesce(c.member_id, '')
        and coalesce(b.source, '') = coalesce(c.source, '')
        and coalesce(b.channel, '') = coalesce(c.channel, '')
        and coalesce(b.tag, '') = coalesce(c.tag, '')
    where c.holds and not coalesce(b.holds, false) and c.day > {{ first_day }}
),

milestones as (
    select 'reached_core' as kind, regular_on as day, member_id,
           cast(null as string) as source, cast(null as string) as channel,
           cast(null as string) as tag, cast(null as double) as recent,
           cast(null as double) as usual
    from {{ ref('member_journeys') }}
    where regular_on > {{ first_day }} and regular_on <= {{ as_of_date() }}
    union all
    select 'came_back' as kind, back_on as day, member_id,
           cast(null as string) as source, cast(null as string) as channel,
           cast(null as string) as tag, cast(null as double) as recent,
           cast(null as double) as usual
    from {{ ref('lapses') }}
    where back_on > {{ first_day }} and back_on <= {{ as_of_date() }}
),

found as (
    select kind, day, member_id, source, channel, tag,
           cast(recent as double) as recent, cast(usual as double) as usual
    from started
    union all
    select * from milestones
)

select
    kind || ':' || coalesce(member_id, source || ':' || coalesce(channel, ''), tag)
        || ':' || cast(day as string) as insight_key,
    kind,
    day as happened_on,
    member_id,
    source,
    channel,
    tag,
    recent,
    usual
from found
order by happened_on, kind, insight_key
