"""Suggestions: accounts that may be one person, and email domains that may be an
organization, waiting for someone on the team to decide."""

from __future__ import annotations

import streamlit as st

from dashboard import data, page


def main() -> None:
    p = page.setup("Suggestions", private_only=True)
    if p is None:
        return
    threshold = p.config.identity.auto_merge_confidence
    st.caption(
        f"Accounts with evidence of being one person at or above {threshold:.0f}% "
        "confidence are merged automatically (identity.auto_merge_confidence); the "
        "others wait here. Accept or reject each one from the command line; the "
        "decision is written to identities.yml (under version control) and applied "
        "at the next sync or `acacia rebuild`."
    )

    people = data.identity_suggestions(p.path)
    st.subheader(f"Accounts that may be the same person: {len(people)} waiting")
    if people.empty:
        st.success("No merge suggestions waiting.")
    else:
        page.table(people, "merge-suggestions")
        st.code("acacia accept <suggestion>   # or: acacia reject <suggestion>", language="bash")

    merged = data.identity_suggestions(p.path, decision="automatic")
    st.subheader(f"Merged automatically: {len(merged)}")
    if merged.empty:
        st.info("No accounts were merged automatically.")
    else:
        st.caption(
            "Each with the evidence it was merged on. A wrong one is undone by "
            "rejecting it: `acacia reject <suggestion>`."
        )
        page.table(merged, "automatic-merges")

    st.subheader("Email domains that may be an organization")
    domains = data.organization_suggestions(p.path)
    if domains.empty:
        st.success("No unknown corporate domains shared by several members.")
    else:
        st.caption("Add them to organizations.yml (name, domains) to attribute their members.")
        page.table(domains, "organization-suggestions")


main()
