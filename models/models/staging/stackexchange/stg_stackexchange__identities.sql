-- Stack Exchange accounts, one row per account id.
-- depends on: {{ source('landing', 'stackexchange') }}
{{ stage_identities('stackexchange') }}
