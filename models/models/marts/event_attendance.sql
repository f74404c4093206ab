-- One row per event and member who came (the events source, members merged as
-- everywhere): their role (the strongest of their rows: organizer, speaker, volunteer,
-- attendee),
-- whether they may be named, whether the event was their first activity in the
-- community, whether they came to a later event, and their own activity around it.
-- Their activity is what they did online: every source but events, so that one event
-- does not count another. "Before" is the events.before_days before the event's day,
-- "after" the events.after_days after it, "retention" the events.retention_days after it;
-- the event's own day is in none. A window that has not passed yet is not measured
-- (the *_measured flags), so a recent event is never said to have lost its attendees.
--
-- Incremental, keyed by member: a member's rows depend only on their own attendance and
-- activity, and on the as-of day through the two *_measured flags. So a build recomputes
-- the members whose activities were written since its watermark (new, changed, deleted,
-- re-attributed: an attendance is an activity of its source too), those an account
-- left, and those with an event whose after or retention window ended between the
-- stored as-of day and this one; every member in a full build or when the events'
-- settings changed (attendance_settings_print()).
{{ config(
    materialized=incremental_materialization(),
    unique_key='member_id',
    incremental_strategy='replace_keys',
    post_hook="{{ record_watermark(attendance_settings_print() | trim ~ '@' ~ setting('as_of_date')) }}"
) }}
-- depends_on: {{ ref('activity_facts') }}
{%- set before, after, retention = event_setting('before_days'), event_setting('after_days'), event_setting('retention_days') %}
{%- set stored = kept_as_of(attendance_settings_print() | trim) %}
with attended as (
    select a.event_id, a.event_date, a.role, a.is_named, i.member_id
    from {{ ref('stg_event_attendance') }} as a
    join {{ ref('identities') }} as i
        on i.source = a.source and i.source_user_id = a.source_user_id
),
{%- if is_incremental() %}

changed as (
    {%- if stored is none %}
    select member_id from {{ this }}
    union
    select member_id from attended
    {%- else %}
    {%- set since = watermark() %}
    select member_id from {{ ref('activity_facts') }}
    where _batch > {{ since }} and member_id is not null
    union
    select old_member_id from {{ identity_moves(since) }} where old_member_id is not null
    union
    select member_id from attended
    where (event_date + {{ after }} <= {{ stored }}) <> (event_date + {{ after }} <= {{ as_of_date() }})
        or (event_date + {{ retention }} <= {{ stored }}) <> (event_date + {{ retention }} <= {{ as_of_date() }})
    {%- endif %}
),
{%- endif %}

attendance as (
    select * from attended
    {%- if is_incremental() %}
    where member_id in (select member_id from changed)
    {%- endif %}
),

per_member as (
    select
        event_id,
        member_id,
        min(event_date) as event_date,
        case max(case role when 'organizer' then 4 when 'speaker' then 3 when 'volunteer' then 2 else 1 end)
            when 4 then 'organizer' when 3 then 'speaker' when 2 then 'volunteer' else 'attendee'
        end as role,
        bool_and(is_named) as is_named
    from attendance
    group by event_id, member_id
),

days as (
    select member_id, activity_date, not {{ is_attendance('source') }} as online, sum(activities) as activities
    from {{ ref('member_daily') }}
    semi join per_member using (member_id)
    where not is_bot
    group by all
),

first_days as (
    select member_id, min(activity_date) as first_date from days group by member_id
),

-- Each member's online days and, as rows of no activity, the days of their events, by
-- day number: the sums around an event are windows over one sort per member (joining
-- every event with every day around it grew with the attendees times the days: at ten
-- million activities 31 million pairs).
probes as (
    select
        member_id, {{ date_diff('day', "date '2000-01-01'", 'activity_date') }} as day,
        activities, cast(null as {{ sql_type('varchar') }}) as event_id
    from days
    where online
    union all
    select member_id, {{ date_diff('day', "date '2000-01-01'", 'event_date') }}, 0, event_id
    from per_member
),

around as (
    select
        event_id,
        member_id,
        -- The event's rows only (the others have no event_id: the join below).
        coalesce(sum(activities) over before_event, 0)::bigint as activities_before,
        coalesce(sum(activities) over after_event, 0)::bigint as activities_after,
        coalesce(sum(activities) over retention, 0)::bigint as activities_retention
    from probes
    window
        before_event as (partition by member_id order by day
            range between {{ before }} preceding and 1 preceding),
        after_event as (partition by member_id order by day
            range between 1 following and {{ after }} following),
        retention as (partition by member_id order by day
            range between 1 following and {{ retention }} following)
),

-- Each attendance with the member's activity around it.
measured as (
    select
        p.event_id,
        p.member_id,
        p.event_date,
        p.role,
        p.is_named,
        -- Nothing of theirs, anywhere, before the event's day.
        coalesce(f.first_date >= p.event_date, true) as is_first_timer,
        -- A later event of theirs (the latest event of the member is after this one's).
        p.event_date < max(p.event_date) over (partition by p.member_id) as came_back,
        a.activities_before,
        a.activities_after,
        a.activities_retention,
        p.event_date + {{ after }} <= {{ as_of_date() }} as after_measured,
        p.event_date + {{ retention }} <= {{ as_of_date() }} as retention_measured
    from per_member as p
    join around as a using (event_id, member_id)
    left join first_days as f using (member_id)
)

{{ replaced_rows('measured', 'changed', ['member_id']) }}
