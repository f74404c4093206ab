"""Ambassadors and liaisons: who could carry the project in each place, the priority
places with nobody yet, and what the team's ambassadors did this quarter (README,
Ambassadors and liaisons). Public mode: how many per place, never who."""

from __future__ import annotations

import streamlit as st

from connectors.core import figures
from dashboard import data, page, team


def main() -> None:
    p = page.current()
    a = p.config.ambassadors
    st.caption(
        f"A candidate was active in the last {a.recent_days} days and, over the last "
        f"{a.window_days}, meets at least {a.reasons} of: active on {a.sources}+ sources; "
        f"answered {a.people_answered}+ different people; first to answer "
        f"{a.newcomers_answered}+ newcomers (people who began at most {a.newcomer_days} "
        f"days before asking); {a.accepted_answers}+ accepted answers; organized or spoke "
        f"at {a.events_led}+ events. Places are where members say they live (else their "
        "time zone's country). The sidebar's sources, organizations and staff filters "
        "apply. Settings: ambassadors in acacia.yml."
    )
    candidates = figures.ambassador_candidates(p.read, p.filters)
    priority = p.config.events.priority()
    if priority:
        empty = figures.places_without_candidates(
            candidates, priority, p.config.events.priority_places
        )
        for place in empty:
            st.warning(
                f"No candidate in {place}, a priority place: nobody carries the project there yet."
            )
    st.subheader("Candidates by place")
    counts = (
        candidates.assign(country=candidates["country"].fillna("Unknown"))
        .groupby(["region", "country"], dropna=False)
        .size()
        .reset_index(name="candidates")
    )
    if candidates.empty:
        st.info("No candidate anywhere with these settings and filters.")
        return
    page.table(counts, "ambassador_places", noun="places")
    if p.public:
        return
    tags = team.member_tags(p.config, p.path)
    today = data.as_of(p.path)
    shown = candidates.assign(
        reasons=[
            "; ".join(figures.ambassador_reasons(row, a, today)) for _, row in candidates.iterrows()
        ],
        tags=team.tag_column(tags, candidates["member_id"]),
    )[
        [
            "member_id",
            "member",
            "reasons",
            "city",
            "country",
            "region",
            "organization",
            "reasons_met",
            "sources_active",
            "people_answered",
            "newcomers_answered",
            "accepted_answers",
            "events_led",
            "points",
            "last_active_on",
            "tags",
        ]
    ]
    page.table(shown, "ambassador_candidates", noun="candidates")
    st.caption(f"Tag the ones you work with “{a.tag}” on their member page: they show below.")
    st.subheader("Ambassadors this quarter")
    mine = tuple(sorted(m for m, found in tags.items() if a.tag in found))
    start, end = figures.quarter(today)
    if not mine:
        st.info(f"Nobody is tagged “{a.tag}” yet.")
        return
    st.caption(f"What each member tagged “{a.tag}” did from {start:%d %b} to {end:%d %b %Y}.")
    page.table(
        figures.ambassador_quarter(p.read, mine, start, end),
        "ambassadors_quarter",
        noun="ambassador" if len(mine) == 1 else "ambassadors",
    )


main()
