-- The local groups (README, Events, Local communities): a group is a series of events in
-- one city, named by the event list's `group` column (else its city's). Per group: its
-- place (is_priority: acacia.yml events.priority_places), the events held, the last and
-- the next one (upcoming events are in the event list only), the organizers as the list
-- names them, the members who organized its events and agreed to be named, the active
-- members living in its city (the last 90 days, as event_places counts them) and the
-- link to join it. Online events and events without a known city are no local group.
with listed as (
    select * from {{ ref('event_list') }}
),

every_event as (
    select event_id, event, event_date, format, organizers, local_group, join_url,
           city, country, region
    from listed
    union all
    -- An event only the attendance knows (no list row) counts for its city's group.
    select e.event_id, e.event, e.event_date, e.format, e.organizers, null, null,
           e.city, e.country, e.region
    from {{ ref('events') }} as e
    anti join listed as l using (event_id)
),

placed as (
    select *, coalesce(local_group, city || ', ' || country) as group_name
    from every_event
    where city is not null and coalesce(format, '') <> 'online'
),

groups as (
    select
        group_name,
        {{ arg_max('region', 'event_date') }} as region,
        {{ arg_max('country', 'event_date') }} as country,
        {{ arg_max('city', 'event_date') }} as city,
        count(*) filter (where event_date <= {{ as_of_date() }}) as events_held,
        max(event_date) filter (where event_date <= {{ as_of_date() }}) as last_event_date,
        min(event_date) filter (where event_date > {{ as_of_date() }}) as next_event_date,
        -- (NULL when none names them: a calendar's events may not.)
        nullif({{ list_join(sorted_set('organizers'), ', ') }}, '') as organizers,
        -- The events' names, the latest held and the next (an event of another day
        -- has no key here, and is not taken).
        {{ arg_max('event', "case when event_date <= " ~ as_of_date() ~ " then event_date end") }}
            as last_event,
        {{ arg_min('event', "case when event_date > " ~ as_of_date() ~ " then event_date end") }}
            as next_event,
        max(join_url) as join_url
    from placed
    group by group_name
),

named as (
    select
        e.group_name,
        {{ list_join(sorted_set('m.display_name'), ', ') }} as organizer_members
    from placed as e
    join {{ ref('event_attendance') }} as a using (event_id)
    join {{ ref('members') }} as m on m.member_id = a.member_id
    where a.role = 'organizer' and a.is_named
    group by e.group_name
),

living as (
    select country, city, sum(members)::bigint as active_members
    from {{ ref('region_windows') }}
    where days = 90 and staff_included and city is not null
    group by all
)

select
    g.group_name as local_group,
    g.region,
    g.country,
    g.city,
    {{ is_priority('g.region', 'g.country', 'g.city') }} as is_priority,
    g.events_held,
    g.last_event_date,
    g.last_event,
    g.next_event_date,
    g.next_event,
    g.organizers,
    n.organizer_members,
    coalesce(l.active_members, 0) as active_members,
    g.join_url
from groups as g
left join named as n using (group_name)
left join living as l on l.country = g.country and l.city = g.city
