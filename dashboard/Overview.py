"""Overview: who is active in the community over the last 90 days."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data


def delta(now: int, before: int) -> str | None:
    if before == 0:
        return None
    return f"{(now - before) / before:+.0%} vs previous 90 days"


def main() -> None:
    st.set_page_config(page_title="Acacia · Overview", page_icon="🌳", layout="wide")
    config = data.config()
    st.title(config.community_name)
    snapshot = data.snapshot()
    if snapshot is None:
        st.info(
            "No data has been published yet. Run `acacia sync` (or `make demo` for the "
            "sample community), then reload this page."
        )
        return
    path = str(snapshot)
    start, end = data.window(data.today())
    prev_start, prev_end = data.previous_window(start)
    st.caption(
        f"Last 90 days: {start:%d %b %Y} – {end:%d %b %Y} (UTC). Data published "
        f"{data.published_at(path):%d %b %Y %H:%M} UTC. Bots are left out. Accounts are merged "
        "into one person by shared email or by the team's decisions (see Suggestions)."
    )

    now, before = data.headline(path, start, end), data.headline(path, prev_start, prev_end)
    columns = st.columns(4)
    for column, (key, label, help_text) in zip(
        columns,
        (
            ("active_members", "Active members", "People with at least one activity."),
            ("activities", "Activities", "Everything people did: issues, PRs, reviews, comments…"),
            (
                "contributors",
                "Contributors",
                "People with a contribution: a PR opened or merged, "
                "a review, an accepted answer, an event talk…",
            ),
            ("new_members", "New members", "People whose first activity ever falls in the window."),
        ),
        strict=True,
    ):
        column.metric(label, f"{now[key]:,}", delta(now[key], before[key]), help=help_text)

    st.subheader("Daily active members")
    st.plotly_chart(charts.active_members(data.daily_members(path, start, end)), width="stretch")
    st.subheader("Activity by source")
    by_source = data.weekly_activities(path, start, end, "source")
    if not by_source.empty:
        st.plotly_chart(charts.activities_by_source(by_source), width="stretch")

    st.subheader("Activities by type")
    by_type = data.weekly_activities(path, start, end, "activity_type")
    if by_type.empty:
        st.info("No activity in the last 90 days.")
    else:
        st.plotly_chart(charts.activities_by_type(by_type), width="stretch")

    st.subheader("Most active members")
    st.caption("Points are the sum of each activity's weight (see `weights` in acacia.yml).")
    st.dataframe(data.top_members(path, start, end), hide_index=True, width="stretch")


main()
