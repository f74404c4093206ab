-- Active members per week (weeks start on Monday), people only, with staff included and
-- left out (staff_included): those active for the first time ever that week, and the
-- others (seen before). Per member and week first.
with member_weeks as (
    select
        member_id,
        date_trunc('week', activity_date)::date as week,
        bool_or(not is_staff) as outside_staff
    from {{ ref('member_daily') }}
    where not is_bot
    group by all
)

{% for staff_included, _, _ in staff_variants() %}
select
    w.week,
    {{ staff_included }} as staff_included,
    count(*) as active_members,
    count(*) filter (where cast(m.first_seen_at as date) >= w.week) as new_members
from member_weeks as w
join {{ ref('members') }} as m using (member_id)
{%- if not staff_included %}
where w.outside_staff
{%- endif %}
group by 1
{% if not loop.last %}union all{% endif %}
{% endfor %}
