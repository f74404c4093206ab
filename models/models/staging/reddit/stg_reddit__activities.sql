-- Reddit activities, one row per activity: the latest fetched version wins.
-- depends on: {{ source('landing', 'reddit') }}
{{ stage_activities('reddit') }}
