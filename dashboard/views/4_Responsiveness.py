"""Responsiveness: how long people wait for a first answer, and who is still waiting."""

from __future__ import annotations

import streamlit as st

from connectors.core import figures
from dashboard import charts, data, page


def main() -> None:
    p = page.current()
    f = p.filters
    st.caption(
        "Time to first response (CHAOSS): from an issue, PR, forum topic, Stack Overflow "
        "question or Slack thread being opened to the first reply by someone else, bots "
        f"left out. Items opened {page.window_caption(f)}, compared with the {f.days} days "
        "before; the sidebar's sources apply."
    )
    page.response_metrics(p.read, f, st.columns(3))
    weekly = figures.response_times(p.read, f)
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
