-- Github activities, one row per activity: the latest fetched version wins.
-- depends on: {{ source('landing', 'github') }}
{{ stage_activities('github') }}
