-- The text of every activity that carries one (a message's body, landed where its
-- source's store_bodies keeps it): one row per activity, its latest fetch; a deletion
-- keeps its row without the text, so a deleted message is read nowhere. Incremental: a
-- build reads the files landed since its last build. What the themes read (the themes
-- mart: what people talk about, by place).
{{ config(
    materialized=incremental_materialization(),
    unique_key='activity_key',
    incremental_strategy='replace_keys',
    post_hook="{{ record_watermark() }}"
) }}
with landed as (
    select * from {{ read_landed(unread_files('activities'), 'activities') }}
    where body is not null or coalesce(is_deleted, false)
),

latest as (
    select
        source || ':' || activity_id as activity_key,
        source,
        actor as source_user_id,
        {{ utc_timestamp('occurred_at') }} as occurred_at,
        case when not coalesce(is_deleted, false) then body end as body,
        coalesce(is_deleted, false) as is_deleted,
        {{ utc_timestamp('fetched_at') }} as fetched_at,
        _file
    from landed
    qualify row_number() over (
        partition by source, activity_id order by fetched_at desc, _file desc
    ) = 1
)

select
    l.activity_key,
    l.source,
    l.source_user_id,
    l.occurred_at,
    l.body,
    l.is_deleted,
    l.fetched_at,
    l._file,
    cast({{ setting('batch') }} as bigint) as _batch
    {%- if is_incremental() %},
    false as _removed
    {%- endif %}
from latest as l
{{ later_fetch_stays('l', 'activity_key') }}
