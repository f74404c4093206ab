-- Reddit accounts, one row per account id.
-- depends on: {{ source('landing', 'reddit') }}
{{ stage_identities('reddit') }}
