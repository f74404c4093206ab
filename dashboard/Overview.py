"""Overview: how active the community is in the window, and how that changes."""

from __future__ import annotations

import streamlit as st

from connectors.core import figures
from dashboard import charts, page, vocabulary

#: Insights listed on the page (the newest first).
LISTED = 20
METRICS = (
    ("active_members", "Active members", "People with at least one activity in the window."),
    ("new_members", "New members", "People whose first activity ever falls in the window."),
    (
        "contributions",
        "Contributions",
        "PRs opened or merged, reviews, accepted answers and solutions, event talks…",
    ),
    ("contributors", "Contributors", "People with at least one contribution in the window."),
    ("activities", "Activities", "Everything people did: issues, PRs, comments, messages…"),
)


def main() -> None:
    p = page.current()
    f = p.filters
    st.caption(
        f"{page.window_caption(f)}, compared with the {f.days} days before. Accounts are "
        "merged into one person by a shared email, by the team's decisions, or "
        "automatically on strong evidence such as a rare name or username on two "
        "platforms (never on a common name alone; see Suggestions)."
        + ("" if f.include_bots else " Bots are left out.")
    )
    now, before = figures.headline(p.read, f), figures.headline(p.read, f.previous())
    for column, (key, label, help_text) in zip(st.columns(len(METRICS)), METRICS, strict=True):
        change = page.delta(now[key], before[key])
        steady = change == page.NO_CHANGE  # grey and without an arrow, not a green "+0%"
        column.metric(
            label,
            f"{now[key]:,}",
            change,
            help=help_text,
            delta_color="off" if steady else "normal",
            delta_arrow="off" if steady else "auto",
        )

    what_changed(p)

    grain = "day" if f.days <= 90 else "week"
    grain = st.radio(
        "Trend by", ["day", "week"], index=["day", "week"].index(grain), horizontal=True
    )
    trend = figures.trend(p.read, f, grain, "source")
    if trend.empty:
        st.info("No activity in this window with these filters.")
        return
    span = (f.start, f.end)
    st.plotly_chart(charts.trend_by_source(trend, grain, span), width="stretch")
    st.plotly_chart(
        charts.new_and_returning(figures.new_and_returning(p.read, f), span), width="stretch"
    )
    st.subheader("Activities by type")
    by_type = figures.trend(p.read, f, "week", "activity_type").rename(columns={"period": "week"})
    families = [
        name
        for name in vocabulary.family_colors()
        if name in set(by_type["activity_type"].map(vocabulary.family))
    ]
    chosen = st.selectbox(
        "Types grouped in families; open one to see its types",
        ["All families", *families],
        key="overview_family",
    )
    family = None if chosen == "All families" else chosen
    st.plotly_chart(charts.activities_by_family(by_type, family, span), width="stretch")
    st.caption(
        "Weeks run Monday to Sunday; the first starts on the window's first day. A week "
        "the window cuts short is drawn lighter, with how many of its days are in it."
    )


def what_changed(p: page.Page) -> None:
    """The insights of the last insights.days, newest first, each linked to the people
    or items behind it (README, Insights)."""
    settings = p.config.insights
    found = figures.insights(p.read, p.filters)
    with st.expander(
        f"What changed: {len(found):,} insight{'s' if len(found) != 1 else ''} in the last "
        f"{settings.days} days",
        expanded=not found.empty,
    ):
        if found.empty:
            st.caption("Nothing out of the ordinary (README, Insights says what is watched).")
            return
        lines = []
        for _, row in found.head(LISTED).iterrows():
            text = figures.insight_text(row, settings, p.public)
            heading = figures.INSIGHTS[row["kind"]]
            link = None if p.public else figures.insight_link(row)
            if link:
                text = f"[{text}]({link})"
            lines.append(f"- {row['happened_on']:%d %b} · **{heading}** · {text}")
        st.markdown("\n".join(lines))
        if len(found) > LISTED:
            st.caption(f"…and {len(found) - LISTED:,} more.")


main()
