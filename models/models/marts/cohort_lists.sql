-- The Engagement page's lists with its default filters, with staff included and left out
-- (staff_included; a staff member: marked staff, or of an organization marked staff):
-- for each cohort flag of member_cohorts, the 500 most recently active members (in the
-- page's order) and how many there are in all. Other filters read member_cohorts itself.
{%- set flags = ['is_new', 'is_first_contribution', 'is_returning', 'is_at_risk'] %}
{% for flag in flags %}
{%- set outer_loop = loop %}
{%- for staff_included in [true, false] %}
select
    '{{ flag }}' as cohort,
    {{ staff_included }} as staff_included,
    row_number() over (order by last_activity_date desc, display_name, member_id)
        as position,
    count(*) over () as total,
    member_id,
    display_name,
    organization,
    engagement_level,
    previous_level,
    first_activity_date,
    first_contribution_date,
    last_activity_date,
    {{ list_join('sources', ', ') }} as sources
from {{ ref('member_cohorts') }}
where {{ flag }}
    {%- if not staff_included %} and not (is_staff or is_staff_organization){% endif %}
qualify position <= 500
{% if not (outer_loop.last and loop.last) %}union all{% endif %}
{% endfor %}
{%- endfor %}
