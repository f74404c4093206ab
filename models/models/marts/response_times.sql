-- Time to first response (CHAOSS): for every issue, pull request, forum topic, Stack
-- Exchange question and Slack thread, the first reply by someone other than its author,
-- bots left out. Items still without a response have no first_response_at.
-- Incremental by thread: a build recomputes the threads whose activities changed since
-- its last one (an item depends on its thread's activities only).
-- depends_on: {{ ref('activity_facts') }}
{{ config(
    materialized=incremental_materialization(),
    unique_key='thread_key',
    incremental_strategy='replace_keys',
    post_hook="{{ record_watermark() }}"
) }}
with
{%- if is_incremental() %}
changed as (
    select distinct source || ':' || coalesce(thread_id, activity_key) as thread_key
    from {{ ref('activity_facts') }}
    where _batch > {{ watermark() }}
),
{%- endif %}

-- Not materialized: each use reads only its columns of the activities (a copy of the
-- people's activities cost more than reading them three times).
activities {{ cte_as('not materialized') }} (
    select *, source || ':' || coalesce(thread_id, activity_key) as thread_key
    from {{ ref('activities') }}
    where not is_bot
    {%- if is_incremental() %}
        and source || ':' || coalesce(thread_id, activity_key)
            in (select thread_key from changed)
    {%- endif %}
),

items as (
    select *
    from activities
    where activity_type in ({{ sql_list(setting('thread_openers').keys() | list) }})
        -- A chat thread: a message that others replied to in its thread.
        or (activity_type in ({{ sql_list(setting('thread_openers_if_replied').keys() | list) }})
            and source || ':' || thread_id = activity_key
            and exists (select 1 from activities as r where r.source = activities.source
                        and r.thread_id = activities.thread_id
                        and r.activity_type in ({{ sql_list(setting('thread_replies')) }})))
),

replies as (
    select source, thread_id, member_id, occurred_at
    from activities
    where activity_type in ({{ sql_list(setting('thread_replies')) }})
),

first_responses as (
    select
        i.activity_key,
        r.occurred_at as first_response_at,
        r.member_id as responder_id
    from items as i
    join replies as r
        on r.source = i.source and r.thread_id = i.thread_id
        and r.member_id <> i.member_id and r.occurred_at > i.occurred_at
    qualify row_number() over (partition by i.activity_key
                               order by r.occurred_at, r.member_id) = 1
),

timed as (
    select
        i.activity_key as item_key,
        i.thread_key,
        i.source,
        case i.activity_type
            {%- for name, item in (setting('thread_openers') | dictsort)
                                   + (setting('thread_openers_if_replied') | dictsort) %}
            when '{{ name }}' then '{{ item }}'
            {%- endfor %} end as item_type,
        i.channel,
        i.title,
        i.url,
        i.member_id as author_id,
        i.occurred_at as opened_at,
        cast(date_trunc('week', i.occurred_at) as date) as opened_week,
        f.first_response_at,
        f.responder_id,
        {{ rounded(date_diff('second', 'i.occurred_at', 'f.first_response_at') ~ ' / 3600.0', 2) }}
            as hours_to_first_response
    from items as i
    left join first_responses as f using (activity_key)
)

-- A thread left with no item (its opener deleted, or now a bot's) is removed.
{{ replaced_rows('timed', 'changed', ['thread_key']) }}
