"""Members: who is most active, and for one member, everything behind their numbers."""

from __future__ import annotations

import streamlit as st

from connectors.core import figures, text
from dashboard import charts, data, page, team
from pipelines.storage.team_store import FOLLOW_UPS


def leaderboard(p: page.Page) -> None:
    f = p.filters
    st.caption(
        f"Points in the window ({page.window_caption(f)}): the sum of the weights of each "
        "activity (acacia.yml `weights`). Score: every point halves in value every "
        f"{p.config.scoring.half_life_days} days. Level: over the last "
        f"{p.config.scoring.level_window_days} days (see README, Scores)."
    )
    if not p.public:
        saved_lists(p)
    search = "" if p.public else st.text_input("Search a name or username", key="member_search")
    board = figures.leaderboard(p.read, f, search)
    if board.empty:
        st.info("Nobody matches.")
        return
    if p.public:
        board = board.drop(columns=["member_id", "member"]).reset_index(drop=True)
        board.insert(0, "rank", range(1, len(board) + 1))
        page.table(board, "leaderboard", public=True)
        return
    board["tags"] = team.tag_column(team.member_tags(p.config, p.path), board["member_id"])
    st.caption(
        f"The first {len(board):,} members by points"
        if len(board) == figures.LEADERBOARD_LENGTH
        else f"{len(board):,} members"
    )
    event = page.table(
        board, "leaderboard", on_select="rerun", selection_mode="single-row", key="leaderboard"
    )
    rows = event.selection.rows if event else []
    if rows:
        st.query_params["member"] = board.iloc[rows[0]]["member_id"]
        st.rerun()
    st.caption("Select a row, or click a name, to open the member's page.")


def saved_lists(p: page.Page) -> None:
    """The team's saved lists, one click away (the Lists page)."""
    from urllib.parse import quote

    found = team.store(p.config).saved_lists()
    links = [f"[{text.markdown(name)}](Lists?list={quote(name)})" for name in found]
    st.markdown(
        "**Saved lists:** " + " · ".join(links) + " · [make a list](Lists)"
        if links
        else "**Saved lists:** none yet · [make a list](Lists)"
    )


#: The account a merge on a member page started from: the page follows it to its member.
FOLLOW_KEY = "member_follows"


def member_page(p: page.Page, member_id: str) -> None:
    found = data.member(p.path, member_id)
    follows = st.session_state.get(FOLLOW_KEY)
    if found is None and follows:
        # Merged or split from this page: open the member the account is in now.
        now = data.members_of(p.path, (follows,)).get(follows)
        if now and now != member_id:
            st.query_params["member"] = now
            st.rerun()
    if found is None:
        st.warning("No such member in the current data (they may have been merged).")
        if st.button("Back to the leaderboard"):
            del st.query_params["member"]
            st.rerun()
        return
    if st.button("← All members"):
        del st.query_params["member"]
        st.rerun()
    # A display name is whatever its owner chose: shown as text, never as Markdown.
    st.header(text.markdown(found["display_name"] or member_id))
    facts = [
        found["organization"] and f"Organization: {text.markdown(found['organization'])}",
        f"Level: {found['engagement_level'] or 'Inactive'}"
        + (f" (was {found['previous_level']})" if found["previous_level"] else ""),
        found["cohort"] and f"Cohort: {found['cohort'].replace('_', ' ')}",
        found["location"] and f"Location: {text.markdown(found['location'])}",
        f"First seen {found['first_seen_at']:%d %b %Y}" if found["first_seen_at"] else None,
        f"last seen {found['last_seen_at']:%d %b %Y}" if found["last_seen_at"] else None,
    ]
    st.caption(" · ".join(fact for fact in facts if fact))
    left, middle, right = st.columns(3)
    left.metric("Activity score", f"{found['activity_score'] or 0:,.1f}")
    middle.metric("Points, last 30 days", f"{found['points_30d'] or 0:,.1f}")
    right.metric("Points, last 90 days", f"{found['points_90d'] or 0:,.1f}")

    st.subheader("Accounts")
    page.table(data.member_identities(p.path, member_id), f"accounts-{member_id}")
    for _, a, b, name_a, name_b, evidence in data.member_automatic_merges(p.path, member_id):
        st.caption(
            f"{text.markdown(name_a or a)} ({a}) and {text.markdown(name_b or b)} ({b}) "
            f"merged automatically on: {text.markdown(evidence)}"
        )

    team_section(p, member_id)

    st.subheader("Why the score is what it is")
    st.caption(
        "Each activity is worth its type's weight; the score counts each point at half its "
        f"value after {p.config.scoring.half_life_days} days, a quarter after twice that, "
        f"and so on (activities of the last {p.config.scoring.score_window_days} days). "
        "Decayed points add up to the score."
    )
    page.table(data.score_breakdown(p.path, member_id), f"score-{member_id}")

    st.plotly_chart(
        charts.level_history(data.level_history(p.path, member_id, p.config)), width="stretch"
    )

    st.subheader("Activity across sources")
    page.table(data.timeline(p.path, member_id), f"activities-{member_id}", noun="activities")


