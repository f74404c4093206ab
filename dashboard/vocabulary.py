"""How everything the dashboard shows reads to a person, from one place: the names of
sources and activity types, the families types are grouped in, the colour of each
source and family (the same on every page, whatever the filters), and the headers and
values of tables.

Sources and activity types say how they read where they are declared
(connectors/sources/<source>/source.py: a source's ``label``, a type's ``label`` and
``family``); this module adds the colours and the tables' words.
"""

from __future__ import annotations

import json
from functools import cache

import pandas as pd

from connectors.core import registry
from connectors.core.source import FAMILIES

#: The colour of a source that declares none (connectors/sources/<source>/source.py).
OTHER_COLOR = "#7f7f7f"

#: Each family's colour (Tableau 10, in FAMILIES' order).
FAMILY_COLORS = dict(
    zip(
        FAMILIES,
        ("#4E79A7", "#F28E2B", "#59A14F", "#B07AA1", "#EDC948", "#E15759", "#BAB0AC"),
        strict=True,
    )
)
#: The colours of the types within one family, by their place in the family.
TYPE_SHADES = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")

#: Distinct colours for a handful of named lines (organizations): one each, by rank.
SERIES_COLORS = (
    "#4E79A7",
    "#F28E2B",
    "#E15759",
    "#76B7B2",
    "#59A14F",
    "#EDC948",
    "#B07AA1",
    "#FF9DA7",
    "#9C755F",
    "#BAB0AC",
)

#: Each region's (continent's) colour, fixed whichever regions a window has.
REGION_COLORS = {
    "Africa": "#4E79A7",
    "Asia": "#F28E2B",
    "Europe": "#E15759",
    "North America": "#76B7B2",
    "South America": "#59A14F",
    "Oceania": "#B07AA1",
    "Antarctica": "#BAB0AC",
    "Unknown": OTHER_COLOR,
}

LEVEL_COLORS = {
    "Core": "#08519c",
    "Contributor": "#3182bd",
    "Participant": "#6baed6",
    "Observer": "#bdd7e7",
    "Inactive": "#d9d9d9",
}


source_label = registry.source_label
type_label = registry.type_label


def source_color(name: str) -> str:
    source = registry.sources().get(name)
    return (source.color if source else None) or OTHER_COLOR


def source_colors() -> dict[str, str]:
    """Colour by source label, for charts whose series are labelled sources."""
    return {source_label(name): source_color(name) for name in registry.labels()}


def source_order() -> list[str]:
    """Source labels in the registry's order: stacks and legends always read the same."""
    return [source_label(name) for name in registry.labels()]


@cache
def _types() -> dict:
    return registry.activity_types()


def family(name: str) -> str:
    """The family an activity type is shown in ("Other" for a type no source declares)."""
    kind = _types().get(name)
    return kind.family if kind else "Other"


def family_colors() -> dict[str, str]:
    return {**FAMILY_COLORS, "Other": OTHER_COLOR}


def family_types(name: str) -> list[str]:
    """The activity types of a family, in their sources' declared order."""
    return [kind.name for kind in _types().values() if kind.family == name]


def type_colors(family_name: str) -> dict[str, str]:
    """Colour by type label within one family: fixed by the type's place in it."""
    types = family_types(family_name)
    return {type_label(t): TYPE_SHADES[i % len(TYPE_SHADES)] for i, t in enumerate(types)}


#: Table headers, by column name. Columns not listed read as their name with spaces.
COLUMN_LABELS = {
    "member": "Member",
    "member_id": "Member id",
    "display_name": "Name",
    "organization": "Organization",
    "level": "Level",
    "previous_level": "Previous level",
    "score": "Score",
    "previous_score": "Previous score",
    "change": "Change",
    "points": "Points",
    "activities": "Activities",
    "contributions": "Contributions",
    "conversations": "Conversations",
    "contributors": "Contributors",
    "members": "Members",
    "active_members": "Active members",
    "contributions_90d": "Contributions, 90 days",
    "points_by_source": "Points by source",
    "sources": "Sources",
    "source": "Source",
    "other source": "Other source",
    "last_seen": "Last seen",
    "last_active": "Last active",
    "last_activity": "Last activity",
    "last_activity_date": "Last activity",
    "first_activity": "First activity",
    "first_contribution": "First contribution",
    "activity_type": "Activity type",
    "category": "Category",
    "weight": "Weight",
    "decayed_points": "Points after decay",
    "occurred_at": "When (UTC)",
    "opened_at": "Opened (UTC)",
    "channel": "Place",
    "title": "Title",
    "url": "Link",
    "profile_url": "Profile",
    "username": "Username",
    "merged by": "Merged by",
    "item_type": "Item",
    "days_waiting": "Days waiting",
    "week": "Week starting",
    "items": "Items opened",
    "responded": "Answered",
    "without_response": "Still waiting",
    "median_hours": "Median hours to answer",
    "p90_hours": "90th percentile hours",
    "region": "Region",
    "rank": "Rank",
    "tags": "Tags",
    "confidence": "Confidence",
    "first account": "First account",
    "second account": "Second account",
    "evidence": "Evidence",
    "suggestion": "Suggestion",
    "domain": "Email domain",
    "as of": "As of",
    "latest": "Latest activity",
}


def humanize(name: str) -> str:
    """A column or value name as words: "days_waiting" -> "Days waiting"."""
    words = str(name).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def column_label(name: str) -> str:
    return COLUMN_LABELS.get(name, humanize(name))


def points_text(points: object) -> str:
    """Points per source (a JSON object or a dict) as text, the most first:
    "GitHub 190 · Slack 93.3"."""
    if points is None or (isinstance(points, float) and pd.isna(points)):
        return ""
    values = json.loads(points) if isinstance(points, str) else dict(points)
    ranked = sorted(values.items(), key=lambda item: (-float(item[1] or 0), item[0]))
    return " · ".join(f"{source_label(s)} {float(v or 0):,.4g}" for s, v in ranked if v)


def sources_text(sources: object) -> str:
    """A member's sources (a list, or names joined by commas) by their labels."""
    names = sources.split(", ") if isinstance(sources, str) else list(sources)
    return ", ".join(source_label(name) for name in names if name)


#: Columns whose values are names of something, and how each reads.
VALUE_LABELS = {
    "source": source_label,
    "sources": sources_text,
    "other source": source_label,
    "activity_type": type_label,
    "category": humanize,
    "item_type": humanize,
    "points_by_source": points_text,
}


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as a person reads it: sources, types and categories by their names, no
    JSON, and every header in words."""
    frame = frame.copy()
    for column, label in VALUE_LABELS.items():
        if column in frame.columns:
            frame[column] = frame[column].map(
                lambda v, f=label: f(v) if isinstance(v, str) or hasattr(v, "__len__") else v
            )
    return frame.rename(columns={c: column_label(c) for c in frame.columns})
