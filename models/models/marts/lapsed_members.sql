-- The contributors lapsed now (lapses not followed by a return), with what the team
-- needs to bring them back: what they gave and where (in the active_days up to their
-- last activity), their last contribution, the place to reach them (where they last
-- answered someone: the source and channel of their latest reply, else of their latest
-- activity), and what is new in the community since they went quiet (for the message,
-- figures.outreach_message). The dashboard ranks them by what they gave.
{%- set o = setting('outreach') %}
with lapsed as (
    select * from {{ ref('lapses') }} where back_on is null
),

active as (
    select
        d.member_id,
        d.source,
        d.channel,
        d.last_at,
        d.activity_type in ({{ sql_list(setting('thread_replies')) }}) as is_reply
    from {{ member_days() }} as d
    join lapsed as l
        on l.member_id = d.member_id
        and d.activity_date > l.last_active_on - {{ o['active_days'] }}
        and d.activity_date <= l.last_active_on
    where not d.is_bot
),

-- Where to reach them: the latest reply (else the latest activity) of those days.
reach as (
    select member_id, source as reach_source, channel as reach_channel
    from (
        select
            member_id,
            source,
            channel,
            row_number() over (
                partition by member_id
                order by is_reply desc, last_at desc, source, channel nulls last
            ) as position
        from active
    ) as ranked
    where position = 1
),

places as (
    select
        member_id,
        {{ list_join(sorted_set('source'), ', ') }} as active_sources,
        max(case when is_reply then last_at end) as last_reply_at
    from active
    group by member_id
),

last_contribution as (
    select
        member_id,
        activity_type as last_contribution_type,
        title as last_contribution_title,
        url as last_contribution_url,
        occurred_at as last_contribution_at
    from (
        select
            member_id, activity_type, title, url, occurred_at,
            row_number() over (
                partition by member_id order by occurred_at desc, activity_key desc
            ) as position
        from {{ ref('activities') }}
        where category = 'contribution' and not is_bot
            and member_id in (select member_id from lapsed)
    ) as ranked
    where position = 1
),

-- What is new since: members who joined and contributions made after their last day.
joined as (
    select joined_on as day, count(*) as members
    from {{ ref('members') }}
    where not is_bot and joined_on is not null
    group by joined_on
),

contributed as (
    select activity_date as day, sum(activities) as contributions
    from {{ member_days() }}
    where category = 'contribution' and not is_bot and activity_date <= {{ as_of_date() }}
    group by activity_date
),

-- (Joins, not correlated subqueries: Spark correlates on equality only.)
since_joined as (
    select l.member_id, sum(j.members) as members_joined_since
    from lapsed as l
    join joined as j on j.day > l.last_active_on
    group by l.member_id
),

since_contributed as (
    select l.member_id, sum(c.contributions) as contributions_since
    from lapsed as l
    join contributed as c on c.day > l.last_active_on
    group by l.member_id
)

select
    l.member_id,
    m.display_name,
    l.organization,
    l.sources,
    l.is_bot,
    l.is_staff,
    l.is_staff_organization,
    l.city,
    l.country,
    l.region,
    l.last_active_on,
    l.lapsed_on,
    {{ date_diff('day', 'l.last_active_on', as_of_date()) }} as silent_days,
    l.contributions,
    l.points,
    l.reached_out_on,
    p.active_sources,
    r.reach_source,
    r.reach_channel,
    p.last_reply_at,
    c.last_contribution_type,
    c.last_contribution_title,
    c.last_contribution_url,
    c.last_contribution_at,
    cast(coalesce(j.members_joined_since, 0) as bigint) as members_joined_since,
    cast(coalesce(n.contributions_since, 0) as bigint) as contributions_since
from lapsed as l
join {{ ref('members') }} as m using (member_id)
left join places as p using (member_id)
left join reach as r using (member_id)
left join last_contribution as c using (member_id)
left join since_joined as j using (member_id)
left join since_contributed as n using (member_id)
order by l.points desc, l.contributions desc, m.display_name, l.member_id
