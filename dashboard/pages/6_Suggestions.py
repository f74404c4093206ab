"""Suggestions: accounts that may be one person, and email domains that may be an
organization, waiting for someone on the team to decide."""

from __future__ import annotations

import streamlit as st

from dashboard import data, page


def main() -> None:
    p = page.setup("Suggestions", private_only=True)
    if p is None:
        return
    st.caption(
        "Acacia never merges these by itself. Accept or reject each one from the "
        "command line; the decision is written to identities.yml (under version "
        "control) and applied at the next sync or `acacia rebuild`."
    )

    st.subheader("Accounts that may be the same person")
    people = data.identity_suggestions(p.path)
    if people.empty:
        st.success("No merge suggestions waiting.")
    else:
        page.table(people, "merge-suggestions")
        st.code("acacia accept <suggestion>   # or: acacia reject <suggestion>", language="bash")

    st.subheader("Email domains that may be an organization")
    domains = data.organization_suggestions(p.path)
    if domains.empty:
        st.success("No unknown corporate domains shared by several members.")
    else:
        st.caption("Add them to organizations.yml (name, domains) to attribute their members.")
        page.table(domains, "organization-suggestions")


main()
