-- Each member's way in (README, The conversion funnel): when and where they were first
-- seen (the source of their first activity, events included), their first conversation
-- (an activity that asks or answers: it opens a thread, an issue, a topic, a question, a
-- chat message, or replies in one), their first contribution, their first contribution
-- on a source other than events (from a local community to global contribution), and
-- the day they became regular: the first day their contributions over the level window
-- (scoring.level_window_days) reached the Core level's (scoring.core_contributions).
-- Bots and deleted accounts have no journey.
{%- set s = setting('scoring') %}
{%- set talking = (setting('thread_openers').keys() | list)
    + (setting('thread_openers_if_replied').keys() | list)
    + setting('thread_replies') %}
with days as (
    select member_id, activity_date, source, activity_type, category, activities, first_at
    from {{ member_days() }}
    where not is_bot and activity_date <= {{ as_of_date() }}
),

-- One pass over the member's days: the first conversation, the first contribution
-- online, and the source of the first activity (ties: by source name).
firsts as (
    select
        member_id,
        min(case when activity_type in ({{ sql_list(talking) }}) then activity_date end)
            as first_conversation_on,
        min(case when category = 'contribution' and not {{ is_attendance('source') }} then activity_date end)
            as first_online_contribution_on,
        {{ arg_min('source', row_of(['first_at', 'source'])) }} as first_source
    from days
    group by member_id
),

contribution_days as (
    select
        member_id,
        activity_date,
        -- The day as a number, for a window over the days before (both engines frame
        -- a range over numbers alike).
        {{ date_diff('day', "cast('2000-01-01' as date)", 'activity_date') }} as day_number,
        sum(activities) as contributions
    from days
    where category = 'contribution'
    group by member_id, activity_date
),

-- The first day the contributions of the level window up to it reach the Core level.
regular as (
    select member_id, min(activity_date) as regular_on
    from (
        select
            member_id,
            activity_date,
            sum(contributions) over (
                partition by member_id order by day_number
                range between {{ s['level_window_days'] - 1 }} preceding and current row
            ) as in_window
        from contribution_days
    ) as windowed
    where in_window >= {{ s['core_contributions'] }}
    group by member_id
)

select
    m.member_id,
    m.joined_on as first_seen_on,
    date_trunc('month', m.joined_on)::date as cohort_month,
    f.first_source,
    f.first_conversation_on,
    m.first_contribution_date as first_contribution_on,
    f.first_online_contribution_on,
    r.regular_on,
    -- The members' own filter columns, so the dashboard filters without a join.
    {{ member_filter_columns('m') }}
from {{ ref('members') }} as m
join firsts as f using (member_id)
left join regular as r using (member_id)
where not m.is_bot and not m.is_deleted and m.joined_on is not null
order by m.member_id
