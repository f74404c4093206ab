-- Discourse activities, one row per activity: the latest fetched version wins.
-- depends on: {{ source('landing', 'discourse') }}
{{ stage_activities('discourse') }}
