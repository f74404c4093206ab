-- Active members per week, people only, with staff included and left out
-- (staff_included): those active for the first time ever that week, and the others (seen
-- before). Weeks start on Monday; and for each standard window (the last 30, 90, 180 and
-- 365 days up to the as-of day) that does not start on a Monday, its first week is also
-- counted from the window's first day to that Sunday, so the dashboard's weeks start
-- where its window starts (week: that first day). Per member and week first.
with humans as (
    select member_id, activity_date, is_staff
    from {{ ref('member_daily') }}
    where not is_bot
),

window_starts as (
    select {{ as_of_date() }} - days + 1 as start_date
    from (values {% for days in standard_windows() %}({{ days }}){{ ', ' if not loop.last }}{% endfor %}) as w(days)
    -- Not a Monday: not the first day of its week.
    where cast(date_trunc('week', {{ as_of_date() }} - days + 1) as date) <> {{ as_of_date() }} - days + 1
),

member_weeks as (
    select
        member_id,
        date_trunc('week', activity_date)::date as week,
        bool_or(not is_staff) as outside_staff
    from humans
    group by all
    union all
    select h.member_id, s.start_date as week, bool_or(not h.is_staff) as outside_staff
    from humans as h
    join window_starts as s
      on h.activity_date between s.start_date
                             and date_trunc('week', s.start_date)::date + 6
    group by all
)

{% for staff_included, _, _ in staff_variants() %}
select
    w.week,
    {{ staff_included }} as staff_included,
    count(*) as active_members,
    -- New: the members mart's joined_on (one definition; a deleted account has none).
    count(*) filter (where m.joined_on >= w.week) as new_members
from member_weeks as w
join {{ ref('members') }} as m using (member_id)
{%- if not staff_included %}
where w.outside_staff
{%- endif %}
group by 1
{% if not loop.last %}union all{% endif %}
{% endfor %}
