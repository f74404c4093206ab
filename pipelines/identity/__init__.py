"""Identity resolution: accounts into members, members into organizations.

Plain Python (no Dagster, no dbt): :mod:`resolve` merges identities and keeps member ids
stable, :mod:`suggestions` proposes merges for a person to decide, :mod:`organizations`
attributes members to organizations, :mod:`rules` reads and writes the version-controlled
files (identities.yml, organizations.yml), :mod:`scope` says which members a build
re-resolves and :mod:`quality` measures it against a drawn truth. A build runs it
through :mod:`pipelines.build.identity_step`.

May import: :mod:`pipelines.storage` (the team's decisions), :mod:`connectors.core`. No
source is named here: what identity resolution knows of a source it reads from the
source's declaration.
"""
