-- Every source's identities, plus a bare identity for any actor whose account was never
-- landed (so no activity is ever without a member).
with identities as (
    {{ union_staging('identities') }}
),

actors_without_identity as (
    select distinct a.source, a.source_user_id
    from {{ ref('int_activities__unioned') }} as a
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
