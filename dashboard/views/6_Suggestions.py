"""Suggestions: accounts that may be one person, and email domains that may be an
organization, waiting for someone on the team to decide."""

from __future__ import annotations

import streamlit as st

from connectors.core import text
from dashboard import data, page, team

#: How many suggestions get their own buttons (the rest: bulk accept, or the CLI).
WITH_BUTTONS = 30


def decide(p: page.Page, kind: str, rows: list[tuple[str, str, str]], who: str) -> None:
    store = team.store(p.config)
    for suggestion_id, a, b in rows:
        store.decide(kind, a, b, author=who, suggestion_id=suggestion_id)
    team.apply_decisions(p.config)
    st.session_state["decided"] = f"{len(rows)} decision(s) recorded by {who}."
    st.rerun()


def waiting(p: page.Page, who: str | None) -> None:
    people = data.identity_suggestions(p.path)
    st.subheader(f"Accounts that may be the same person: {len(people)} waiting")
    if people.empty:
        st.success("No merge suggestions waiting.")
        return
    page.table(people, "merge-suggestions")
    if who is None:
        return
    pairs = data.suggestion_pairs(p.path, "review")
    low, high = float(people["confidence"].min()), float(people["confidence"].max())
    cols = st.columns([3, 2])
    floor = cols[0].slider(
        "Accept every suggestion at or above this confidence",
        min_value=0.0,
        max_value=100.0,
        value=max(low, min(high, 90.0)),
        step=0.5,
        key="bulk_floor",
    )
    chosen = [r for r in pairs if r[3] >= floor]
    if cols[1].button(f"Accept {len(chosen)} at or above {floor:.1f}%", key="bulk_accept"):
        decide(p, "merge", [r[:3] for r in chosen], who)
    st.caption(f"One at a time (the {min(WITH_BUTTONS, len(pairs))} most confident):")
    for suggestion_id, a, b, confidence, name_a, name_b, evidence in pairs[:WITH_BUTTONS]:
        row = st.columns([6, 1, 1])
        row[0].markdown(
            f"**{confidence:.1f}%** · {text.markdown(name_a or a)} ({a}) ~ "
            f"{text.markdown(name_b or b)} ({b})  \n{text.markdown(evidence)}"
        )
        if row[1].button("Accept", key=f"accept_{suggestion_id}"):
            decide(p, "merge", [(suggestion_id, a, b)], who)
        if row[2].button("Reject", key=f"reject_{suggestion_id}"):
            decide(p, "not_same", [(suggestion_id, a, b)], who)


def automatic(p: page.Page, who: str | None) -> None:
    merged = data.identity_suggestions(p.path, decision="automatic")
    st.subheader(f"Merged automatically: {len(merged)}")
    if merged.empty:
        st.info("No accounts were merged automatically.")
        return
    st.caption(
        "Each with the evidence it was merged on. Undo a wrong one here or with "
        "`acacia reject <suggestion>`."
    )
    page.table(merged, "automatic-merges")
    if who is None:
        return
    with st.expander("Undo an automatic merge"):
        pairs = data.suggestion_pairs(p.path, "automatic")
        for suggestion_id, a, b, confidence, name_a, name_b, _ in pairs[:WITH_BUTTONS]:
            row = st.columns([7, 1])
            row[0].markdown(
                f"{confidence:.1f}% · {text.markdown(name_a or a)} ({a}) ~ "
                f"{text.markdown(name_b or b)} ({b})"
            )
            if row[1].button("Undo", key=f"undo_{suggestion_id}"):
                decide(p, "not_same", [(suggestion_id, a, b)], who)


def main() -> None:
    p = page.current()
    threshold = p.config.identity.auto_merge_confidence
    st.caption(
        f"Accounts with evidence of being one person at or above {threshold:.0f}% "
        "confidence are merged automatically (identity.auto_merge_confidence), unless "
        "the evidence is weak alone (a common name, a name several people here carry, a "
        "first-name username) or contradicts itself (different organizations, time zones "
        "far apart): those say why they wait. The others wait here, most confident "
        "first, one per pair of members. Decisions are kept in the team's store with who "
        "made them, and shown once the members are re-resolved and published (a few "
        "seconds; no sync; the page reloads by itself). The command line does the same "
        "(`acacia accept`, `acacia reject`)."
    )
    if said := st.session_state.pop("decided", None):
        st.success(said)
    who = team.ask_author(p.config)
    waiting(p, who)
    automatic(p, who)

    st.subheader("Email domains that may be an organization")
    domains = data.organization_suggestions(p.path)
    if domains.empty:
        st.success("No unknown corporate domains shared by several members.")
    else:
        st.caption("Add them to organizations.yml (name, domains) to attribute their members.")
        page.table(domains, "organization-suggestions")


main()
