-- Which organization each member belongs to, from when to when, and the rule that said
-- so (manual, email_domain, github_org, company).
with affiliations as (
    select * from {{ resolved('member_organizations') }}
),

organizations as (
    select * from {{ resolved('organizations') }}
)

select
    a.member_id,
    a.organization,
    coalesce(o.is_staff, false) as is_staff_organization,
    a.rule,
    case a.rule when 'manual' then 0 when 'email_domain' then 1 when 'github_org' then 2
        else 3 end as rule_rank,
    a.evidence,
    a.valid_from,
    a.valid_to
from affiliations as a
left join organizations as o using (organization)
