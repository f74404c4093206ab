-- Each member's tags: from the keyword rules (acacia.yml tags.rules, applied to titles
-- and message text at sync and recorded on the activity) and set by the team (its
-- store, pipelines/storage/team_store.py, exported by identity resolution). The dashboard adds the
-- team's newest tags from the store at once.
with identities as (
    select identity_key, member_id from {{ ref('identities') }}
),

ruled as (
    select member_id, {{ unnest_list('tags') }} as tag, occurred_at
    from {{ ref('activity_facts') }}
    where tags is not null and not is_deleted
),

by_rule as (
    select member_id, tag, 'rule' as origin, count(*) as activities,
           min(occurred_at) as first_at, null::string as tagged_by
    from ruled
    group by member_id, tag
),

by_team as (
    select i.member_id, t.tag, 'team' as origin, 0 as activities,
           min(t.tagged_at) as first_at, min(t.author) as tagged_by
    from {{ resolved('team_tags') }} as t
    join identities as i using (identity_key)
    group by i.member_id, t.tag
)

select * from by_team
union all
select r.* from by_rule as r anti join by_team using (member_id, tag)
