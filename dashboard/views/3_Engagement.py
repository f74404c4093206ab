"""Engagement: levels, movements between them, and the people to welcome or reach out to."""

from __future__ import annotations

import streamlit as st

from connectors.core import figures
from dashboard import charts, data, page, team, vocabulary
from pipelines.storage.team_store import FOLLOW_UPS

COHORTS = (
    (
        "is_new",
        "Newcomers to welcome",
        "First activity ever in the last {window} days.",
        "welcomed",
    ),
    (
        "is_first_contribution",
        "First contributions to celebrate",
        "First contribution ever (a PR, a review, an accepted answer, a talk…) in the "
        "last {window} days.",
        "welcomed",
    ),
    (
        "is_at_risk",
        "At risk: reach out",
        "Core or Contributor in the last {window} days or the {window} before, and silent "
        "for the last {at_risk} days.",
        "reached out",
    ),
    (
        "is_returning",
        "Returning",
        "Active again after a gap of {gap} days or more.",
        "welcomed",
    ),
)
ANY = "Any follow-up"
#: Rows of each list drawn on the page (the most recently active first; the CSV holds
#: every member read, up to data.COHORT_LIST_LENGTH): four lists of 500 rows took two
#: seconds more to draw at ten million activities (tests/benchmarks/page_speed.py).
SHOWN = 100
NONE = "No follow-up yet"


def main() -> None:
    p = page.current()
    s = p.config.scoring
    st.caption(
        f"Levels are computed over the last {s.level_window_days} days (as of the last "
        f"sync), not the sidebar's window: Core = {s.core_contributions}+ contributions, "
        f"Contributor = {s.contributor_contributions}+, Participant = "
        f"{s.participant_conversations}+ conversations, Observer = any activity. The "
        "sidebar's sources, organizations, bots and staff filters apply."
    )
    left, right = st.columns(2)
    left.plotly_chart(charts.level_funnel(figures.level_funnel(p.read, p.filters)), width="stretch")
    movements = figures.level_movements(p.read, p.filters)
    if not movements.empty:
        right.plotly_chart(charts.level_movements(movements), width="stretch")
    tags: dict[str, set[str]] = {}
    status: dict[str, tuple[str, str, str]] = {}
    who = None
    wanted = ANY
    if not p.public:
        tags = team.member_tags(p.config, p.path)  # once for the four lists
        status = team.follow_ups(p.config, p.path)
        wanted = st.selectbox(
            "Show members whose follow-up is", [ANY, NONE, *FOLLOW_UPS], key="cohort_status"
        )
        with st.expander("Marking follow-ups (who you are)"):
            who = team.ask_author(p.config)
    for flag, title, explanation, done in COHORTS:
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
        # Where to answer, thank or reach them: their latest activity, linked.
        latest = data.latest_items(p.path, tuple(members["member_id"])).set_index("member_id")
        what = [
            title if isinstance(title, str) else vocabulary.type_label(kind)
            for title, kind in zip(latest["title"], latest["activity_type"], strict=True)
        ]
        latest = latest.assign(what=what)
        members = members.assign(
            latest=members["member_id"].map(latest["what"]),
            url=members["member_id"].map(latest["url"]),
            tags=team.tag_column(tags, members["member_id"]),
            **{
                "follow-up": [
                    f"{status[m][0]} ({status[m][1]}, {status[m][2][:10]})" if m in status else ""
                    for m in members["member_id"]
                ]
            },
        )
        if wanted != ANY:
            keep = [(status.get(m, ("",))[0] or NONE) == wanted for m in members["member_id"]]
            members = members[keep]
        shown = min(len(members), SHOWN)
        st.caption(
            f"{total:,} members"
            + (f", {len(members):,} with follow-up “{wanted}”" if wanted != ANY else "")
            + (
                f"; the {shown:,} most recently active"
                + (f" (the CSV holds {len(members):,})" if len(members) > shown else "")
                if total > shown
                else ""
            )
            + ":"
        )
        if members.empty:
            continue
        page.table(members.drop(columns=["total"]), flag.removeprefix("is_"), rows=SHOWN)
        mark_done(p, members.head(SHOWN), flag, done, who)


def mark_done(p: page.Page, members, flag: str, done: str, who: str | None) -> None:
    """Mark members of a list as followed up (“welcomed”, “reached out”) with who and
    when: they show as done in every list."""
    names = dict(zip(members["member_id"], members["member"].astype(str), strict=True))
    if who is None:
        return
    with st.expander(f"Mark as {done}"):
        chosen = st.multiselect("Members", list(names), format_func=names.get, key=f"done_{flag}")
        if st.button(f"Mark {len(chosen)} as {done}", key=f"mark_{flag}") and chosen:
            store = team.store(p.config)
            for member_id in chosen:
                store.follow_up(team.anchor(p.path, member_id), done, author=who)
            st.rerun()


main()
