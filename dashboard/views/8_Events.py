"""Events: every event the team ran or helped, who it brought in and kept, its impact on
the community, and events compared across places (README, Events)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from connectors.core import text
from dashboard import charts, data, page

LINKS = (
    ("notes_url", "Notes"),
    ("report_url", "Report"),
    ("photos_url", "Photos"),
    ("recording_url", "Recording"),
)


def impact_text(row: dict | pd.Series) -> str:
    """An event's impact as the list reads it: "+12%", or why there is none yet."""
    status = row["impact_status"]
    if status == "too early to tell":
        return f"too early to tell (until {row['after_until']:%d %b %Y})"
    if status != "measured" or row["impact"] is None or pd.isna(row["impact"]):
        return status if status != "measured" else "no activity predicted"
    return f"{row['impact']:+.0%}"


def event_list(p: page.Page) -> None:
    settings = p.config.events
    f = p.filters
    listed = data.events(p.path, f)
    if listed.empty and data.events(p.path, data.Filters(date.min, date.max)).empty:
        st.info(
            "No events yet. Put the attendance files (and the event list) in the events "
            "folder (sources.events.folder); the README's Events section shows their format."
        )
        return
    st.caption(
        f"The events of the window ({page.window_caption(f)}), the latest first. "
        "**First-timers**: people whose first activity anywhere in the community was this "
        "event. **Came back**: came to a later event. **Impact**: the community's online "
        f"activity in the {settings.after_days} days after the event against what its "
        f"trend over the {settings.trend_days} days before predicted (select an event to "
        "see the figures)."
    )
    columns = st.columns(4)
    columns[0].metric("Events", f"{len(listed):,}")
    columns[1].metric("Attendances", f"{int(listed['attendees'].sum()):,}")
    columns[2].metric("First-timers", f"{int(listed['first_timers'].sum()):,}")
    columns[3].metric("Came back to another event", f"{int(listed['came_back'].sum()):,}")
    if listed.empty:
        st.info("No event in this window: choose a longer one in the sidebar.")
        places(p)
        return
    shown = listed.assign(impact=[impact_text(row) for _, row in listed.iterrows()])
    shown = shown[
        [
            "event_date",
            "event",
            "place",
            "format",
            "attendees",
            "first_timers",
            "came_back",
            "impact",
        ]
    ]
    chosen = page.table(
        shown,
        "events",
        noun="events",
        on_select="rerun",
        selection_mode="single-row",
        key="events",
    )
    rows = chosen.selection.rows if chosen else []
    if rows:
        st.query_params["event"] = listed.iloc[rows[0]]["event_id"]
        st.rerun()
    st.caption("Select an event to open its page.")
    places(p)


def places(p: page.Page) -> None:
    settings = p.config.events
    st.subheader("Places compared")
    st.caption(
        "Per country and city, over every event whatever the window (online events and "
        "events without a known place are not in it): the "
        "events held there, their attendance and first-timers, and the share of attendees "
        f"still active online within {settings.retention_days} days (counted once those "
        "days have passed), beside the members living there who were active in the last "
        "90 days (from their profiles' locations, read as on Channels and places)."
    )
    found = data.event_places(p.path)
    if found.empty:
        st.info("No event with a known place yet.")
        return
    found = found.assign(
        retention=[
            f"{rate:.0%}" if measured else "not yet"
            for rate, measured in zip(
                found["retention_rate"], found["retention_measured"], strict=True
            )
        ]
    )
    for level, noun in (("country", "countries"), ("city", "cities")):
        rows = found[found["level"] == level]
        columns = ["country", "city"] if level == "city" else ["region", "country"]
        columns += ["events", "attendances", "first_timers", "retention", "active_members"]
        if settings.priority_places:
            columns.append("is_priority")
        st.markdown(f"**By {level}**")
        page.table(
            rows[columns].rename(columns={"is_priority": "priority"}),
            f"event_{noun}",
            noun=noun,
        )
    months = data.place_months(p.path).query("is_complete")
    if not settings.priority_places:
        st.caption(
            "Mark the regions, countries or cities to watch in acacia.yml "
            "(events.priority_places) to follow them against the others here."
        )
        return
    st.markdown(
        "**Priority places against the others** ("
        + text.markdown(", ".join(settings.priority_places))
        + "), month by month (whole months of the last year)"
    )
    left, right = st.columns(2)
    left.plotly_chart(
        charts.priority_places(months, "active_members", "Active members living there"),
        width="stretch",
    )
    right.plotly_chart(
        charts.priority_places(months, "attendances", "Event attendance"), width="stretch"
    )


