-- Discourse accounts, one row per account id.
-- depends on: {{ source('landing', 'discourse') }}
{{ stage_identities('discourse') }}
