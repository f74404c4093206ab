-- The organizations of organizations.yml, with the members attributed to them now.
with organizations as (
    select * from {{ resolved('organizations') }}
),

members as (
    select organization, count(*) as members
    from {{ ref('members') }}
    where organization is not null and not is_bot
    group by organization
)

select
    o.organization,
    o.domains,
    o.github_orgs,
    o.aliases,
    o.website,
    o.is_staff,
    coalesce(m.members, 0) as members
from organizations as o
left join members as m using (organization)
