-- The event list (README, Events): every event a source lists, past and upcoming (the
-- events folder's list files, Meetup, calendar feeds), each once, with its place read as
-- members' locations are (int_places), its format, organizers, local group and links.
--
-- An event two sources list is one event: rows of the same date and name (case and
-- spaces aside), then rows of the same page, are one, and its details come from the
-- team's own list first (the events folder), then from the source that gives a start
-- time, then by source name. Cancelled events are left out. Its id is the id its
-- attendance carries (records.event_id: name and date), so the attendance of an event
-- that Meetup lists and a CSV records joins it.
with listed as (
    select
        *,
        cast(event_date as string) || ' ' || lower(trim(event)) as same_name,
        row_number() over (
            order by case when source = 'events' then 0 else 1 end, starts_at is null,
                source, listing_id
        ) as preference
    from {{ ref('stg_listings') }}
    where not is_cancelled
),

keyed as (
    -- The same date and name, or the same page as a row of another name: one event.
    select
        *,
        coalesce(
            case when url is not null then first_value(same_name)
                over (partition by url order by preference) end,
            same_name
        ) as same_event
    from listed
),

chosen as (
    select *
    from keyed
    qualify row_number() over (partition by same_event order by preference) = 1
),

sources as (
    select same_event, {{ list_join(sorted_set('source'), ', ') }} as sources
    from keyed
    group by same_event
)

select
    e.listing_id as event_id,
    e.event,
    e.event_date,
    e.starts_at,
    coalesce(e.format, 'meetup') as format,
    e.organizers,
    e.local_group,
    e.url as event_url,
    e.join_url,
    case when pl.country_code is not null then pl.city end as city,
    pl.country,
    pl.region,
    s.sources
from chosen as e
join sources as s using (same_event)
left join {{ intermediate('int_places') }} as pl
    on pl.kind = 'location' and pl.value = concat_ws(', ', e.city, e.country)
