-- Every activity landed, once: the latest fetch of each (a later fetch replaces an
-- earlier one: an edited title; a deletion is kept as a row with is_deleted), with the
-- member behind it, whether that account is a bot, the organization the member was with
-- on that day and whether they count as staff. Incremental: a build reads the files
-- landed since its last build, and re-attributes the stored activities of accounts whose
-- member, bot flag, staff flag or affiliations changed (int_identities__resolved marks
-- them with the batch that changed them). The `activities` view adds the weight and
-- category of acacia.yml and leaves deletions out.
{{ config(
    materialized=incremental_materialization(),
    unique_key='activity_key',
    incremental_strategy='replace_keys',
    post_hook="{{ record_watermark() }}"
) }}
{%- set since = watermark() %}
with landed {{ cte_as('not materialized') }} (
    select * from {{ read_landed(unread_files('activities'), 'activities') }}
),

-- An activity fetched more than once: the latest fetch wins (then the later file). Only
-- the repeated ones are ranked: finding them is a cheap grouping of two columns, and
-- ranking every activity cost ~0.5 s a million.
repeated as (
    select source, activity_id from landed group by all having count(*) > 1
),

latest as (
    select landed.* from landed anti join repeated using (source, activity_id)
    union all
    (
        select landed.* from landed semi join repeated using (source, activity_id)
        qualify row_number() over (
            partition by source, activity_id order by fetched_at desc, _file desc
        ) = 1
    )
),

fetched as (
    select
        source || ':' || activity_id as activity_key,
        source,
        activity_id,
        type as activity_type,
        {{ utc_timestamp('occurred_at') }} as occurred_at,
        cast({{ utc_timestamp('occurred_at') }} as date) as activity_date,
        actor as source_user_id,
        channel,
        url,
        title,
        thread_id,
        parent_id,
        -- The tags the keyword rules found (acacia.yml tags.rules, applied at sync).
        {{ json_text_list('extra', '$.tags') }} as tags,
        coalesce(is_deleted, false) as is_deleted,
        {{ utc_timestamp('fetched_at') }} as fetched_at,
        _file
    from latest
),

resolved as (
    select * from {{ intermediate('int_identities__resolved') }}
),

staged as (
    select f.*
    from fetched as f
    -- A stored row from a later fetch stays.
    {{ later_fetch_stays('f', 'activity_key') }}
    {%- if is_incremental() %}
    union all by name
    -- Stored activities whose account's attribution changed since the last build.
    select stored.* exclude (member_id, is_bot, organization, is_staff, _batch)
    from {{ this }} as stored
    semi join (
        select source, source_user_id from resolved where changed_batch > {{ since }}
    ) as changed using (source, source_user_id)
    anti join fetched using (activity_key)
    {%- endif %}
),

affiliations as (
    select * from {{ ref('member_organizations') }}
),

-- Staff: an account marked staff in its source (forum moderators, …), or anyone working
-- for the staff organization (organizations.yml) at the time.
staff_members as (
    select member_id from resolved group by member_id having bool_or(is_staff)
),

staff_organizations as (
    select distinct organization from affiliations where is_staff_organization
),

-- Materialized: the final sort then reads a buffer DuckDB can spill to disk; sorting
-- straight off the joins ran out of memory at ten million activities.
with_member {{ cte_as('materialized') }} (
    select s.*, r.member_id, coalesce(r.is_bot, false) as is_bot
    from staged as s
    left join resolved as r using (source, source_user_id)
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
    m.activity_key,
    m.source,
    m.activity_id,
    m.activity_type,
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
    m.tags,
    m.is_deleted,
    m.fetched_at,
    m._file,
    {{ setting('batch') }}::bigint as _batch
    {%- if is_incremental() %},
    false as _removed
    {%- endif %}
from with_member as m
left join dated_periods as o
    on o.member_id = m.member_id and m.activity_date between o.period_start and o.period_end
left join undated as u on u.member_id = m.member_id
-- Stored by organization, then member: DuckDB keeps each column's min and max per block
-- of rows, so a member's page or an organization's page reads a few blocks instead of
-- every activity (ten million activities: ~200 ms -> ~10 ms a query). A night's rows
-- are appended in that order too; a rebuild sorts them all again.
order by organization nulls last, member_id
