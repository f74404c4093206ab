-- Github accounts, one row per account id.
-- depends on: {{ source('landing', 'github') }}
{{ stage_identities('github') }}
