"""Engagement: levels, movements between them, the people to welcome or reach out to,
the lapsed contributors to bring back, and whether reaching out worked."""

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
#: A lapsed member's last items shown beside their message.
LAST_ITEMS = 3


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
            **{"follow-up": follow_up_column(status, members["member_id"])},
        )
        members = with_status(members, status, wanted)
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
    lapsed(p, tags, status, wanted, who)
    reactivation(p)


def lapsed(p: page.Page, tags: dict, status: dict, wanted: str, who: str | None) -> None:
    """The contributors lapsed now, ranked by what they gave, each with where to reach
    them and a message to start from; marking them "reached out" is what the
    reactivation below measures."""
    o = p.config.outreach
    st.subheader("Lapsed contributors: bring them back")
    st.caption(
        f"At least {o.lapsed_contributions} contributions in the {o.active_days} days up to "
        f"their last activity, then silent for {o.silent_days} days or more; ranked by the "
        "points of what they gave. “Reach them at” is where they last answered someone "
        "(else their last activity). Settings: outreach in acacia.yml."
    )
    found = figures.lapsed(p.read, p.filters)
    total = int(found["total"].iloc[0]) if not found.empty else 0
    if p.public:
        st.metric("Lapsed contributors", f"{total:,}")
        return
    if found.empty:
        st.info("Nobody right now.")
        return
    found = found.assign(
        last_contribution=[
            title if isinstance(title, str) and title else vocabulary.type_label(kind)
            for title, kind in zip(
                found["last_contribution_title"], found["last_contribution_type"], strict=True
            )
        ],
        reach_them_at=[
            " · ".join(part for part in (vocabulary.source_label(s), c) if isinstance(part, str))
            if isinstance(s, str)
            else ""
            for s, c in zip(found["reach_source"], found["reach_channel"], strict=True)
        ],
        tags=team.tag_column(tags, found["member_id"]),
        **{"follow-up": follow_up_column(status, found["member_id"])},
    )
    found = with_status(found, status, wanted)
    shown = found[
        [
            "rank",
            "member_id",
            "member",
            "organization",
            "country",
            "last_active_on",
            "silent_days",
            "contributions",
            "points",
            "active_sources",
            "reach_them_at",
            "last_contribution",
            "last_contribution_url",
            "tags",
            "follow-up",
        ]
    ].rename(columns={"last_contribution_url": "link", "active_sources": "active_on"})
    st.caption(
        f"{total:,} lapsed contributors"
        + (f", {len(found):,} with follow-up “{wanted}”" if wanted != ANY else "")
        + ":"
    )
    if found.empty:
        return
    page.table(shown, "lapsed", rows=SHOWN)
    names = dict(zip(found["member_id"], found["member"].astype(str), strict=True))
    chosen = st.selectbox(
        "A message to start from, for",
        list(names)[:SHOWN],
        format_func=names.get,
        key="lapsed_message",
    )
    row = found.set_index("member_id").loc[chosen]
    st.text_area(
        "Message (edit it in acacia.yml, outreach.message)",
        figures.outreach_message(o.message, row, p.config.community_name),
        height=120,
        key=f"lapsed_message_text_{chosen}",
    )
    st.caption("Their last items (the member's page has the rest):")
    page.table(data.timeline(p.path, chosen, limit=LAST_ITEMS), f"last_items_{chosen}")
    mark_done(p, found.head(SHOWN), "is_lapsed", "reached out", who)


def reactivation(p: page.Page) -> None:
    """Of the lapsed contributors the team reached out to, how many were active again
    within 30 and 90 days, month by month, against those nobody contacted."""
    o = p.config.outreach
    st.subheader("Did reaching out work?")
    st.caption(
        "Each lapse is counted in the month the team marked them “reached out” (after "
        "their last activity), else in the month they lapsed; active again within 30 (90) "
        "days of that day, counted once 30 (90) days have passed. Lapsed: as above "
        f"({o.silent_days} silent days). A mark counts from the next sync."
    )
    monthly = figures.reactivation(p.read, p.filters)
    if monthly.empty:
        st.info("No contributor has lapsed yet.")
        return
    totals = figures.reactivation_totals(monthly)
    columns = st.columns(4)
    for column, (contacted, days) in zip(
        columns, ((True, 30), (False, 30), (True, 90), (False, 90)), strict=True
    ):
        told, back = totals[contacted][f"told_{days}d"], totals[contacted][f"back_{days}d"]
        column.metric(
            f"{'Reached out' if contacted else 'Not contacted'}, {days} days",
            f"{back / told:.0%}" if told else "–",
            help=f"Active again within {days} days: {back} of the {told} lapses that can "
            "be told yet.",
        )
        column.caption(f"{back} of {told} active again within {days} days")
    st.plotly_chart(charts.reactivation(monthly), width="stretch")


def follow_up_column(status: dict, member_ids) -> list[str]:
    """The follow-up column of a list: each member's latest status, who set it and when."""
    return [
        f"{status[m][0]} ({status[m][1]}, {status[m][2][:10]})" if m in status else ""
        for m in member_ids
    ]


def with_status(members, status: dict, wanted: str):
    """The members of a list whose follow-up is ``wanted`` (all of them for ANY)."""
    if wanted == ANY:
        return members
    return members[[(status.get(m, ("",))[0] or NONE) == wanted for m in members["member_id"]]]


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
