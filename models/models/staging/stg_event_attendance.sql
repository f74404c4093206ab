-- Every attendance row of every event (the attendance sources, those declaring the events'
-- activity types: the events folder's CSV files, Meetup), its latest import: who came to
-- which event in which role, whether they may be named, and the event's details from
-- the event list (place, format, organizers, links). A table built
-- whole each time from the landed files: a team's events are a few thousand rows, and a
-- changed event list re-lands the rows of its events with their new details.
{{ config(materialized='table') }}
-- The sources are looped over at run time only: the ledger it reads, said for dbt.
-- depends_on: {{ ref('stg_landed_files') }}
{%- set files = [] %}
{%- for source_name in setting('attendance_sources') or [] %}
  {%- do files.extend(all_landed_files(source_name, 'activities')) %}
{%- endfor %}
with latest as (
    select *
    from {{ read_landed(files, 'activities') }}
    qualify row_number() over (
        partition by source, activity_id order by fetched_at desc, _file desc
    ) = 1
)

select
    activity_id,
    source,
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
