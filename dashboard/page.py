"""What every page shares, run once in the entry point (dashboard/app.py, :func:`main`)
before the chosen page: the navigation, the password gate, the sidebar filters (kept
across pages), the data-freshness line and the before-the-first-sync message. A page
reads the result with :func:`current`. Also the pages' downloadable tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import streamlit as st

from connectors.core import clock, figures, text
from connectors.core.config import AcaciaConfig
from dashboard import data, gate, team, vocabulary

WINDOWS = {"Last 30 days": 30, "Last 90 days": 90, "Last 180 days": 180, "Last 365 days": 365}
CUSTOM = "A date range"
#: Widget keys of the filters. Streamlit forgets a widget's value when a page without it
#: runs; re-assigning them at the top of every page keeps them across pages.
FILTER_KEYS = (
    "filter_window",
    "filter_range",
    "filter_sources",
    "filter_types",
    "filter_organizations",
    "filter_bots",
    "filter_staff",
)


@dataclass(frozen=True)
class Page:
    """A page's context: the snapshot to read, the filters, the configuration."""

    path: str
    filters: data.Filters
    config: AcaciaConfig

    @property
    def public(self) -> bool:
        return self.config.dashboard.public

    @property
    def read(self) -> figures.Read:
        """The snapshot's reader for the figures (connectors/core/figures.py), cached like
        every query of the dashboard."""
        return data.reader(self.path)


#: The dashboard's folder: the entry point, Overview.py and views/ (the other pages; not
#: named pages/, which Streamlit would run as pages of their own, without the entry point).
DASHBOARD = Path(__file__).resolve().parent
#: The pages, in the sidebar's order: (file in dashboard/, title, private). A private page
#: shows people by name and is hidden in public mode. A page's address is its file's name
#: without the number (``/Members``), the Overview's the dashboard's own.
PAGES = (
    ("Overview.py", "Overview", False),
    ("views/1_Members.py", "Members", False),
    ("views/2_Organizations.py", "Organizations", False),
    ("views/3_Engagement.py", "Engagement", False),
    ("views/4_Responsiveness.py", "Responsiveness", False),
    ("views/5_Channels_and_places.py", "Channels and places", False),
    ("views/6_Suggestions.py", "Suggestions", True),
    ("views/7_Health.py", "Health", False),
    ("views/8_Events.py", "Events", False),
    ("views/9_Check_in.py", "Check-in", True),
    ("views/10_Local_communities.py", "Local communities", False),
    ("views/11_Lists.py", "Lists", True),
    ("views/12_Ambassadors.py", "Ambassadors", False),
    ("views/13_Conversion.py", "Conversion", False),
)
#: Where the entry point leaves the chosen page's context for this run.
CONTEXT = "acacia_page_context"


def main() -> None:
    """The entry point's run: the page configuration, the password gate, the navigation,
    then, when there is something to show, the title, the sidebar's filters, the
    freshness line, and the chosen page (which reads them with :func:`current`)."""
    st.set_page_config(page_title="Acacia", page_icon="🌳", layout="wide")
    for key in FILTER_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    st.session_state.pop(CONTEXT, None)
    config = data.config()
    signed_in = _signed_in(config)
    chosen = st.navigation(
        [
            st.Page(DASHBOARD / file, title=title, default=file == "Overview.py")
            for file, title, _ in PAGES
        ],
        position="sidebar" if signed_in else "hidden",
        # Every page listed: a "View more" that hides a third of them is one click too many.
        expanded=True,
    )
    if not signed_in:
        return
    title = chosen.title
    st.set_page_config(page_title=f"Acacia · {title}")
    st.title(title if title != "Overview" else text.markdown(config.community_name))
    if config.dashboard.public and any(t == title and private for _, t, private in PAGES):
        st.info(
            "This page shows people by name, so it is hidden in public mode "
            "(`dashboard: public: true` in acacia.yml)."
        )
        return
    snapshot = data.snapshot()
    if snapshot is None:
        st.info(
            "No data has been published yet. Run a first sync with `acacia sync` (or "
            "`make demo` for the sample community), then reload this page."
        )
        return
    path = str(snapshot)
    filters = _sidebar(path, config)
    freshness(path)
    team.applying(config)
    st.session_state[CONTEXT] = Page(path, filters, config)
    chosen.run()


