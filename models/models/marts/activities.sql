-- Every activity of every source, with the member behind it, the organization they were
-- with on that day, and its weight.
with activities as (
    select * from {{ ref('int_activities__unioned') }}
),

identities as (
    select * from {{ ref('identities') }}
),

affiliations as (
    select * from {{ ref('member_organizations') }}
),

weights as (
    select * from {{ activity_weights() }}
),

-- Staff: an account marked staff in its source (forum moderators, …), or anyone working
-- for the staff organization (organizations.yml) at the time.
staff_members as (
    select member_id from identities group by member_id having bool_or(is_staff)
),

staff_organizations as (
    select distinct organization from affiliations where is_staff_organization
),

-- Materialized: the final sort then reads a buffer DuckDB can spill to disk; sorting
-- straight off the joins ran out of memory at ten million activities.
with_member as materialized (
    select
        a.*,
        i.member_id,
        coalesce(i.is_bot, false) as is_bot,
        cast(a.occurred_at as date) as activity_date
    from activities as a
    left join identities as i using (source, source_user_id)
),

-- A dated (manual) affiliation covering the day wins; then the member's strongest
-- undated one (one per member, so ten million activities need no window over joins).
undated as (
    select member_id, organization
    from affiliations
    where valid_from is null and valid_to is null
    qualify row_number() over (partition by member_id order by rule_rank, organization) = 1
),

dated as (
    select * from affiliations where valid_from is not null or valid_to is not null
),

-- Dated affiliations may overlap, so each member's dated days are cut into periods at
-- every start and end; within a period the same affiliations apply every day, and the
-- one that wins (a start over an open start, then the rule, then the name) is decided
-- once per period instead of once per activity. Periods do not overlap, so an activity
-- joins at most one.
bounds as (
    select member_id, coalesce(valid_from, date '0001-01-01') as day from dated
    union
    select member_id, valid_to + 1 from dated where valid_to is not null
),

periods as (
    select
        member_id,
        day as period_start,
        coalesce(lead(day) over (partition by member_id order by day) - 1, date '9999-12-31')
            as period_end
    from bounds
),

dated_periods as (
    select p.member_id, p.period_start, p.period_end, d.organization
    from periods as p
    join dated as d
        on d.member_id = p.member_id
        and (d.valid_from is null or d.valid_from <= p.period_start)
        and (d.valid_to is null or p.period_start <= d.valid_to)
    qualify row_number() over (
        partition by p.member_id, p.period_start
        order by d.valid_from is null, d.rule_rank, d.organization
    ) = 1
)

select
    m.source || ':' || m.activity_id as activity_key,
    m.source,
    m.activity_id,
    m.activity_type,
    case when m.activity_type in ({{ contribution_types() }})
        then 'contribution' else 'conversation' end as category,
    m.occurred_at,
    m.activity_date,
    m.member_id,
    m.source_user_id,
    m.is_bot,
    coalesce(o.organization, u.organization) as organization,
    coalesce(
        m.member_id in (select member_id from staff_members)
        or coalesce(o.organization, u.organization)
            in (select organization from staff_organizations),
        false
    ) as is_staff,
    m.channel,
    m.url,
    m.title,
    m.thread_id,
    m.parent_id,
    coalesce(w.weight, 0) as weight
from with_member as m
left join dated_periods as o
    on o.member_id = m.member_id and m.activity_date between o.period_start and o.period_end
left join undated as u on u.member_id = m.member_id
left join weights as w using (activity_type)
-- Stored by organization, then member: DuckDB keeps each column's min and max per block
-- of rows, so a member's page or an organization's page reads a few blocks instead of
-- every activity (ten million activities: ~200 ms -> ~10 ms a query).
order by organization nulls last, member_id
