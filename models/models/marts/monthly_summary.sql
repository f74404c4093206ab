-- One row per calendar month: what the monthly Slack update reports. Per member and
-- month first, then the months from those. A deleted account (a ghost, a deactivated
-- user) counts as active, never as new: there is nobody to welcome.
with days as (
    select d.member_id, d.activity_date, d.category, d.organization, d.activities, m.is_deleted
    from {{ member_days() }} as d
    join {{ ref('members') }} as m using (member_id)
    where not d.is_bot
),

member_months as (
    select
        member_id,
        cast(date_trunc('month', activity_date) as date) as month,
        is_deleted,
        sum(activities) as activities,
        coalesce(sum(activities) filter (where category = 'contribution'), 0) as contributions
    from days
    group by all
),

firsts as (
    select
        member_id,
        min(month) as first_month,
        min(month) filter (where contributions > 0) as first_contribution_month
    from member_months
    group by member_id
),

organizations as (
    select cast(date_trunc('month', activity_date) as date) as month,
           count(distinct organization) as active_organizations
    from days
    group by all
)

select
    m.month,
    sum(m.activities)::bigint as activities,
    sum(m.contributions)::bigint as contributions,
    count(*) as active_members,
    count(*) filter (where m.contributions > 0) as contributors,
    count(*) filter (where m.month = f.first_month and not m.is_deleted) as new_members,
    count(*) filter (where m.month = f.first_contribution_month and not m.is_deleted)
        as first_time_contributors,
    any_value(o.active_organizations) as active_organizations
from member_months as m
join firsts as f using (member_id)
join organizations as o using (month)
group by m.month
