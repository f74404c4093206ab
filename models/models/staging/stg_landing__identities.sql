-- Every registered source's landed accounts: one row per account, full profiles first.
{{ for_each_source('identities') }}
