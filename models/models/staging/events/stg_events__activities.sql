-- Event attendance activities, one row per activity: the latest fetched version wins.
-- depends on: {{ source('landing', 'events') }}
{{ stage_activities('events') }}
