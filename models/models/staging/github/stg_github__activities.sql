-- GitHub activities, one row per activity: the latest fetched version wins.
-- depends on: {{ source('landing', 'github') }}
with landed as (
    select * from {{ landed('github', 'activities') }}
),

latest as (
    select *
    from landed
    qualify row_number() over (partition by activity_id order by fetched_at desc) = 1
)

select
    source,
    activity_id,
    type as activity_type,
    timezone('UTC', occurred_at) as occurred_at,
    actor as source_user_id,
    channel,
    url,
    title,
    thread_id,
    parent_id,
    body,
    extra,
    timezone('UTC', fetched_at) as fetched_at
from latest
