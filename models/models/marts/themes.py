"""What people talk about, by place (city) and by event: each place's and each event's
themes, with how many texts say each and up to three short excerpts
(pipelines/build/themes.py says how they are found; README, Events, Themes)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from pipelines.build.themes import themes_for_models

    return themes_for_models(
        {
            "texts": dbt.ref("stg_activity_texts"),
            "identities": dbt.ref("identities"),
            "members": dbt.ref("members"),
            "feedback": dbt.ref("event_feedback"),
            "events": dbt.ref("events"),
        },
    )
