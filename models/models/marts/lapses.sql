-- Every time a contributor lapsed, and whether they came back (README, Bring people
-- back). A member lapses when, after giving at least outreach.lapsed_contributions
-- contributions in the outreach.active_days days up to an active day, they are silent
-- (no activity of any kind) for the outreach.silent_days days after it: lapsed_on is
-- that day plus silent_days. They are back on their next active day.
--
-- Reactivation is measured from the reference day: the day the team reached out
-- (a "reached out" follow-up set after their last activity and before they came
-- back; the day they lapsed when it was set earlier), else the day they lapsed. Back
-- within 30 (90) days is known once the reference day is 30 (90) days old, or they
-- are back: unknown (null) before, so a recent month is never counted as a failure.
-- Bots and deleted accounts are never lapsed.
{%- set o = setting('outreach') %}
with days as (
    select
        member_id,
        activity_date,
        {{ counted('activities', "category = 'contribution'") }} as contributions,
        coalesce(sum(points) filter (where category = 'contribution'), 0) as points
    from {{ member_days() }}
    where not is_bot and activity_date <= {{ as_of_date() }}
    group by member_id, activity_date
),

gaps as (
    select
        member_id,
        activity_date as last_active_on,
        lead(activity_date) over (partition by member_id order by activity_date) as back_on
    from days
),

-- The silences long enough: silent_days without activity after the day (back later, or
-- not back by the as-of day).
silences as (
    select member_id, last_active_on, back_on
    from gaps
    where case
        when back_on is null
            then {{ date_diff('day', 'last_active_on', as_of_date()) }} >= {{ o['silent_days'] }}
        else {{ date_diff('day', 'last_active_on', 'back_on') }} > {{ o['silent_days'] }}
    end
),

-- What they gave in the active_days up to their last active day.
given as (
    select
        s.member_id,
        s.last_active_on,
        s.back_on,
        sum(d.contributions)::bigint as contributions,
        sum(d.points) as points
    from silences as s
    join days as d
        on d.member_id = s.member_id
        and d.activity_date > s.last_active_on - {{ o['active_days'] }}
        and d.activity_date <= s.last_active_on
    group by s.member_id, s.last_active_on, s.back_on
    having sum(d.contributions) >= {{ o['lapsed_contributions'] }}
),

reached_out as (
    select i.member_id, cast(f.set_at as date) as reached_on
    from {{ resolved('team_follow_ups') }} as f
    join {{ ref('identities') }} as i using (identity_key)
    where f.status = 'reached out'
),

contacted as (
    select g.member_id, g.last_active_on, min(r.reached_on) as reached_out_on
    from given as g
    join reached_out as r
        on r.member_id = g.member_id
        and r.reached_on > g.last_active_on
        and (g.back_on is null or r.reached_on < g.back_on)
    group by g.member_id, g.last_active_on
),

measured as (
    select
        g.*,
        g.last_active_on + {{ o['silent_days'] }} as lapsed_on,
        c.reached_out_on,
        c.reached_out_on is not null as is_contacted,
        case
            when c.reached_out_on > g.last_active_on + {{ o['silent_days'] }}
                then c.reached_out_on
            else g.last_active_on + {{ o['silent_days'] }}
        end as reference_on
    from given as g
    left join contacted as c using (member_id, last_active_on)
)

select
    l.member_id,
    l.last_active_on,
    l.lapsed_on,
    l.reached_out_on,
    l.is_contacted,
    l.reference_on,
    date_trunc('month', l.reference_on)::date as reference_month,
    l.back_on,
    {%- for days in [30, 90] %}
    case
        when l.back_on is not null
            and {{ date_diff('day', 'l.reference_on', 'l.back_on') }} <= {{ days }} then true
        when {{ date_diff('day', 'l.reference_on', as_of_date()) }} >= {{ days }} then false
    end as back_within_{{ days }}d,
    {%- endfor %}
    l.contributions,
    l.points,
    -- The members' own filter columns, so the dashboard filters without a join.
    {{ member_filter_columns('m') }}
from measured as l
join {{ ref('members') }} as m using (member_id)
where not m.is_bot and not m.is_deleted
order by l.member_id, l.last_active_on
