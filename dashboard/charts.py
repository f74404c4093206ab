"""Plotly figures for the dashboard: plain data in, a figure out."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from connectors.core import figures, text
from dashboard import vocabulary

# The names and colours live in dashboard/vocabulary.py (one place for every page).
LEVEL_COLORS = vocabulary.LEVEL_COLORS


LAYOUT = {
    "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
    "hovermode": "x unified",
    "legend": {"orientation": "h", "y": -0.15},
}


def _as_text(chart: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """Every text a chart gets (its frame's text columns, its title) shown as text:
    Plotly reads a few HTML tags in labels and hovers, links among them, and a name
    or a channel comes from whoever chose it."""

    def escaped(value: Any) -> Any:
        if isinstance(value, str):
            return text.label(value)
        if isinstance(value, pd.DataFrame):
            value = value.copy()
            for column in value.columns:
                if pd.api.types.is_object_dtype(value[column]) or pd.api.types.is_string_dtype(
                    value[column]
                ):
                    value[column] = value[column].map(
                        lambda v: text.label(v) if isinstance(v, str) else v
                    )
        return value

    @functools.wraps(chart)
    def wrapper(*args: Any, **kwargs: Any) -> go.Figure:
        return chart(*map(escaped, args), **{k: escaped(v) for k, v in kwargs.items()})

    return wrapper


#: How a period the window cuts short is drawn: lighter, and labelled.
PARTIAL_OPACITY = 0.45


def mark_partial(figure: go.Figure, span: tuple | None, grain: str = "week") -> go.Figure:
    """Mark the weeks the window ``span`` (first day, last day) cuts short: their bars
    lighter, with "N of 7 days" above, so a short week does not read as a drop."""
    if span is None or grain != "week":
        return figure
    start, end = span
    short = {}
    for trace in figure.data:
        for x in trace.x if trace.x is not None else ():
            day = pd.Timestamp(x).date()
            days = figures.period_days(day, "week", start, end)
            if days < 7:
                short[day] = days
        if isinstance(trace, go.Bar) and trace.x is not None:
            trace.marker.opacity = [
                PARTIAL_OPACITY if pd.Timestamp(x).date() in short else 1 for x in trace.x
            ]
    for day, days in sorted(short.items()):
        figure.add_annotation(
            x=day,
            y=1,
            yref="paper",
            text=f"{days} of 7 days",
            showarrow=False,
            font={"size": 11, "color": "#555"},
        )
    return figure


def _titled(figure: go.Figure, title: str) -> go.Figure:
    figure.update_layout(**LAYOUT)
    figure.update_layout(title={"text": title, "x": 0, "font": {"size": 15}}, margin_t=50)
    return figure


@_as_text
def activities_by_family(
    by_type: pd.DataFrame, family: str | None = None, span: tuple | None = None
) -> go.Figure:
    """Weekly activities stacked by family of types (vocabulary), or, given ``family``,
    by the types of that family. Colours and order are fixed: a family or a type has
    the same colour whatever the filters."""
    if family is None:
        frame = by_type.assign(group=by_type["activity_type"].map(vocabulary.family))
        colors, order = vocabulary.family_colors(), list(vocabulary.family_colors())
        title = "Activities per week, by family of types"
    else:
        frame = by_type[by_type["activity_type"].map(vocabulary.family) == family]
        frame = frame.assign(group=frame["activity_type"].map(vocabulary.type_label))
        colors = vocabulary.type_colors(family)
        order = list(colors)
        title = f"Activities per week: {family}"
    frame = frame.groupby(["week", "group"], as_index=False)["activities"].sum()
    figure = px.bar(
        frame,
        x="week",
        y="activities",
        color="group",
        color_discrete_map=colors,
        category_orders={"group": order},
        labels={"week": "week starting", "activities": "activities", "group": ""},
    )
    figure.update_layout(barmode="stack")
    return mark_partial(_titled(figure, title), span)


@_as_text
def trend_by_source(trend: pd.DataFrame, grain: str, span: tuple | None = None) -> go.Figure:
    """Activities per day or week, stacked by source."""
    frame = trend.assign(source=trend["source"].map(vocabulary.source_label))
    figure = px.bar(
        frame,
        x="period",
        y="activities",
        color="source",
        color_discrete_map=vocabulary.source_colors(),
        category_orders={"source": vocabulary.source_order()},
        labels={"period": grain, "activities": "activities", "source": "source"},
    )
    figure.update_layout(barmode="stack")
    return mark_partial(_titled(figure, f"Activities per {grain}, by source"), span, grain)


@_as_text
def new_and_returning(weekly: pd.DataFrame, span: tuple | None = None) -> go.Figure:
    """Weekly active members: new (first activity ever that week) and returning."""
    figure = go.Figure(
        [
            go.Bar(
                x=weekly["week"],
                y=weekly["returning_members"],
                name="Returning (seen before)",
                marker_color="#9ecae1",
            ),
            go.Bar(x=weekly["week"], y=weekly["new_members"], name="New", marker_color="#e6550d"),
        ]
    )
    figure.update_layout(barmode="stack", xaxis_title="week starting", yaxis_title="members")
    return mark_partial(_titled(figure, "Active members per week: new and returning"), span)


@_as_text
def level_funnel(funnel: pd.DataFrame) -> go.Figure:
    """Members per engagement level, the widest (Observer) on top. The levels exclude
    each other, so each bar's share is of all members with a level."""
    order = ["Observer", "Participant", "Contributor", "Core"]
    counts = funnel.set_index("level")["members"].reindex(order, fill_value=0)
    figure = go.Figure(
        go.Funnel(
            y=order,
            x=counts.tolist(),
            marker={"color": [LEVEL_COLORS[level] for level in order]},
            textinfo="value+percent total",
        )
    )
    return _titled(figure, "Engagement levels (members in the level window)")


@_as_text
def level_movements(movements: pd.DataFrame) -> go.Figure:
    """From the previous window's level (rows) to this window's (columns)."""
    order = ["Core", "Contributor", "Participant", "Observer", "Inactive"]
    grid = (
        movements.pivot_table(
            index="previous_level", columns="level", values="members", aggfunc="sum"
        )
        .reindex(index=order, columns=order)
        .fillna(0)
        .astype(int)
    )
    figure = px.imshow(
        grid,
        text_auto=True,
        color_continuous_scale="Blues",
        labels={"x": "level now", "y": "level in the previous window", "color": "members"},
        aspect="auto",
    )
    return _titled(figure, "Movements between levels")


@_as_text
def response_times(weekly: pd.DataFrame, span: tuple | None = None) -> go.Figure:
    """Median hours to first response per week, one line per source."""
    frame = weekly.assign(source=weekly["source"].map(vocabulary.source_label))
    figure = px.line(
        frame,
        x="week",
        y="median_hours",
        color="source",
        color_discrete_map=vocabulary.source_colors(),
        category_orders={"source": vocabulary.source_order()},
        markers=True,
        labels={"week": "week opened", "median_hours": "median hours", "source": "source"},
    )
    return mark_partial(_titled(figure, "Time to first response (median, hours)"), span)


@_as_text
def organization_trend(
    weekly: pd.DataFrame,
    title: str = "Weekly points of the top organizations",
    organizations: list[str] | None = None,
    weeks: list | None = None,
    span: tuple | None = None,
) -> go.Figure:
    """Weekly points, one line per organization: each of ``organizations`` (in rank
    order) its own colour, and every one of ``weeks`` on every line (0 where an
    organization had nothing), so no line stops early."""
    # The frame's names were made plain text (_as_text); the list's are made so here.
    organizations = [text.label(o) for o in organizations or sorted(weekly["organization"])]
    organizations = list(dict.fromkeys(organizations))
    # Weeks as timestamps on both sides (the frame's may be dates): one kind of value.
    weekly = weekly.assign(week=pd.to_datetime(weekly["week"]))
    weeks = sorted(pd.to_datetime(weeks if weeks is not None else weekly["week"].unique()))
    grid = pd.MultiIndex.from_product([weeks, organizations], names=["week", "organization"])
    frame = (
        weekly.groupby(["week", "organization"])["points"]
        .sum()
        .reindex(grid, fill_value=0)
        .reset_index()
    )
    colors = vocabulary.SERIES_COLORS
    figure = px.line(
        frame,
        x="week",
        y="points",
        color="organization",
        markers=True,
        color_discrete_map={o: colors[i % len(colors)] for i, o in enumerate(organizations)},
        category_orders={"organization": organizations},
        labels={"week": "week starting", "points": "points", "organization": "organization"},
    )
    return mark_partial(_titled(figure, title), span)


@_as_text
def breakdown(frame: pd.DataFrame, title: str) -> go.Figure:
    """Points by activity type, coloured by source."""
    frame = frame.assign(
        source=frame["source"].map(vocabulary.source_label),
        activity_type=frame["activity_type"].map(vocabulary.type_label),
    )
    figure = px.bar(
        frame,
        x="points",
        y="activity_type",
        color="source",
        orientation="h",
        color_discrete_map=vocabulary.source_colors(),
        category_orders={"source": vocabulary.source_order()},
        labels={"points": "points", "activity_type": "", "source": "source"},
    )
    figure.update_layout(yaxis={"categoryorder": "total ascending"})
    return _titled(figure, title)


@_as_text
def channels(frame: pd.DataFrame) -> go.Figure:
    top = frame.head(20).assign(
        place=lambda f: f["source"].map(vocabulary.source_label) + " · " + f["channel"],
        source=lambda f: f["source"].map(vocabulary.source_label),
    )
    figure = px.bar(
        top,
        x="activities",
        y="place",
        orientation="h",
        color="source",
        color_discrete_map=vocabulary.source_colors(),
        category_orders={"source": vocabulary.source_order()},
        labels={"activities": "activities", "place": "", "source": "source"},
    )
    figure.update_layout(yaxis={"categoryorder": "total ascending"})
    return _titled(figure, "Busiest places (top 20)")


@_as_text
def countries(frame: pd.DataFrame, top: int = 20) -> go.Figure:
    """Active members by country (the ``top`` countries), coloured by region."""
    by_country = (
        frame.dropna(subset=["country"])
        .groupby(["country", "region"], as_index=False)["members"]
        .sum()
        .sort_values(["members", "country"], ascending=[False, True])
        .head(top)
    )
    figure = px.bar(
        by_country,
        x="members",
        y="country",
        color="region",
        orientation="h",
        color_discrete_map=vocabulary.REGION_COLORS,
        category_orders={"region": list(vocabulary.REGION_COLORS)},
        labels={"members": "active members", "country": "", "region": "region"},
    )
    figure.update_layout(yaxis={"categoryorder": "total ascending"})
    return _titled(figure, f"Active members by country (top {top})")


@_as_text
def level_history(history: pd.DataFrame) -> go.Figure:
    order = ["Inactive", "Observer", "Participant", "Contributor", "Core"]
    figure = px.line(
        history, x="as of", y="level", markers=True, line_shape="hv", labels={"as of": "as of"}
    )
    figure.update_layout(yaxis={"categoryorder": "array", "categoryarray": order})
    return _titled(figure, "Engagement level, month by month")


@_as_text
def health_factors(windows: pd.DataFrame) -> go.Figure:
    """The two factors per 90-day window (bars), and the share of contributions from
    outside the staff (a line, on its own axis)."""
    labels = [
        f"{row.window_start:%d %b} – {row.window_end:%d %b %Y}" for row in windows.itertuples()
    ]
    figure = go.Figure(
        [
            go.Bar(
                x=labels,
                y=windows["contributor_absence_factor"],
                name="Contributor absence factor (people)",
                marker_color=vocabulary.SERIES_COLORS[0],
            ),
            go.Bar(
                x=labels,
                y=windows["elephant_factor"],
                name="Elephant factor (organizations)",
                marker_color=vocabulary.SERIES_COLORS[1],
            ),
            go.Scatter(
                x=labels,
                y=windows["outside_staff_share"] * 100,
                name="Contributions from outside the staff (%)",
                yaxis="y2",
                mode="lines+markers",
                line={"color": vocabulary.SERIES_COLORS[2]},
            ),
        ]
    )
    figure.update_layout(
        barmode="group",
        yaxis={"title": "people or organizations", "rangemode": "tozero"},
        yaxis2={
            "title": "% outside the staff",
            "overlaying": "y",
            "side": "right",
            "range": [0, 100],
            "tickvals": [0, 25, 50, 75, 100],
        },
        xaxis_title="90-day window",
    )
    return _titled(figure, "Health, window by window")


@_as_text
def event_impact(days: pd.DataFrame, found: dict) -> go.Figure:
    """The community's online activity per day around an event (bars), the trend fitted
    on the days before it and the activity it predicted after it (a line, dashed after
    the event), the event's day marked."""
    figure = go.Figure()
    figure.add_bar(
        x=days["day"], y=days["activities"], name="activities per day", marker_color="#9ecae1"
    )
    slope, intercept = found.get("trend_slope"), found.get("trend_intercept")
    if slope is not None and intercept is not None and not pd.isna(slope):
        before = days[days["day"] < 0]["day"]
        after = days[days["day"] > 0]["day"]
        figure.add_scatter(
            x=before,
            y=[intercept + slope * d for d in before],
            mode="lines",
            name="trend before",
            line={"color": "#08519c"},
        )
        figure.add_scatter(
            x=after,
            y=[max(0.0, intercept + slope * d) for d in after],
            mode="lines",
            name="predicted by the trend",
            line={"color": "#08519c", "dash": "dash"},
        )
    figure.add_vline(x=0, line_color="#d62728", annotation_text="event")
    figure = _titled(figure, "The community's online activity around the event")
    figure.update_layout(xaxis_title="days from the event", yaxis_title="activities", bargap=0.1)
    return figure


@_as_text
def priority_places(months: pd.DataFrame, measure: str, title: str) -> go.Figure:
    """A measure of place_monthly, the priority places against the others, by month."""
    frame = months.assign(
        places=months["is_priority"].map({True: "priority places", False: "elsewhere"})
    )
    figure = px.line(
        frame,
        x="month",
        y=measure,
        color="places",
        markers=True,
        color_discrete_map={"priority places": "#E15759", "elsewhere": "#4E79A7"},
        labels={"month": "", measure: measure.replace("_", " ")},
    )
    return _titled(figure, title)


def ratings(found: pd.DataFrame) -> go.Figure:
    """An event's feedback: how many responses gave each rating of the survey's scale."""
    figure = go.Figure()
    figure.add_bar(
        x=[f"{r:g}" for r in found["rating"]],
        y=found["responses"],
        marker_color=vocabulary.SERIES_COLORS[0],
        name="responses",
    )
    figure = _titled(figure, "Ratings")
    figure.update_layout(
        xaxis_title="rating", yaxis_title="responses", xaxis_type="category", height=300
    )
    return figure


@_as_text
def reactivation(monthly: pd.DataFrame) -> go.Figure:
    """Month by month, the share of lapsed members active again within 30 and 90 days:
    those the team reached out to beside those nobody contacted, each bar labelled with
    its count ("3 of 5"); months too recent to tell have no bar."""
    rows = []
    for _, row in monthly.iterrows():
        group = "Reached out" if row["is_contacted"] else "Not contacted"
        for days in (30, 90):
            told, back = int(row[f"told_{days}d"]), int(row[f"back_{days}d"])
            if told:
                rows.append(
                    {
                        "month": row["month"],
                        "group": group,
                        "within": f"Active again within {days} days",
                        "share": 100 * back / told,
                        "count": f"{back} of {told}",
                    }
                )
    frame = pd.DataFrame(rows, columns=["month", "group", "within", "share", "count"])
    figure = px.bar(
        frame,
        x="month",
        y="share",
        color="group",
        barmode="group",
        facet_col="within",
        text="count",
        color_discrete_map={"Reached out": "#2a9d8f", "Not contacted": "#adb5bd"},
        category_orders={"group": ["Reached out", "Not contacted"]},
        labels={"share": "% active again", "month": "", "group": ""},
    )
    figure.for_each_annotation(lambda a: a.update(text=a.text.split("=", 1)[-1]))
    figure.update_traces(textangle=0, textposition="outside", cliponaxis=False)
    figure.update_yaxes(range=[0, 112])
    _titled(figure, "Did reaching out work? Lapsed contributors active again")
    return figure.update_layout(hovermode="closest")


def conversion_funnel(found: pd.DataFrame) -> go.Figure:
    """The newcomers' funnel, all groups together: first seen, then each step, with its
    share of the first seen and the median days it took."""
    first = int(found["first_seen"].sum())
    labels, counts, texts = ["First seen"], [first], [f"{first:,}"]
    for step, label in figures.FUNNEL_STEPS:
        name = step.removesuffix("_on")
        n = int(found[name].sum())
        # The median of the groups' medians would mislead: say each group's on the table.
        labels.append(label)
        counts.append(n)
        texts.append(f"{n:,} ({n / first:.0%})" if first else "0")
    figure = go.Figure(
        go.Funnel(
            y=labels,
            x=counts,
            text=texts,
            textinfo="text",
            marker={"color": ["#adb5bd", "#8ecae6", "#2a9d8f", "#264653"]},
        )
    )
    return _titled(figure, "Newcomers, step by step")


@_as_text
def conversion_by_group(found: pd.DataFrame, label: str) -> go.Figure:
    """Each step's share of the newcomers first seen, group by group (a cohort, a place,
    a first source)."""
    rows = [
        {
            "group": group,
            "step": step_label,
            "share": 100 * float(row[f"{step.removesuffix('_on')}_share"] or 0),
            "count": f"{int(row[step.removesuffix('_on')])} of {int(row['first_seen'])}",
        }
        for group, (_, row) in zip(found["group"], found.iterrows(), strict=True)
        for step, step_label in figures.FUNNEL_STEPS
    ]
    frame = pd.DataFrame(rows, columns=["group", "step", "share", "count"])
    figure = px.bar(
        frame,
        x="group",
        y="share",
        color="step",
        barmode="group",
        hover_data={"count": True},
        color_discrete_sequence=["#8ecae6", "#2a9d8f", "#264653"],
        labels={"share": "% of those first seen", "group": label, "step": ""},
    )
    figure.update_yaxes(range=[0, 100])
    _titled(figure, f"Each step's share, by {label.lower()}")
    return figure.update_layout(hovermode="closest")