def current() -> Page:
    """The context of the page being run: the snapshot, the filters, the configuration
    (set by :func:`main` before it runs the page)."""
    context = st.session_state.get(CONTEXT)
    if context is None:
        raise RuntimeError("A page of the dashboard runs from its entry point, dashboard/app.py.")
    return context


def _signed_in(config: AcaciaConfig) -> bool:
    """The private dashboard's password gate (only when its variable is set); wrong
    guesses slow down, then lock out (dashboard.gate)."""
    expected = config.dashboard.password()
    if config.dashboard.public or not expected or st.session_state.get("signed_in"):
        return True
    st.title("Acacia")
    given = st.text_input("Password", type="password", key="password")
    address = st.context.ip_address  # None when Streamlit cannot tell
    client = address if isinstance(address, str) and address else "unknown"
    if given:
        outcome = _throttle().check(client, given, expected)
        del st.session_state["password"]  # a guess is checked once
        if outcome is True:
            st.session_state["signed_in"] = True
            st.rerun()
        elif outcome:
            st.error(
                "Not signed in: after several wrong passwords each try must wait longer. "
                f"Wait {gate.wait_text(outcome)} before the next one."
            )
        else:
            st.error("That is not the password.")
    elif wait := _throttle().wait(client):
        st.error(f"Too many wrong passwords: wait {gate.wait_text(wait)} before trying again.")
    st.caption(
        f"This dashboard is private. The password is the value of "
        f"{config.dashboard.password_env} on the machine that serves it."
    )
    return False


@st.cache_resource
def _throttle() -> gate.Throttle:
    """One count of wrong guesses for the whole dashboard process (every session)."""
    return gate.Throttle()


def _sidebar(path: str, config: AcaciaConfig) -> data.Filters:
    options = data.choices(path)
    sidebar = st.sidebar
    sidebar.header("Filters")
    end = data.as_of(path)
    # Defaults go into the session state once, never into the widgets: a widget given a
    # default while its value also comes from the session state (as the filters kept
    # across pages do) makes Streamlit log a warning with a stack trace.
    window = next(
        (name for name, days in WINDOWS.items() if days == config.dashboard.default_window_days),
        "Last 90 days",
    )
    defaults = {
        "filter_window": window,
        "filter_range": data.window(end, 90),
        "filter_bots": False,
        "filter_staff": True,
    }
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value
    tagged = {} if config.dashboard.public else team.member_tags(config, path)
    tag_names = sorted(set().union(*tagged.values())) if tagged else []
    _from_url(options, end, tag_names)
    choice = sidebar.selectbox("Window", [*WINDOWS, CUSTOM], key="filter_window")
    if choice == CUSTOM:
        picked = sidebar.date_input("From – to", max_value=end, key="filter_range")
        start, end = (picked[0], picked[-1]) if isinstance(picked, tuple | list) else (picked,) * 2
    else:
        start, end = data.window(end, WINDOWS[choice])
    sources = sidebar.multiselect(
        "Sources",
        options["source"],
        format_func=lambda s: vocabulary.source_label(s),
        placeholder="All sources",
        key="filter_sources",
    )
    types = sidebar.multiselect(
        "Activity types",
        options["activity_type"],
        format_func=vocabulary.type_label,
        placeholder="All types",
        key="filter_types",
    )
    organizations = sidebar.multiselect(
        "Organizations",
        options["organization"],
        placeholder="All organizations (and none)",
        key="filter_organizations",
    )
    bots = sidebar.toggle("Include bots", key="filter_bots")
    staff = sidebar.toggle("Include staff", key="filter_staff")
    members = None
    if config.dashboard.public:
        sidebar.caption("Public mode: names and member pages are hidden.")
    else:
        chosen = sidebar.multiselect("Tags", tag_names, placeholder="Everyone", key="filter_tags")
        if chosen:
            members = tuple(sorted(m for m, tags in tagged.items() if tags & set(chosen)))
    _to_url()
    sidebar.caption("The address of this page keeps these filters: copy it to share the view.")
    return data.Filters(
        start=start,
        end=end,
        sources=tuple(sources),
        activity_types=tuple(types),
        organizations=tuple(organizations),
        include_bots=bots,
        include_staff=staff,
        members=members,
    )


