-- Every account in every source and the member it belongs to (emails are used for
-- matching only and are not exposed here).
with identities as (
    select * from {{ ref('stg_landing__identities') }}
),

resolved as (
    select * from {{ intermediate('int_identities__resolved') }}
)

select
    i.source || ':' || i.source_user_id as identity_key,
    i.source,
    i.source_user_id,
    coalesce(r.member_id, {{ member_id('i.source', 'i.source_user_id') }}) as member_id,
    coalesce(r.rule, 'alone') as merge_rule,
    i.username,
    i.display_name,
    i.email is not null as has_email,
    i.company,
    i.location,
    i.timezone,
    coalesce(r.is_bot, i.is_bot, false) as is_bot,
    coalesce(i.is_deleted, false) as is_deleted,
    coalesce(i.is_staff, false) as is_staff,
    i.profile_url,
    i.avatar_url
from identities as i
left join resolved as r
    on r.source = i.source and r.source_user_id = i.source_user_id
-- Stored by member: a member's page finds its rows in a block or two (DuckDB's min/max
-- per block of rows) instead of reading them all.
order by member_id
