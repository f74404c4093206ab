-- Every source's identities, plus a bare identity for any actor whose account was never
-- landed (so no activity is ever without a member). A view, like the activities union:
-- the warehouse stores only marts, and the published snapshot is a copy of it.
with identities as (
    select * from {{ ref('stg_landing__identities') }}
),

-- The actors of the landed files themselves (no need to deduplicate ten million
-- activities to know who acted).
actors as (
    {%- for source_name in acacia_sources() %}
    select distinct source, actor as source_user_id
    from {{ landed(source_name, 'activities') }}
    where actor is not null
    {% if not loop.last %}union{% endif %}
    {%- endfor %}
),

actors_without_identity as (
    select a.source, a.source_user_id
    from actors as a
    anti join identities as i using (source, source_user_id)
)

select * from identities
union all by name
select
    source,
    source_user_id,
    source_user_id as username,
    false as is_bot,
    false as is_deleted,
    false as is_staff,
    false as has_profile
from actors_without_identity
