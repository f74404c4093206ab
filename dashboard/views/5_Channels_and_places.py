"""Channels and places: where the community talks and works, and where its people are."""

from __future__ import annotations

import streamlit as st

from connectors.core import figures
from dashboard import charts, page

#: The busiest cities shown: those with at least BUSY_CITY active members, CITIES at most.
BUSY_CITY, CITIES = 3, 15


def main() -> None:
    p = page.current()
    f = p.filters
    st.caption(
        f"{page.window_caption(f)}. A place is a repository (GitHub), a channel (Slack), a "
        "category (forum), a subreddit, a tag (Stack Overflow) or an event."
    )
    places = figures.channels(p.read, f)
    if places.empty:
        st.info("No activity in this window with these filters.")
        return
    st.plotly_chart(charts.channels(places), width="stretch")
    page.table(places, "channels", noun="places")
    st.subheader("Where the active members are")
    st.caption(
        "From each member's location (a country or a city in it, in any language or "
        'spelling: "Lisboa", "Berlin, DE", "Austin, TX"), else their time zone\'s '
        "country; read offline with GeoNames' places (see README, The dashboard). "
        "Useful for comparing local communities and planning meetups."
    )
    found = figures.places(p.read, f)
    unknown = int(found.loc[found["country"].isna(), "members"].sum())
    known = found.dropna(subset=["country"])
    if known.empty:
        st.info("No active member in this window says where they are.")
    else:
        st.plotly_chart(charts.countries(known), width="stretch")
        left, right = st.columns(2)
        with left:
            by_region = known.groupby("region", as_index=False)["members"].sum()
            page.table(
                by_region.sort_values(["members", "region"], ascending=[False, True]),
                "regions",
                noun="regions",
            )
        with right:
            # Cities only where enough people are to speak of a local community.
            cities = (
                known.dropna(subset=["city"])
                .groupby(["city", "country"], as_index=False)["members"]
                .sum()
                .sort_values(["members", "city"], ascending=[False, True])
            )
            busiest = cities[cities["members"] >= BUSY_CITY].head(CITIES)
            page.table(busiest, "cities", noun=f"cities with {BUSY_CITY} or more members")
    if unknown:
        st.caption(
            f"Not counted above: {unknown:,} active member{'s' if unknown != 1 else ''} "
            "whose profiles give no location or time zone we can read."
        )


main()
