"""The conversion funnel: newcomers from first seen to asking or replying, a first
contribution and regular contribution, by monthly cohort, place or first source; and
how many first seen at an event went on to contribute online (README, The conversion
funnel). Counts and rates only: the same in public mode."""

from __future__ import annotations

import streamlit as st

from connectors.core import figures
from dashboard import charts, page

WITHIN = {"Within 90 days": 90, "Within 365 days": 365, "By now": None}


def main() -> None:
    p = page.current()
    s = p.config.scoring
    st.caption(
        "Newcomers are counted from the day they were first seen (their first activity "
        "anywhere, events included). *Asked or replied*: an activity that opens an issue, "
        "a topic, a question or a chat thread, or replies in one. *First contribution*: as "
        "on every page. *Regular contributor*: the Core level, "
        f"{s.core_contributions}+ contributions in {s.level_window_days} days. Within 90 "
        "(365) days counts only the newcomers first seen at least that long ago. The first "
        "month of the history is left out (everyone already there shows up in it). The "
        "sidebar's sources, organizations and staff filters apply; its window does not."
    )
    left, right = st.columns(2)
    by = left.selectbox(
        "Compare by",
        list(figures.FUNNEL_GROUPS),
        format_func=figures.FUNNEL_GROUPS.get,
        key="funnel_by",
    )
    within = WITHIN[
        right.radio("Steps reached", list(WITHIN), horizontal=True, key="funnel_within")
    ]
    found = figures.funnel_shares(figures.funnel(p.read, p.filters, by, within))
    if found.empty:
        st.info("No newcomer to follow yet with these settings.")
        return
    label = figures.FUNNEL_GROUPS[by]
    first_left, first_right = st.columns([2, 3])
    first_left.plotly_chart(charts.conversion_funnel(found), width="stretch")
    first_right.plotly_chart(charts.conversion_by_group(found, label), width="stretch")
    at_events = int(found["first_seen_at_events"].sum())
    online = int(found["events_to_online_contribution"].sum())
    st.metric(
        "From a local community to global contribution",
        f"{online / at_events:.0%}" if at_events else "–",
        help="Of the newcomers first seen at an event, the share who went on to "
        "contribute on another source (code, answers, reviews…).",
    )
    st.caption(
        f"{online:,} of the {at_events:,} newcomers first seen at an event contributed "
        "online" + ("" if within is None else f" within {within} days") + "."
    )
    table = found.assign(group=found["group"].astype(str))[
        [
            "group",
            "first_seen",
            *(
                column
                for step, _ in figures.FUNNEL_STEPS
                for column in (
                    step.removesuffix("_on"),
                    f"{step.removesuffix('_on')}_share",
                    f"{step.removesuffix('_on')}_days",
                )
            ),
            "first_seen_at_events",
            "events_to_online_contribution",
        ]
    ].rename(columns={"group": label})
    for step, _ in figures.FUNNEL_STEPS:
        name = step.removesuffix("_on")
        table[f"{name}_share"] = (100 * table[f"{name}_share"]).round(1)
    page.table(
        table.rename(
            columns={
                **{f"{s.removesuffix('_on')}_share": f"{t} (%)" for s, t in figures.FUNNEL_STEPS},
                **{
                    f"{s.removesuffix('_on')}_days": f"{t}: median days"
                    for s, t in figures.FUNNEL_STEPS
                },
                **{s.removesuffix("_on"): t for s, t in figures.FUNNEL_STEPS},
            }
        ),
        f"funnel_by_{by}",
        noun="groups",
    )


main()