#: The filters in the page's address (query parameter -> widget key), so a link opens
#: the same view: ?window=30&source=slack&source=github, or ?window=range&from=…&to=….
#: Lists repeat their parameter. The open member or organization has its own
#: (``member``, ``organization``).
URL_PARAMS = {
    "window": "filter_window",
    "from": "filter_range",
    "to": "filter_range",
    "source": "filter_sources",
    "type": "filter_types",
    "org": "filter_organizations",
    "bots": "filter_bots",
    "staff": "filter_staff",
    "tag": "filter_tags",
}
WINDOW_PARAMS = {**{str(days): name for name, days in WINDOWS.items()}, "range": CUSTOM}
#: What the address said when the filters last followed it (or were written to it).
URL_SEEN = "filters_url_seen"


def _url_given() -> tuple:
    return tuple(
        (key, tuple(st.query_params.get_all(key))) for key in URL_PARAMS if key in st.query_params
    )


def _from_url(options: dict[str, list[str]], end, tags: list[str]) -> None:
    """Set the filters from the page's address when it carries filters the session has
    not seen (a shared link, or one edited by hand). Values are checked against what the
    filters offer; anything else is ignored."""
    given = _url_given()
    if not given or st.session_state.get(URL_SEEN) == given:
        return
    st.session_state[URL_SEEN] = given
    values = dict(given)

    def one(key: str) -> str | None:
        return values[key][-1] if values.get(key) else None

    if one("window") in WINDOW_PARAMS:
        st.session_state["filter_window"] = WINDOW_PARAMS[one("window")]
    try:
        first, last = (date.fromisoformat(one(k) or "") for k in ("from", "to"))
    except ValueError:
        pass
    else:
        last = min(last, end)
        st.session_state["filter_range"] = (min(first, last), last)
    for key, offered in (
        ("source", options["source"]),
        ("type", options["activity_type"]),
        ("org", options["organization"]),
        ("tag", tags),
    ):
        if key in values:
            st.session_state[URL_PARAMS[key]] = [v for v in values[key] if v in offered]
    for key in ("bots", "staff"):
        if one(key) in ("0", "1"):
            st.session_state[URL_PARAMS[key]] = one(key) == "1"


def _to_url() -> None:
    """Write the filters into the page's address (only what differs from the defaults
    besides the window), keeping the open member or organization."""
    state = st.session_state
    window = next(k for k, name in WINDOW_PARAMS.items() if name == state["filter_window"])
    wanted: dict[str, list[str]] = {"window": [window]}
    if window == "range":
        picked = state.get("filter_range")
        if isinstance(picked, tuple | list) and picked:
            wanted["from"], wanted["to"] = [picked[0].isoformat()], [picked[-1].isoformat()]
    for key in ("source", "type", "org", "tag"):
        if state.get(URL_PARAMS[key]):
            wanted[key] = list(state[URL_PARAMS[key]])
    if state.get("filter_bots"):
        wanted["bots"] = ["1"]
    if not state.get("filter_staff", True):
        wanted["staff"] = ["0"]
    for key in URL_PARAMS:
        if key in wanted:
            if st.query_params.get_all(key) != wanted[key]:
                st.query_params[key] = wanted[key] if len(wanted[key]) > 1 else wanted[key][0]
        elif key in st.query_params:
            del st.query_params[key]
    state[URL_SEEN] = _url_given()


def _ago(when: datetime, now: datetime) -> str:
    seconds = (now - when).total_seconds()
    if seconds < 3600:
        return f"{max(int(seconds // 60), 0)} min ago"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


