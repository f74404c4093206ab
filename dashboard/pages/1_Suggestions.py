"""Suggestions: accounts that may be one person, and email domains that may be an
organization, waiting for someone on the team to decide."""

from __future__ import annotations

import streamlit as st

from dashboard import data


def main() -> None:
    st.set_page_config(page_title="Acacia · Suggestions", page_icon="🌳", layout="wide")
    st.title("Suggestions")
    snapshot = data.snapshot()
    if snapshot is None:
        st.info("No data has been published yet. Run `acacia sync` first.")
        return
    path = str(snapshot)
    st.caption(
        "Acacia never merges these by itself. Accept or reject each one from the "
        "command line; the decision is written to identities.yml (under version "
        "control) and applied at the next sync or `acacia rebuild`."
    )

    st.subheader("Accounts that may be the same person")
    people = data.identity_suggestions(path)
    if people.empty:
        st.success("No merge suggestions waiting.")
    else:
        st.dataframe(people, hide_index=True, width="stretch")
        st.code("acacia accept <suggestion>   # or: acacia reject <suggestion>", language="bash")

    st.subheader("Email domains that may be an organization")
    domains = data.organization_suggestions(path)
    if domains.empty:
        st.success("No unknown corporate domains shared by several members.")
    else:
        st.caption("Add them to organizations.yml (name, domains) to attribute their members.")
        st.dataframe(domains, hide_index=True, width="stretch")


main()
