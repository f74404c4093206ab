-- Every activity of every source, with the member behind it and its weight.
with activities as (
    select * from {{ ref('int_activities__unioned') }}
),

identities as (
    select source, source_user_id, is_bot from {{ ref('int_identities__unioned') }}
),

weights as (
    select * from {{ activity_weights() }}
)

select
    a.source || ':' || a.activity_id as activity_key,
    a.source,
    a.activity_id,
    a.activity_type,
    case when a.activity_type in ({{ contribution_types() }})
        then 'contribution' else 'conversation' end as category,
    a.occurred_at,
    cast(a.occurred_at as date) as activity_date,
    {{ member_id('a.source', 'a.source_user_id') }} as member_id,
    a.source_user_id,
    coalesce(i.is_bot, false) as is_bot,
    a.channel,
    a.url,
    a.title,
    a.thread_id,
    a.parent_id,
    coalesce(w.weight, 0) as weight
from activities as a
left join identities as i using (source, source_user_id)
left join weights as w using (activity_type)