def freshness_text(path: str, now: datetime | None = None) -> tuple[str, list[str]]:
    """The freshness line (publication and each source's last sync) and a warning per
    source whose last attempt failed."""
    now = now or clock.now()
    parts = [f"Data published {data.published_at(path):%d %b %Y %H:%M} UTC"]
    warnings = []
    for row in data.sync_status(path).itertuples():
        label = vocabulary.source_label(row.source)
        if pd.notna(row.last_success_at):
            parts.append(f"{label} synced {_ago(row.last_success_at, now)}")
        else:
            parts.append(f"{label} never synced")
        if row.items_rejected:
            # Unreadable items are set aside (the rejects files), never the end of a sync.
            count = int(row.items_rejected)
            parts[-1] += f" ({count} unreadable item{'s' if count != 1 else ''} set aside)"
        if row.status == "failed":
            since = (
                f"its data is from {row.last_success_at:%d %b %H:%M} UTC"
                if pd.notna(row.last_success_at)
                else "no data from it yet"
            )
            warnings.append(
                f"{label}: the last sync ({_ago(row.last_attempt_at, now)}) failed: "
                f"{text.markdown(row.message)} — {since}."
            )
        elif row.status == "rate_limited":
            warnings.append(
                f"{label}: the last sync stopped at the API's rate limit; the next one "
                "continues where it stopped."
            )
    return " · ".join(parts), warnings


def freshness(path: str) -> None:
    line, warnings = freshness_text(path)
    st.caption(line)
    for warning in warnings:
        st.warning(warning, icon="⚠️")


def window_caption(f: data.Filters) -> str:
    return f"{f.start:%d %b %Y} – {f.end:%d %b %Y} (UTC, {f.days} days)"


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Tables read as a person expects: timestamp columns that are all midnights become
    days, and a missing text or day (no organization, no first contribution yet) is an
    empty cell rather than Streamlit's grey "None"."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values) and values.dropna().dt.normalize().equals(
            values.dropna()
        ):
            if values.isna().any():  # days as text: Arrow takes no "" in a date column
                frame[column] = values.dt.strftime("%Y-%m-%d").where(values.notna(), "")
            else:
                frame[column] = values.dt.date
        elif values.isna().any() and (
            pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)
        ):
            frame[column] = values.where(values.notna(), "")
    return frame


#: Rows a table shows before it scrolls; shorter tables are exactly as tall as their rows.
VISIBLE_ROWS = 15
ROW_PX = 35


def height(rows: int) -> int:
    """The height of a table of ``rows`` rows: its rows and header, up to VISIBLE_ROWS."""
    return ROW_PX * (min(max(rows, 1), VISIBLE_ROWS) + 1) + 3


def member_link(member_id: str, name: str) -> str:
    """A link to a member's page that reads as their name (see LINKS)."""
    return f"Members?member={quote(str(member_id))}#{name}"


def organization_link(organization: str) -> str:
    return f"Organizations?organization={quote(str(organization))}#{organization}"


#: Link columns and what they show: the part of the link after "#" (the name; the page
#: it opens ignores it), or the link itself.
LINKS = {"Member": r"#(.*)$", "Organization": r"#(.*)$", "Link": None, "Profile": None}
#: Pixels per character of a table's text, and the widest a text column gets.
CHAR_PX, MAX_PX = 8, 420


def column_config(shown: pd.DataFrame) -> dict:
    """Each text column as wide as its longest text (header included, up to MAX_PX), so
    nothing is cut off; link columns show names."""
    config = {}
    for column in shown.columns:
        values = shown[column]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        if not all(isinstance(v, str) for v in values.head(500) if v is not None):
            continue  # days (tidy makes them dates) and lists are not text columns
        texts = values.head(500).map(lambda v: v if isinstance(v, str) else "")
        if LINKS.get(column):
            texts = texts.str.extract(LINKS[column], expand=False).fillna("")
        widest = max([len(str(column)), *texts.str.len()])
        width = min(widest * CHAR_PX + 24, MAX_PX)
        if column in LINKS:
            config[column] = st.column_config.LinkColumn(
                column, width=width, display_text=LINKS[column]
            )
        else:
            config[column] = st.column_config.TextColumn(column, width=width)
    return config


