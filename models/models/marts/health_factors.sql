-- CHAOSS contributor absence factor (the fewest people making half of the
-- contributions) and elephant factor (the fewest organizations making half of them;
-- unaffiliated contributions left out), and the share of contributions from outside the
-- staff (organizational diversity: neither staff members nor the staff organization),
-- for the last four 90-day windows.
with windows as (
    select windows_ago from {{ integers('windows_ago', 0, 3) }}
),

contributions as (
    select w.windows_ago, a.member_id, a.organization, a.is_staff, a.activities
    from {{ member_days() }} as a
    cross join windows as w
    where a.category = 'contribution' and not a.is_bot
        and a.activity_date > {{ as_of_date() }} - 90 * (w.windows_ago + 1)
        and a.activity_date <= {{ as_of_date() }} - 90 * w.windows_ago
),

{% for who, column in [('members', 'member_id'), ('organizations', 'organization')] %}
{{ who }}_ranked as (
    select
        windows_ago,
        row_number() over (partition by windows_ago order by n desc, {{ column }}) as position,
        sum(n) over (partition by windows_ago order by n desc, {{ column }}
                     rows unbounded preceding) as running,
        sum(n) over (partition by windows_ago) as total
    from (
        select windows_ago, {{ column }}, sum(activities) as n
        from contributions
        where {{ column }} is not null
        group by all
    )
),

{{ who }}_factor as (
    select windows_ago, min(position) filter (where running * 2 >= total) as factor,
           any_value(total) as contributions
    from {{ who }}_ranked
    group by windows_ago
){{ "," if not loop.last }}
{% endfor %},

staff_shares as (
    select windows_ago, {{ counted('activities', 'not is_staff') }} as outside_staff
    from contributions
    group by windows_ago
)

select
    w.windows_ago,
    {{ as_of_date() }} - 90 * (w.windows_ago + 1) + 1 as window_start,
    {{ as_of_date() }} - 90 * w.windows_ago as window_end,
    coalesce(m.contributions, 0) as contributions,
    m.factor as contributor_absence_factor,
    o.factor as elephant_factor,
    coalesce(s.outside_staff, 0) as outside_staff_contributions,
    {{ rounded('s.outside_staff / nullif(m.contributions, 0)', 4) }} as outside_staff_share
from windows as w
left join members_factor as m using (windows_ago)
left join organizations_factor as o using (windows_ago)
left join staff_shares as s using (windows_ago)
