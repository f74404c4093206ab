"""Identity resolution: accounts into members, members into organizations.

Plain Python (no Dagster, no dbt): :mod:`resolve` merges identities and keeps member ids
stable, :mod:`suggestions` proposes merges for a person to decide, :mod:`organizations`
attributes members to organizations, :mod:`rules` reads and writes the version-controlled
files (identities.yml, organizations.yml).
"""