def linked(frame: pd.DataFrame, public: bool) -> pd.DataFrame:
    """Names that lead somewhere: a member's name opens their page (when ``member_id``
    is there and names are shown) and an organization's opens its page. ``member_id``
    itself is not shown."""
    frame = frame.copy()
    if "member_id" in frame.columns:
        if "member" in frame.columns and not public:
            frame["member"] = [
                member_link(m, n if isinstance(n, str) and n else m)
                for m, n in zip(frame["member_id"], frame["member"], strict=True)
            ]
        frame = frame.drop(columns="member_id")
    if "organization" in frame.columns:
        frame["organization"] = frame["organization"].map(
            lambda o: organization_link(o) if isinstance(o, str) and o else o
        )
    return frame


def table(
    frame: pd.DataFrame,
    name: str,
    *,
    public: bool = False,
    noun: str | None = None,
    total: int | None = None,
    rows: int | None = None,
    **kwargs,
):
    """A table as a person reads it (vocabulary.readable: words for headers, names for
    sources and types), names linked to their pages, exactly as tall as its rows (up to
    VISIBLE_ROWS), with how many it holds (``noun``: "members"; ``total`` when the list
    is cut) and a CSV download button (names as text, no links). ``rows``: show only the
    first rows on the page (a long list costs seconds to draw), the CSV holding all."""
    plain = tidy(frame)
    shown = vocabulary.readable(linked(plain if rows is None else plain.head(rows), public))
    if noun is not None:
        count = total if total is not None else len(frame)
        cut = "" if count == len(shown) else f"; the first {len(shown):,} are shown"
        st.caption(f"{count:,} {noun}{cut}")
    config = column_config(shown) | kwargs.pop("column_config", {})
    event = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height=height(len(shown)),
        column_config=config,
        **kwargs,
    )
    csv = vocabulary.readable(plain.drop(columns=["member_id"], errors="ignore"))
    st.download_button(
        "Download CSV",
        csv.to_csv(index=False).encode(),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"download_{name}",
    )
    return event


NO_CHANGE = "no change"
NEW = "new"
#: A previous window with less than this share of the current one's figure is too small
#: to compare with: the change reads NEW rather than +900% or +67,650%.
TINY = 0.1


def delta(now: float, before: float) -> str | None:
    """The change against the previous window, as a percentage; NEW when the previous
    window had nothing or too little to compare with (less than TINY of now), None when
    both are empty, and NO_CHANGE when it rounds to 0% (shown without an arrow). The
    page's caption says which window that is."""
    if now == 0 and before == 0:
        return None
    if before < TINY * now:
        return NEW
    change = f"{(now - before) / before:+.0%}"
    return NO_CHANGE if change in ("+0%", "-0%") else change


def share_delta(now: float | None, before: float | None) -> str | None:
    """The change of a share (0 to 1) against the previous window, in percentage
    points (None when either is unknown)."""
    if now is None or before is None:
        return None
    return f"{(now - before) * 100:+.0f} percentage points"


def response_metrics(read: figures.Read, f: data.Filters, columns: list) -> None:
    """The response headline (figures.response_headline) of the window ``f`` against the
    one before, in ``columns``: items opened, the median wait for a first response and
    the share answered within a day."""
    now, before = figures.response_headline(read, f), figures.response_headline(read, f.previous())
    items, wait, share = columns
    items.metric(
        "Items opened",
        f"{int(now['items']):,}",
        delta(now["items"], before["items"]),
        delta_color="off",  # more or fewer questions is neither good nor bad
        help="Issues, PRs, forum topics, Stack Overflow questions and Slack threads.",
    )
    hours, was = now["median_hours"], before["median_hours"]
    wait.metric(
        "Median wait for a first response",
        "—" if hours is None else f"{hours:,.1f} h",
        None if hours is None or was is None else delta(hours, was),
        delta_color="inverse",  # a shorter wait is better
        help="Half of the answered items had their first response within this time.",
    )
    within = now["within_a_day"]
    share.metric(
        "Answered within a day",
        "—" if within is None else f"{within:.0%}",
        share_delta(within, before["within_a_day"]),
        help="Of all the items opened, the share with a first response within 24 hours.",
    )
