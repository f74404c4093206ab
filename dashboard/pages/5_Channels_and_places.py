"""Channels and places: where the community talks and works, and where its people are."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data, page


def main() -> None:
    p = page.setup("Channels and places")
    if p is None:
        return
    f = p.filters
    st.caption(
        f"{page.window_caption(f)}. A place is a repository (GitHub), a channel (Slack), a "
        "category (forum), a subreddit, a tag (Stack Overflow) or an event."
    )
    places = data.channels(p.path, f)
    if places.empty:
        st.info("No activity in this window with these filters.")
        return
    st.plotly_chart(charts.channels(places), width="stretch")
    page.table(places, "channels", noun="places")
    st.subheader("Members by region")
    st.caption(
        "From each member's time zone (its continent), or the last part of their location "
        "when there is no time zone. Useful for comparing local communities and planning "
        "meetups."
    )
    by_region = data.regions(p.path, f)
    st.plotly_chart(charts.regions(by_region), width="stretch")
    page.table(by_region, "regions")


main()
