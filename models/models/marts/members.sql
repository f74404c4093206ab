-- One member per identity for now (identity resolution across sources comes later).
-- The id is a hash of source and user id, so it never changes between runs.
with identities as (
    select * from {{ ref('int_identities__unioned') }}
),

activities as (
    select * from {{ ref('activities') }}
),

activity_summary as (
    select
        member_id,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at,
        count(*) as activity_count,
        count(*) filter (where occurred_at >= {{ as_of_date() }} - interval 90 day) as activities_90d,
        coalesce(sum(weight) filter (where occurred_at >= {{ as_of_date() }} - interval 90 day), 0)
            as points_90d,
        count(*) filter (where category = 'contribution') as contribution_count
    from activities
    group by member_id
)

select
    {{ member_id('i.source', 'i.source_user_id') }} as member_id,
    coalesce(nullif(i.display_name, ''), i.username) as display_name,
    i.username,
    i.source,
    i.source_user_id,
    i.company,
    i.location,
    i.timezone,
    i.is_bot,
    i.is_deleted,
    i.is_staff,
    i.profile_url,
    i.avatar_url,
    s.first_seen_at,
    s.last_seen_at,
    coalesce(s.activity_count, 0) as activity_count,
    coalesce(s.contribution_count, 0) as contribution_count,
    coalesce(s.activities_90d, 0) as activities_90d,
    coalesce(s.points_90d, 0) as points_90d
from identities as i
left join activity_summary as s
    on s.member_id = {{ member_id('i.source', 'i.source_user_id') }}
