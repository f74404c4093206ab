-- Every source's accounts: one row per account, from the files landed since this model's
-- last build. A full profile beats a short user object, then the latest fetch wins (then
-- the later file); an actor of a landed activity whose account never landed gets a bare
-- account, which any landed one replaces. `_batch` is the build that last changed a row.
{{ config(
    materialized=incremental_materialization(),
    unique_key='identity_key',
    incremental_strategy='replace_keys',
    post_hook="{{ record_watermark() }}"
) }}
with landed as (
    select * from {{ read_landed(unread_files('identities'), 'identities') }}
),

latest as (
    select
        source || ':' || source_user_id as identity_key,
        source,
        source_user_id,
        username,
        display_name,
        lower(email) as email,
        company,
        location,
        timezone,
        is_bot or username like '%[bot]' as is_bot,
        coalesce(is_deleted, false) as is_deleted,
        coalesce(is_staff, false) as is_staff,
        profile_url,
        avatar_url,
        coalesce(has_profile, false) as has_profile,
        false as is_bare,
        extra,
        {{ utc_timestamp('fetched_at') }} as fetched_at,
        _file
    from landed
    qualify row_number() over (
        partition by source, source_user_id order by has_profile desc, fetched_at desc, _file desc
    ) = 1
),

-- What is stored stays when it ranks as high: a full profile over a short one, then a
-- later fetch (then a later file); a bare account never does.
kept as (
    select l.*
    from latest as l
    {%- if is_incremental() %}
    anti join {{ this }} as stored
        on stored.identity_key = l.identity_key
        and not stored.is_bare
        and (stored.has_profile and not l.has_profile
             or stored.has_profile = l.has_profile and (
                 stored.fetched_at > l.fetched_at
                 or stored.fetched_at = l.fetched_at and stored._file >= l._file))
    {%- endif %}
),

-- The actors of the activities landed since the last build (the actor column only).
actors as (
    select distinct source, actor as source_user_id
    from {{ read_landed(unread_files('activities'), 'activities') }}
    where actor is not null
),

bare as (
    select
        a.source || ':' || a.source_user_id as identity_key,
        a.source,
        a.source_user_id,
        a.source_user_id as username,
        false as is_bot,
        false as is_deleted,
        false as is_staff,
        false as has_profile,
        true as is_bare
    from actors as a
    anti join latest as l using (source, source_user_id)
    {%- if is_incremental() %}
    anti join {{ this }} as stored on stored.identity_key = a.source || ':' || a.source_user_id
    {%- endif %}
)

{%- set columns = ['identity_key', 'source', 'source_user_id', 'username', 'display_name', 'email',
                   'company', 'location', 'timezone', 'is_bot', 'is_deleted', 'is_staff', 'profile_url',
                   'avatar_url', 'has_profile', 'is_bare', 'extra', 'fetched_at', '_file'] %}
select
    *,
    cast({{ setting('batch') }} as bigint) as _batch
    {%- if is_incremental() %},
    false as _removed
    {%- endif %}
from (
    select {{ columns | join(', ') }} from kept
    union all
    select
    {%- for column in columns %}
        {{ column if column in ['identity_key', 'source', 'source_user_id', 'username', 'is_bot', 'is_deleted', 'is_staff', 'has_profile', 'is_bare'] else 'null' }} as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
    from bare
)
