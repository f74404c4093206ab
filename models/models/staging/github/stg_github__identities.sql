-- GitHub accounts, one row per user id: a full profile beats a short user object, then
-- the latest fetch wins.
-- depends on: {{ source('landing', 'github') }}
with landed as (
    select * from {{ landed('github', 'identities') }}
),

latest as (
    select *
    from landed
    qualify row_number() over (
        partition by source_user_id order by has_profile desc, fetched_at desc
    ) = 1
)

select
    source,
    source_user_id,
    username,
    display_name,
    lower(email) as email,
    company,
    location,
    timezone,
    is_bot or username like '%[bot]' as is_bot,
    profile_url,
    avatar_url,
    has_profile,
    timezone('UTC', fetched_at) as fetched_at
from latest
