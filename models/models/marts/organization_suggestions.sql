-- Email domains (not public mail providers) shared by several members that no
-- organization in organizations.yml claims: candidates to add there.
select domain, members from {{ resolved('organization_suggestions') }}
