-- Accounts that may be the same person, with the evidence and a confidence (0-100).
-- decision 'review': waiting for a person to accept (`acacia accept <suggestion_id>`) or
-- reject (`acacia reject <suggestion_id>`); 'automatic': merged without asking (at or
-- above identity.auto_merge_confidence), undone by rejecting it.
with suggestions as (
    select * from {{ resolved('identity_suggestions') }}
),

identities as (
    select identity_key, display_name, username from {{ ref('identities') }}
)

select
    s.suggestion_id,
    s.identity_a,
    coalesce(a.display_name, a.username) as name_a,
    s.identity_b,
    coalesce(b.display_name, b.username) as name_b,
    s.member_a,
    s.member_b,
    s.rule,
    s.evidence,
    s.score,
    s.decision
from suggestions as s
left join identities as a on a.identity_key = s.identity_a
left join identities as b on b.identity_key = s.identity_b
