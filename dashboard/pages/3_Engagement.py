"""Engagement: levels, movements between them, and the people to welcome or reach out to."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data, page

COHORTS = (
    (
        "is_new",
        "Newcomers to welcome",
        "First activity ever in the last {window} days.",
    ),
    (
        "is_first_contribution",
        "First contributions to celebrate",
        "First contribution ever (a PR, a review, an accepted answer, a talk…) in the "
        "last {window} days.",
    ),
    (
        "is_at_risk",
        "At risk: reach out",
        "Were Contributor or Core in the previous window, and silent for {at_risk} days.",
    ),
    (
        "is_returning",
        "Returning",
        "Active again after a gap of {gap} days or more.",
    ),
)


def main() -> None:
    p = page.setup("Engagement")
    if p is None:
        return
    s = p.config.scoring
    st.caption(
        f"Levels are computed over the last {s.level_window_days} days (as of the last "
        f"sync), not the sidebar's window: Core = {s.core_contributions}+ contributions, "
        f"Contributor = {s.contributor_contributions}+, Participant = "
        f"{s.participant_conversations}+ conversations, Observer = any activity. The "
        "sidebar's sources, organizations, bots and staff filters apply."
    )
    left, right = st.columns(2)
    left.plotly_chart(charts.level_funnel(data.level_funnel(p.path, p.filters)), width="stretch")
    movements = data.level_movements(p.path, p.filters)
    if not movements.empty:
        right.plotly_chart(charts.level_movements(movements), width="stretch")
    for flag, title, explanation in COHORTS:
        st.subheader(title)
        st.caption(
            explanation.format(
                window=s.level_window_days, at_risk=s.at_risk_days, gap=s.returning_gap_days
            )
        )
        members = data.cohort(p.path, p.filters, flag)
        total = int(members["total"].iloc[0]) if not members.empty else 0
        if p.public:
            st.metric("Members", f"{total:,}")
            continue
        if members.empty:
            st.info("Nobody right now.")
            continue
        if total > len(members):
            st.caption(f"{total:,} members; the {len(members):,} most recently active:")
        page.table(members.drop(columns=["member_id", "total"]), flag.removeprefix("is_"))


main()
