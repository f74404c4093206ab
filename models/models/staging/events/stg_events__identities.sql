-- Event attendance accounts, one row per account id.
-- depends on: {{ source('landing', 'events') }}
{{ stage_identities('events') }}
