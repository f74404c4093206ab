"""The event list (the events folder's list files, read as the events source reads them):
every listed event, past and upcoming, with its place, format, organizers, local group
and the link to join it (README, Events, Local communities)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from connectors.sources.events.connector import event_list_arrow
    from pipelines.build.settings import current

    events = current().config.sources.events
    return event_list_arrow(events.folder if events else None)
