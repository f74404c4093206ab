"""Every account's member: identity resolution (pipelines/identity) as a dbt model.

Shared emails and the team's decisions merge accounts, evidence merges what is
confident enough, and member ids stay what they were (see pipelines/identity/resolve.py).
The model's rows are each account's member; the suggestions, the affiliations and the
team's tags are written beside the landing zone (data/resolution/*.parquet) for the
marts, which read them through the `resolved` macro.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from pipelines.build.identity_step import resolve_for_models

    return resolve_for_models(session, dbt.ref("stg_landing__identities"))
