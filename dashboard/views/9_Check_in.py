"""Check-in: the page an organizer opens at the door, on a phone or a laptop (README,
Events, The organizer's kit). Each check-in lands at once as the event's attendance
(pipelines/sync/check_in.py); the event's figures count it after the next build, or now
with "Update the figures". Hidden in public mode, behind the dashboard's password."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from connectors.core import text
from connectors.sources.events.connector import ListedEvent, read_event_list
from dashboard import data, page, team
from pipelines.sync.check_in import CheckIn, check_in, checked_in, email_of

ROLES = ("attendee", "speaker", "organizer", "volunteer")
NEW_PERSON = "A new person"


def label(event: ListedEvent) -> str:
    place = event.details.get("city") or event.details.get("format") or ""
    return f"{event.day} · {event.event}" + (f" · {place}" if place else "")


def pick_event(events: list[ListedEvent], today: str) -> ListedEvent:
    """Today's event first, then the next one, then the latest."""
    upcoming = [e for e in events if e.day >= today]
    default = min(upcoming, key=lambda e: e.day) if upcoming else events[0]
    return st.selectbox(
        "Event", events, index=events.index(default), format_func=label, key="checkin_event"
    )


def main() -> None:
    p = page.current()
    settings = p.config.sources.events
    if settings is None:
        st.info(
            "Check-in needs the events source: add `sources: events: folder: events` to "
            "acacia.yml, with the event list in that folder (README, Events)."
        )
        return
    events, problems = read_event_list(settings.folder)
    for problem in problems:
        st.warning(str(problem))
    if not events:
        st.info(
            f"No event in the event list yet ({settings.folder}): add the event's row "
            "(event, date, city, country, format) and reload this page."
        )
        return
    event = pick_event(events, data.as_of(p.path).isoformat())
    st.caption(
        "Type the person's name and email, or find them among the members. Checking "
        "someone in twice counts them once."
    )
    name = st.text_input("Name", key="checkin_name")
    found = data.find_members(p.path, name) if len(name.strip()) >= 2 else []
    member = None
    if found:
        options = [NEW_PERSON, *found]
        member = st.selectbox(
            "Already a member?",
            options,
            format_func=lambda o: o if o == NEW_PERSON else o[1],
            key="checkin_member",
        )
        member = None if member == NEW_PERSON else member
    email = st.text_input("Email", key="checkin_email")
    role = st.radio("Role", ROLES, horizontal=True, key="checkin_role")
    named = st.radio(
        "Agrees to be named?",
        ("yes", "no"),
        index=None,
        horizontal=True,
        key="checkin_named",
        help="No: they are counted, and nothing of who they are is kept.",
    )
    first_time = st.checkbox("First time at one of our events?", key="checkin_first")
    if st.button("Check in", type="primary"):
        if named is None:
            st.error("Ask whether they agree to be named, and choose yes or no.")
        else:
            person_name, person_email = name, email
            if member is not None:
                accounts = [key for key, _ in data.member_accounts(p.path, member[0])]
                person_name = name or member[1].split(" — ")[0]
                person_email = email or email_of(p.config, accounts)
            try:
                landed = check_in(
                    p.config,
                    event,
                    CheckIn(person_name, person_email, role, named == "yes", first_time),
                )
            except ValueError as error:
                st.error(f"Not checked in: {error}.")
            else:
                who = text.markdown(person_name or person_email) if named == "yes" else "a guest"
                if landed:
                    st.success(f"Checked in {who} as {role}.")
                else:
                    st.warning(
                        "Not checked in: this person asked to be forgotten, and Acacia keeps "
                        "nothing of theirs."
                    )
    so_far(p, event)


def so_far(p: page.Page, event: ListedEvent) -> None:
    rows = checked_in(p.config, event.event_id)
    st.subheader(f"Checked in so far: {len({(r['name'], r['role']) for r in rows}):,}")
    if not rows:
        st.caption("No one yet.")
        return
    frame = pd.DataFrame(rows).assign(
        name=lambda f: f["name"].fillna("(asked not to be named)"),
        at=lambda f: pd.to_datetime(f["at"]).dt.strftime("%H:%M"),
    )
    page.table(frame.rename(columns={"at": "checked in at"}), "check_ins", noun="check-ins")
    st.caption(
        "The event's page counts them after the next build (every night), or now: "
        "the figures are rebuilt in a few seconds."
    )
    if st.button("Update the figures now"):
        team.apply_decisions(p.config)


main()
