-- Stack Exchange activities, one row per activity: the latest fetched version wins.
-- depends on: {{ source('landing', 'stackexchange') }}
{{ stage_activities('stackexchange') }}
