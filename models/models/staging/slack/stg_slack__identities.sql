-- Slack accounts, one row per account id.
-- depends on: {{ source('landing', 'slack') }}
{{ stage_identities('slack') }}