def team_section(p: page.Page, member_id: str) -> None:
    """What the team keeps about this person: tags, follow-up, notes; and the account
    decisions (merge with another member, split an account off)."""
    accounts = data.member_accounts(p.path, member_id)
    keys = [key for key, _ in accounts]
    if not keys:
        return
    store = team.store(p.config)
    mine = set(keys)
    tags = sorted(team.member_tags(p.config, p.path).get(member_id, ()))
    own = sorted({tag for key, tag, *_ in store.rows("tags") if key in mine})
    status = [row for row in store.rows("follow_ups") if row[0] in mine]
    notes = [row for row in store.rows("notes") if row[0] in mine]

    st.subheader("Team notes")
    latest = max(status, key=lambda row: row[3]) if status else None
    st.caption(
        " · ".join(
            [
                "Tags: " + (", ".join(tags) if tags else "none"),
                f"Follow-up: {latest[1]} ({text.markdown(latest[2])}, {latest[3][:16]})"
                if latest
                else "Follow-up: none",
            ]
        )
    )
    for _, author, written_at, body, _ in notes:
        st.markdown(f"**{text.markdown(author)}**, {written_at[:16].replace('T', ' ')}")
        st.text(body)
    who = team.ask_author(p.config)
    if who is None:
        return
    anchor = keys[0]  # kept by account: follows it into whatever member it joins

    def save(key: str, write) -> None:
        """An input's value written to the store, then the input emptied (a callback:
        it runs before the page does, so the page shows what was saved)."""
        value = st.session_state.get(key, "").strip()
        if value:
            write(anchor, value, author=who)
            st.session_state[key] = ""

    tag_col, status_col = st.columns(2)
    tag_col.text_input("Add a tag", key="new_tag")
    tag_col.button("Add tag", key="add_tag", on_click=save, args=("new_tag", store.tag))
    if own:
        gone = tag_col.selectbox("Remove a tag", ["", *own], key="remove_tag")
        if gone and tag_col.button("Remove", key="remove_tag_button"):
            store.untag(keys, gone)
            st.rerun()
    choice = status_col.selectbox("Follow-up", FOLLOW_UPS, key="follow_up")
    if status_col.button("Set follow-up", key="set_follow_up"):
        store.follow_up(anchor, choice, author=who)
        st.rerun()
    st.text_area("Add a note", key="new_note")
    st.button("Save note", key="save_note", on_click=save, args=("new_note", store.note))

    for suggestion_id, a, b, name_a, name_b, _ in data.member_automatic_merges(p.path, member_id):
        label = f"Not the same person: split {name_b or b} ({b}) from {name_a or a} ({a})"
        if st.button(label, key=f"undo_{suggestion_id}"):
            store.decide("not_same", a, b, author=who, suggestion_id=suggestion_id)
            st.session_state[FOLLOW_KEY] = anchor
            team.apply_decisions(p.config)
            st.rerun()
    with st.expander("Accounts: merge with another member, or split one off"):
        search = st.text_input("Find the member to merge with", key="merge_search")
        found = (
            [m for m in data.find_members(p.path, search) if m[0] != member_id] if search else []
        )
        if found:
            labels = dict(found)
            other = st.selectbox(
                "Merge with", list(labels), format_func=labels.get, key="merge_with"
            )
            if st.button("Merge with this member", key="merge_button"):
                other_key = data.member_accounts(p.path, other)[0][0]
                store.decide("merge", anchor, other_key, author=who)
                st.session_state[FOLLOW_KEY] = anchor
                team.apply_decisions(p.config)
                st.rerun()
        if len(accounts) > 1:
            labels = dict(accounts)
            off = st.selectbox("Account", keys, format_func=labels.get, key="split_account")
            if st.button("Split this account off", key="split_button"):
                store.decide("split", off, author=who)
                team.apply_decisions(p.config)
                st.rerun()


def main() -> None:
    p = page.current()
    member_id = st.query_params.get("member")
    if member_id and not p.public:
        member_page(p, member_id)
    else:
        leaderboard(p)


main()
