"""Local communities: the project's local groups and where to find them (README, Events,
Local communities). A group is a series of events in one city; its next event comes from
the event list. Shown in public mode too (organizers named only where they agreed), and
exported with the partner directory (local-groups.csv and .json) for the website."""

from __future__ import annotations

import streamlit as st

from connectors.core import figures
from dashboard import page


def main() -> None:
    p = page.current()
    groups = figures.local_groups(p.read)
    if groups.empty:
        st.info(
            "No local group yet: a group is a series of events in one city, from the event "
            "list (its `group` column names it, `join` links to it; README, Events)."
        )
        return
    st.caption(
        "Each local group: a series of events in one city (the event list's group column "
        "names it, else its city), the events held, the last one and the next, who "
        "organizes it (as the event list says, and the members who organized its events "
        "and agreed to be named), the members living in its city active in the last 90 "
        "days, and where to join."
        + (
            " Priority places (acacia.yml events.priority_places) first."
            if p.config.events.priority_places
            else ""
        )
    )
    shown = groups.assign(
        last_event=[
            _event(n, d)
            for n, d in zip(groups["last_event"], groups["last_event_date"], strict=True)
        ],
        next_event=[
            _event(n, d)
            for n, d in zip(groups["next_event"], groups["next_event_date"], strict=True)
        ],
    )
    columns = ["local_group", "city", "country"]
    if p.config.events.priority_places:
        columns.append("is_priority")
    columns += [
        "events_held",
        "last_event",
        "next_event",
        "organizers",
        "organizer_members",
        "active_members",
        "link",
    ]
    page.table(
        shown.rename(columns={"join_url": "link"})[columns].rename(
            columns={"is_priority": "priority"}
        ),
        "local_groups",
        noun="local groups",
        public=p.public,
    )


def _event(name: object, day: object) -> str:
    if not isinstance(name, str):
        return ""
    return f"{name} ({day:%d %b %Y})"


main()
