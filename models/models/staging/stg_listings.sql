-- Every event as a source lists it (records.Listing: the events folder's list files,
-- Meetup's events, calendar feeds' occurrences): of each scope (a list file, a feed, a
-- Meetup event) the rows of its latest fetch, so an event taken out of a list or a feed
-- is no longer listed; then one row per listing, the latest. Cancelled ones are kept
-- here (is_cancelled) and left out by the event list. A table built whole each time: a
-- community lists a few thousand events.
{{ config(materialized='table') }}
with landed as (
    select * from {{ read_landed(all_landed_files(none, 'listings'), 'listings') }}
),

latest as (
    select *
    from landed
    qualify fetched_at = max(fetched_at) over (partition by source, scope)
)

select
    source,
    listing_id,
    scope,
    event,
    cast(day as date) as event_date,
    {{ utc_timestamp('starts_at') }} as starts_at,
    city,
    country,
    location,
    lower(format) as format,
    organizers,
    local_group,
    url,
    join_url,
    coalesce(is_cancelled, false) as is_cancelled,
    extra,
    {{ utc_timestamp('fetched_at') }} as fetched_at
from latest
qualify row_number() over (
    partition by source, listing_id order by fetched_at desc, _file desc
) = 1
