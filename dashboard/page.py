"""What every page shares: the password gate, the sidebar filters (kept across pages),
the data-freshness line, the before-the-first-sync message, and downloadable tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import pandas as pd
import streamlit as st

from connectors import clock, text
from dashboard import data, gate, team, vocabulary
from pipelines.config import AcaciaConfig

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


def setup(title: str, *, private_only: bool = False) -> Page | None:
    """Start a page: config, password, filters, freshness. None when the page has
    nothing to show (no data yet, not signed in, or private in public mode); the page
    then simply returns."""
    st.set_page_config(page_title=f"Acacia · {title}", page_icon="🌳", layout="wide")
    for key in FILTER_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    config = data.config()
    if not _signed_in(config):
        return None
    st.title(title if title != "Overview" else text.markdown(config.community_name))
    if private_only and config.dashboard.public:
        st.info(
            "This page shows people by name, so it is hidden in public mode "
            "(`dashboard: public: true` in acacia.yml)."
        )
        return None
    snapshot = data.snapshot()
    if snapshot is None:
        st.info(
            "No data has been published yet. Run a first sync with `acacia sync` (or "
            "`make demo` for the sample community), then reload this page."
        )
        return None
    path = str(snapshot)
    filters = _sidebar(path, config)
    freshness(path)
    team.applying(config)
    return Page(path, filters, config)


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
        from dashboard import team

        tagged = team.member_tags(config, path)
        chosen = sidebar.multiselect(
            "Tags",
            sorted(set().union(*tagged.values())) if tagged else [],
            placeholder="Everyone",
            key="filter_tags",
        )
        if chosen:
            members = tuple(sorted(m for m, tags in tagged.items() if tags & set(chosen)))
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
    **kwargs,
):
    """A table as a person reads it (vocabulary.readable: words for headers, names for
    sources and types), names linked to their pages, exactly as tall as its rows (up to
    VISIBLE_ROWS), with how many it holds (``noun``: "members"; ``total`` when the list
    is cut) and a CSV download button (names as text, no links)."""
    plain = tidy(frame)
    shown = vocabulary.readable(linked(plain, public))
    if noun is not None:
        count = total if total is not None else len(frame)
        cut = "" if count == len(frame) else f"; the first {len(frame):,} are shown"
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
