"""What people talk about, by place (city) and by event: each place's and each event's
themes, with how many texts say each and up to three short excerpts
(pipelines/build/themes.py says how they are found; README, Events, Themes)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from pipelines.build.themes import themes_for_models

    return themes_for_models(
        session,
        dbt.ref("stg_activity_texts"),
        dbt.ref("identities"),
        dbt.ref("members"),
        dbt.ref("event_feedback"),
        dbt.ref("events"),
    )
