-- Every attendance row of every event (the events source: connectors/sources/events), its latest
-- import: who came to which event in which role, whether they may be named, and the
-- event's details from the event list (place, format, organizers, links). A table built
-- whole each time from the landed files: a team's events are a few thousand rows, and a
-- changed event list re-lands the rows of its events with their new details.
{{ config(materialized='table') }}
with latest as (
    select *
    from {{ read_landed(all_landed_files('events', 'activities'), 'activities') }}
    qualify row_number() over (partition by activity_id order by fetched_at desc, _file desc) = 1
)

select
    activity_id,
    substr(thread_id, length('event:') + 1) as event_id,
    channel as event,
    cast({{ utc_timestamp('occurred_at') }} as date) as event_date,
    actor as source_user_id,
    {{ json_text('extra', '$.role') }} as role,
    coalesce(cast({{ json_text('extra', '$.named') }} as boolean), true) as is_named,
    coalesce(cast({{ json_text('extra', '$.listed') }} as boolean), false) as is_listed,
    {{ json_text('extra', '$.format') }} as format,
    coalesce(
        {{ json_text('extra', '$.city') }}, {{ json_text('extra', '$.location') }}
    ) as city,
    {{ json_text('extra', '$.country') }} as country,
    {{ json_text('extra', '$.organizers') }} as organizers,
    {{ json_text('extra', '$.notes') }} as notes_url,
    {{ json_text('extra', '$.report') }} as report_url,
    {{ json_text('extra', '$.photos') }} as photos_url,
    {{ json_text('extra', '$.recording') }} as recording_url,
    fetched_at
from latest
where not coalesce(is_deleted, false)