def event_page(p: page.Page, event_id: str) -> None:
    found = data.event(p.path, event_id)
    if st.button("← All events"):
        del st.query_params["event"]
        st.rerun()
    if found is None:
        st.warning("No such event in the current data.")
        return
    st.header(text.markdown(found["event"]))
    facts = [
        f"{found['event_date']:%A %d %B %Y}",
        found["place"] and text.markdown(found["place"]),
        found["format"] and found["format"].capitalize(),
        found["organizers"] and f"organized by {text.markdown(found['organizers'])}",
    ]
    st.caption(" · ".join(fact for fact in facts if fact))
    links = [(label, found[key]) for key, label in LINKS if found[key]]
    if links:
        for column, (label, url) in zip(st.columns(len(links) + 2), links, strict=False):
            column.link_button(label, url)
    attendees = int(found["attendees"])
    columns = st.columns(4)
    columns[0].metric("Attendees", f"{attendees:,}")
    columns[1].metric(
        "First-timers",
        f"{int(found['first_timers']):,}",
        help="Their first activity anywhere in the community was this event.",
    )
    columns[2].metric("Members already", f"{int(found['already_members']):,}")
    columns[3].metric(
        "Came back to another event",
        f"{int(found['came_back']):,}",
        help="Came to a later event (any event, any role).",
    )
    attendee_activity(found)
    impact(p, found)
    people(p, found)


def attendee_activity(found: dict) -> None:
    st.subheader("The attendees' own activity")
    before, after, retention = (
        int(found[k]) for k in ("before_days", "after_days", "retention_days")
    )
    st.caption(
        "What the attendees did online (every source but events), in the days before the "
        "event and after it (the event's day in neither)."
    )
    columns = st.columns(4)
    was = int(found["attendee_activities_before"] or 0)
    columns[0].metric(f"{before} days before", f"{was:,}")
    if found["after_measured"]:
        now = int(found["attendee_activities_after"] or 0)
        columns[1].metric(f"{after} days after", f"{now:,}", page.delta(now, was))
    else:
        columns[1].metric(f"{after} days after", "too early to tell")
    if found["retention_measured"]:
        columns[2].metric(
            f"{retention} days after", f"{int(found['attendee_activities_retention'] or 0):,}"
        )
        retained = int(found["retained"] or 0)
        columns[3].metric(
            f"Active again within {retention} days",
            f"{retained:,} of {int(found['attendees']):,}",
        )
    else:
        until = f"{found['retention_until']:%d %b %Y}"
        columns[2].metric(f"{retention} days after", "too early to tell", help=f"Until {until}.")
        columns[3].metric(f"Active again within {retention} days", "too early to tell")


def impact(p: page.Page, found: dict) -> None:
    st.subheader("Impact on the community")
    trend, after = int(found["trend_days"]), int(found["after_days"])
    status = found["impact_status"]
    if status == "too early to tell":
        st.info(
            f"Too early to tell: the impact is measured over the {after} days after the "
            f"event, which end on {found['after_until']:%d %b %Y}."
        )
    elif status == "no history before it":
        st.info(
            f"No history before it: the trend needs the {trend} days before the event, "
            "and the data begins later."
        )
    else:
        predicted, actual = float(found["predicted_after"]), int(found["community_after"])
        st.metric("Impact", impact_text(found))
        st.markdown(
            f"The community's online activity by people (every source but events) on "
            f"each of the {trend} days before the event, fitted with a straight line "
            f"(least squares: {found['trend_intercept']:,.1f} "
            f"{'+' if found['trend_slope'] >= 0 else '−'} "
            f"{abs(found['trend_slope']):,.2f} × day), predicted **{predicted:,.0f}** "
            f"activities in the {after} days after it. There were **{actual:,}**: "
            f"{actual:,} ÷ {predicted:,.0f} − 1 = **{impact_text(found)}**."
        )
    days = data.event_days(p.path, found)
    st.plotly_chart(charts.event_impact(days, found), width="stretch")


def people(p: page.Page, found: dict) -> None:
    st.subheader("Who came")
    unnamed = int(found["unnamed_attendees"])
    asked = (
        f" {unnamed:,} asked not to be named: they are counted above and never shown."
        if unnamed
        else ""
    )
    if p.public:
        st.caption(f"Names are not shown in public mode.{asked}")
        return
    who = data.event_people(p.path, found["event_id"])
    st.caption(
        "Organizers and speakers first. Activity: online, before the event and after it." + asked
    )
    before, after, retention = (
        int(found[k]) for k in ("before_days", "after_days", "retention_days")
    )
    who = who.rename(
        columns={
            "activities_before": f"{before} days before",
            "activities_after": f"{after} days after",
            "activities_retention": f"{retention} days after",
        }
    )
    page.table(who, "event_attendees", noun="people named")


def main() -> None:
    p = page.current()
    event_id = st.query_params.get("event")
    if event_id:
        event_page(p, event_id)
    else:
        event_list(p)


main()
