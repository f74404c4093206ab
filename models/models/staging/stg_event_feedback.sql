-- Every response to an event's feedback survey (the events source's feedback files,
-- records.Feedback): of each file, the rows of its latest import, so a corrected or
-- shortened file replaces what it said before. A table built whole each time, as the
-- attendance: a team's surveys are a few thousand rows.
{{ config(materialized='table') }}
with landed as (
    select *, {{ json_text('extra', '$.file') }} as survey_file
    from {{ read_landed(all_landed_files('events', 'feedback'), 'feedback') }}
),

latest as (
    select *
    from landed
    qualify fetched_at = max(fetched_at) over (partition by survey_file)
)

select
    response_id,
    event_id,
    respondent as source_user_id,
    rating,
    scale_min,
    scale_max,
    coalesce(may_quote, false) as may_quote,
    answers,
    survey_file,
    fetched_at
from latest
qualify row_number() over (partition by response_id order by fetched_at desc, _file desc) = 1
