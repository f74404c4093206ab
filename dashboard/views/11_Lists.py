"""Lists: saved lists of people, each a named filter (tags, places, sources, levels,
events attended) the team keeps and shares (README, The team's own data, Saved lists).
A list is its filter, not a copy of its members: it follows the data. Each shows as a
table with a CSV download and its own address (``/Lists?list=<name>``). Hidden in
public mode: it names people."""

from __future__ import annotations

from urllib.parse import quote

import streamlit as st

from connectors.core import figures, text
from connectors.core.registry import labels
from dashboard import page, team, vocabulary
from pipelines.storage.team_store import TeamDataError

NEW = "A new list"


def describe(chosen: dict[str, list[str]], event_names: dict[str, str]) -> str:
    """A list's filter in words."""
    parts = []
    for key, noun in (
        ("tags", "tagged"),
        ("places", "living in"),
        ("sources", "active on"),
        ("levels", "at level"),
        ("events", "who came to"),
    ):
        values = chosen.get(key) or []
        if key == "sources":
            values = [labels().get(v, v) for v in values]
        if key == "events":
            values = [event_names.get(v, v) for v in values]
        if values:
            parts.append(f"{noun} {' or '.join(values)}")
    return "Members " + "; ".join(parts) + "." if parts else "Everyone."


def options(p: page.Page) -> dict[str, list]:
    read = p.read
    places = read(
        "select distinct unnest([region, country, city]) as place from members "
        "where country is not null order by 1",
        (),
    )["place"].dropna()
    events = read("select event_id, event, event_date from events order by event_date desc", ())
    tags = sorted({t for found in team.member_tags(p.config, p.path).values() for t in found})
    return {
        "tags": tags,
        "places": list(places),
        "sources": list(labels()),
        "levels": list(vocabulary.LEVEL_COLORS),
        "events": list(events["event_id"]),
        "event_names": dict(
            zip(
                events["event_id"],
                [
                    f"{n} ({d:%d %b %Y})"
                    for n, d in zip(events["event"], events["event_date"], strict=True)
                ],
                strict=True,
            )
        ),
    }


def show(p: page.Page, name: str, chosen: dict[str, list[str]], event_names: dict) -> None:
    st.subheader(text.markdown(name))
    st.caption(text.markdown(describe(chosen, event_names)))
    tags = team.member_tags(p.config, p.path)
    wanted = set(chosen.get("tags") or [])
    tagged = {m for m, found in tags.items() if found & wanted}
    members = figures.list_members(p.read, chosen, tagged)
    members["tags"] = team.tag_column(tags, members["member_id"])
    page.table(members, f"list-{name}", noun="members")
    st.caption(f"Its address, to share: `/Lists?list={quote(name)}` (behind the password).")


def edit(p: page.Page, found: dict[str, dict], choices: dict[str, list]) -> None:
    chosen_name = st.query_params.get("list")
    current = found.get(chosen_name or "", {})
    with st.expander("Edit this list" if current else "Make a list", expanded=not found):
        name = st.text_input("Name", value=chosen_name or "", key="list_name")
        picked = {}
        for key, label in (
            ("tags", "Tags (any)"),
            ("places", "Places: regions, countries or cities (any)"),
            ("sources", "Sources (any)"),
            ("levels", "Levels (any)"),
            ("events", "Came to (any of these events)"),
        ):
            picked[key] = st.multiselect(
                label,
                choices[key],
                default=[v for v in current.get(key, []) if v in choices[key]],
                format_func=(
                    (lambda v: choices["event_names"].get(v, v))
                    if key == "events"
                    else (lambda v: labels().get(v, v))
                    if key == "sources"
                    else str
                ),
                key=f"list_{key}",
            )
        left, right = st.columns(2)
        if left.button("Save the list", type="primary"):
            who = team.ask_author(p.config)
            if who:
                try:
                    team.store(p.config).save_list(name, picked, author=who)
                except TeamDataError as error:
                    st.error(str(error))
                else:
                    st.query_params["list"] = " ".join(name.split())
                    st.rerun()
        if current and right.button("Delete the list"):
            team.store(p.config).delete_list(chosen_name)
            del st.query_params["list"]
            st.rerun()


def main() -> None:
    p = page.current()
    found = team.store(p.config).saved_lists()
    choices = options(p)
    st.caption(
        "A saved list is a named filter: the members who match it now, whenever you open "
        "it. Make one below, or open one:"
    )
    names = [NEW, *found]
    wanted = st.query_params.get("list")
    chosen = st.selectbox(
        "List", names, index=names.index(wanted) if wanted in found else 0, key="list_pick"
    )
    if chosen != NEW and chosen != wanted:
        st.query_params["list"] = chosen
        st.rerun()
    if chosen == NEW and wanted in found:
        del st.query_params["list"]
    if chosen != NEW:
        show(p, chosen, found[chosen], choices["event_names"])
    edit(p, found, choices)


main()
