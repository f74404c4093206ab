"""Organizations: the partner ranking, and for one organization its people and work."""

from __future__ import annotations

import streamlit as st

from connectors.core import figures, text
from dashboard import charts, data, page, team


def ranking(p: page.Page) -> None:
    st.caption(
        "Partner ranking: organizations by the points of their members' activities over "
        "the last 90 days, counted while each member was with the organization. Bots and "
        "the staff organization are left out; ties go to more active members, then the "
        "name (see README, Scores)."
    )
    board = figures.partner_ranking(p.read, p.filters)
    if board.empty:
        st.info("No organization has activity yet. Add organizations to organizations.yml.")
        return
    # A change reads as on every page: a percentage of the previous window, or "new".
    board["change"] = [
        page.delta(now, before) or ""
        for now, before in zip(board["score"], board["previous_score"], strict=True)
    ]
    page.table(board, "partner-ranking", public=p.public, noun="organizations")
    top = board["organization"].head(8).tolist()
    trend = figures.organization_trend(p.read, p.filters, top)
    if not trend.empty:
        weeks = figures.weeks(p.filters.start, p.filters.end)
        st.plotly_chart(
            charts.organization_trend(
                trend, organizations=top, weeks=weeks, span=(p.filters.start, p.filters.end)
            ),
            width="stretch",
        )
    chosen = st.selectbox("Open an organization", ["—", *board["organization"]], key="org_pick")
    if chosen != "—":
        st.query_params["organization"] = chosen
        st.rerun()


def organization_page(p: page.Page, organization: str) -> None:
    if st.button("← All organizations"):
        del st.query_params["organization"]
        st.rerun()
    st.header(text.markdown(organization))  # from the URL: anyone can write one
    f = p.filters
    st.caption(page.window_caption(f))
    breakdown = figures.organization_breakdown(p.read, f, organization)
    if breakdown.empty:
        st.info("No activity of this organization in the window.")
        return
    people = data.organization_members(p.path, f, organization)
    left, middle, right = st.columns(3)
    left.metric("Points", f"{breakdown['points'].sum():,.1f}")
    middle.metric("Activities", f"{breakdown['activities'].sum():,}")
    right.metric("Active members", f"{len(people):,}")
    st.plotly_chart(
        charts.breakdown(breakdown, "Points by activity type and source"), width="stretch"
    )
    trend = figures.organization_trend(p.read, f, [organization])
    st.plotly_chart(
        charts.organization_trend(
            trend,
            f"Weekly points of {organization}",
            organizations=[organization],
            weeks=figures.weeks(f.start, f.end),
            span=(f.start, f.end),
        ),
        width="stretch",
    )
    st.subheader("Members")
    if p.public:
        st.caption("Names are hidden in public mode.")
        page.table(
            people.drop(columns=["member"]), f"members-{organization}", public=True, noun="members"
        )
    else:
        people["tags"] = team.tag_column(team.member_tags(p.config, p.path), people["member_id"])
        page.table(people, f"members-{organization}", noun="members")


def main() -> None:
    p = page.current()
    organization = st.query_params.get("organization")
    if organization:
        organization_page(p, organization)
    else:
        ranking(p)


main()
