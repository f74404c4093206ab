"""Responsiveness: how long people wait for a first answer, and who is still waiting."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data, page


def headline(p: page.Page) -> None:
    """The items opened in the window, the median wait for a first response and the
    share answered within a day, each against the window before."""
    f = p.filters
    now, before = data.response_headline(p.path, f), data.response_headline(p.path, f.previous())
    left, middle, right = st.columns(3)
    left.metric(
        "Items opened",
        f"{int(now['items']):,}",
        page.delta(now["items"], before["items"]),
        delta_color="off",  # more or fewer questions is neither good nor bad
        help="Issues, PRs, forum topics, Stack Overflow questions and Slack threads.",
    )
    wait, was = now["median_hours"], before["median_hours"]
    middle.metric(
        "Median wait for a first response",
        "—" if wait is None else f"{wait:,.1f} h",
        None if wait is None or was is None else page.delta(wait, was),
        delta_color="inverse",  # a shorter wait is better
        help="Half of the answered items had their first response within this time.",
    )
    share, had = now["within_a_day"], before["within_a_day"]
    right.metric(
        "Answered within a day",
        "—" if share is None else f"{share:.0%}",
        None if share is None or had is None else f"{(share - had) * 100:+.0f} percentage points",
        help="Of all the items opened, the share with a first response within 24 hours.",
    )


def main() -> None:
    p = page.setup("Responsiveness")
    if p is None:
        return
    f = p.filters
    st.caption(
        "Time to first response (CHAOSS): from an issue, PR, forum topic, Stack Overflow "
        "question or Slack thread being opened to the first reply by someone else, bots "
        f"left out. Items opened {page.window_caption(f)}, compared with the {f.days} days "
        "before; the sidebar's sources apply."
    )
    headline(p)
    weekly = data.response_times(p.path, f)
    if weekly.empty:
        st.info("Nothing was opened in this window.")
    else:
        st.plotly_chart(charts.response_times(weekly, (f.start, f.end)), width="stretch")
        page.table(weekly, "response-times")
    st.subheader("Still waiting for a first response")
    waiting = data.unanswered(p.path, f)
    if waiting.empty:
        st.success("Everything opened in this window has had a response.")
    else:
        st.caption("Oldest first; the link opens the item where it was asked.")
        page.table(waiting, "unanswered", noun="items waiting")


main()
