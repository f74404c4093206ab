-- Events compared across places (README, Events): per country and per city, the events
-- held there, their attendance, first-timers, and the attendees still active
-- events.retention_days after (counted over the attendances whose window has passed),
-- beside the active members living there (the last 90 days, from members' normalized
-- locations, staff included). is_priority marks acacia.yml's events.priority_places.
-- Online events and events without a known place are left out.
with events as (
    select * from {{ ref('events') }} where country is not null
),

attendance as (
    select a.*, e.region, e.country, e.city
    from {{ ref('event_attendance') }} as a
    join events as e using (event_id)
),

held as (
    select
        region,
        country,
        city,
        grouping(city) = 1 as is_country,
        count(distinct event_id) as events,
        max(event_date) as last_event_date
    from events
    group by grouping sets ((region, country, city), (region, country))
),

came as (
    select
        region,
        country,
        city,
        grouping(city) = 1 as is_country,
        count(*) as attendances,
        count(distinct member_id) as attendees,
        count(*) filter (where is_first_timer) as first_timers,
        count(*) filter (where retention_measured) as retention_measured,
        count(*) filter (where retention_measured and activities_retention > 0) as retained
    from attendance
    group by grouping sets ((region, country, city), (region, country))
),

living as (
    select
        region,
        country,
        city,
        grouping(city) = 1 as is_country,
        sum(members)::bigint as active_members
    from {{ ref('region_windows') }}
    where days = 90 and staff_included and country is not null
    group by grouping sets ((region, country, city), (region, country))
)

select
    case when h.is_country then 'country' else 'city' end as level,
    h.region,
    h.country,
    h.city,
    {{ is_priority('h.region', 'h.country', 'h.city') }} as is_priority,
    h.events,
    h.last_event_date,
    c.attendances,
    c.attendees,
    c.first_timers,
    c.retention_measured,
    c.retained,
    c.retained / nullif(c.retention_measured, 0) as retention_rate,
    coalesce(l.active_members, 0) as active_members
from held as h
join came as c
    on c.is_country = h.is_country and c.country = h.country
    and c.city is not distinct from h.city
left join living as l
    on l.is_country = h.is_country and l.country = h.country
    and l.city is not distinct from h.city
