-- Slack activities, one row per activity: the latest fetched version wins.
-- depends on: {{ source('landing', 'slack') }}
{{ stage_activities('slack') }}
