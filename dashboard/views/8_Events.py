"""Events: every event the team ran or helped, who it brought in and kept, its impact on
the community, and events compared across places (README, Events)."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import streamlit as st

from connectors.core import figures, registry, text
from dashboard import charts, data, page
from pipelines.delivery import event_report

LINKS = (
    ("notes_url", "Notes"),
    ("report_url", "Report"),
    ("photos_url", "Photos"),
    ("recording_url", "Recording"),
)


impact_text = figures.impact_text


def is_link(value: object) -> bool:
    """A web link (the notes may be a file in the events folder instead)."""
    return isinstance(value, str) and value.startswith(("https://", "http://"))


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
    coming(p)
    places(p)


def coming(p: page.Page) -> None:
    """The events listed after the snapshot's day: the events folder's list, Meetup's
    and the calendar feeds' events, each once."""
    st.subheader("Coming up")
    found = figures.events_listed(p.read, data.as_of(p.path))
    if found.empty:
        st.info(
            "No upcoming event is listed. List them in the events folder's event list, or "
            "connect a Meetup group or a calendar feed (README, Events)."
        )
        return
    st.caption(
        "Every listed event after the figures' day, the soonest first: from the event "
        "list, Meetup and calendar feeds (an event two of them list shows once; "
        "cancelled ones are left out)."
    )
    labels = {name: source.label for name, source in registry.sources().items()}
    found = found.assign(
        listed_by=[
            ", ".join(labels.get(s, s) for s in each.split(", ")) for each in found["sources"]
        ]
    )
    page.table(
        found[["event_date", "event", "place", "format", "local_group", "listed_by", "url"]],
        "events_coming",
        noun="events",
    )


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
    place_themes(p)
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


def place_themes(p: page.Page) -> None:
    found = data.place_themes(p.path)
    st.markdown("**What people talk about, by city**")
    if found.empty:
        st.caption(
            "No themes yet: they are read from the messages of members living in each "
            "city (where a source keeps the text: store_bodies), the events' notes and "
            "the feedback that may be quoted."
        )
        return
    st.caption(
        "Each city's themes: the phrases its members' messages, its events' notes and "
        "quotable feedback say most, and other cities rarely; how many texts say each "
        "(README, Events, Themes)."
    )
    page.table(found[["country", "city", "themes", "texts_read"]], "place_themes", noun="cities")
    if p.public:
        return
    cities = [f"{r.city}, {r.country}" for r in found.itertuples()]
    chosen = st.selectbox("A city's themes, with excerpts", cities, index=None, key="theme_city")
    if chosen:
        row = found.iloc[cities.index(chosen)]
        theme_list(data.place_theme_excerpts(p.path, row["country"], row["city"]), False)


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
    links = [(label, found[key]) for key, label in LINKS if is_link(found[key])]
    if found["notes_url"] and not is_link(found["notes_url"]):
        st.caption(f"Notes: {text.markdown(found['notes_url'])} in the events folder.")
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
    report_buttons(p, found)
    attendee_activity(found)
    impact(p, found)
    feedback(p, found)
    themes(p, found)
    people(p, found)


def themes(p: page.Page, found: dict) -> None:
    st.subheader("What was talked about")
    found_themes = data.event_themes(p.path, found["event_id"])
    if found_themes.empty:
        st.caption(
            "No themes: they are read from the event's notes (a file beside the event list, "
            "named in its notes column) and the feedback's answers that may be quoted."
        )
        return
    st.caption(
        "The phrases the event's notes and quotable feedback say most, and rarely "
        "elsewhere (README, Events, Themes); how many texts say each"
        + ("." if p.public else ", with short excerpts.")
    )
    theme_list(found_themes, p.public)


def theme_list(found: pd.DataFrame, public: bool) -> None:
    """Themes, each with how many texts say it, and (not in public mode) its excerpts."""
    for row in found.itertuples():
        line = f"**{text.markdown(row.theme)}** — {int(row.texts):,} texts"
        if public:
            st.markdown(line)
            continue
        with st.expander(f"{text.markdown(row.theme)} ({int(row.texts):,} texts)"):
            for quote in json.loads(row.excerpts):
                st.text(f"“{quote}”")


def report_buttons(p: page.Page, found: dict) -> None:
    """The event's report (pipelines/delivery/event_report.py), as Markdown and HTML:
    what ``acacia report`` writes; in public mode without names nor quotes."""
    made = event_report.build(p.read, found["event_id"], public=p.public)
    stem = f"{found['event_date']:%Y-%m-%d}-{made.file_stem()}"
    left, right, _ = st.columns([1, 1, 3])
    left.download_button(
        "Report (Markdown)", made.markdown, f"{stem}.md", "text/markdown", key="report_md"
    )
    right.download_button(
        "Report (HTML)", made.html, f"{stem}.html", "text/html", key="report_html"
    )


def feedback(p: page.Page, found: dict) -> None:
    st.subheader("Feedback")
    responses = int(found["feedback_responses"])
    if not responses:
        st.caption(
            "No feedback imported for this event: put the survey's CSV export in the "
            "events folder (README, Events: the feedback files)."
        )
        return
    columns = st.columns(3)
    columns[0].metric("Responses", f"{responses:,}")
    if found["feedback_ratings"]:
        columns[1].metric(
            "Average rating",
            f"{found['rating_average']:.1f} / {found['rating_scale_max']:g}",
            help=f"On the survey's scale, {found['rating_scale_min']:g} to "
            f"{found['rating_scale_max']:g}.",
        )
    columns[2].metric("May be quoted", f"{int(found['quotable_responses']):,}")
    ratings = data.event_ratings(p.path, found["event_id"])
    st.plotly_chart(charts.ratings(ratings), width="stretch")
    if p.public:
        st.caption("Answers are not shown in public mode.")
        return
    quotes = data.event_quotes(p.path, found["event_id"])
    st.caption(
        "The answers of the participants who agreed to be quoted (never attributed); "
        "the others are counted above, never shown."
    )
    for question, rows in quotes.groupby("question", sort=False):
        with st.expander(f"{text.markdown(question)} ({int(rows['responses'].sum()):,})"):
            for answer, times in zip(rows["answer"], rows["responses"], strict=True):
                st.text(f"“{answer}”" + (f"  ({times} participants)" if times > 1 else ""))


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
    if found["impact_status"] != "measured":
        st.info(figures.impact_working(found))
    else:
        st.metric("Impact", impact_text(found))
        st.markdown(figures.impact_working(found))
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
