"""Plotly figures for the dashboard: plain data in, a figure out."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

#: How activity types read to a person.
TYPE_LABELS = {
    "issue_opened": "Issue opened",
    "issue_closed": "Issue closed",
    "pr_opened": "PR opened",
    "pr_merged": "PR merged",
    "pr_review": "PR review",
    "issue_comment": "Issue/PR comment",
    "review_comment": "Review comment",
    "star": "Star",
    "message": "Chat message",
    "thread_reply": "Chat thread reply",
    "channel_join": "Joined a channel",
    "topic_created": "Forum topic",
    "post_reply": "Forum reply",
    "solution_accepted": "Accepted solution",
    "post": "Reddit post",
    "comment": "Comment (Reddit, Stack Overflow)",
    "question": "Question",
    "answer": "Answer",
    "answer_accepted": "Accepted answer",
    "event_attended": "Attended an event",
    "event_spoke": "Spoke at an event",
    "event_organized": "Organized an event",
}

#: How sources read to a person, and their colours (the same on every chart).
SOURCE_LABELS = {
    "github": "GitHub",
    "slack": "Slack",
    "discourse": "Forum",
    "reddit": "Reddit",
    "stackexchange": "Stack Overflow",
    "events": "Events",
}
SOURCE_COLORS = {
    "GitHub": "#24292f",
    "Slack": "#4a154b",
    "Forum": "#e45735",
    "Reddit": "#ff4500",
    "Stack Overflow": "#f48024",
    "Events": "#2e7d32",
}

LAYOUT = {
    "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
    "hovermode": "x unified",
    "legend": {"orientation": "h", "y": -0.15},
}


def active_members(daily: pd.DataFrame) -> go.Figure:
    """Daily active members with a 7-day average, so weekends don't hide the trend."""
    smoothed = daily["active_members"].rolling(7, min_periods=1).mean()
    figure = go.Figure(
        [
            go.Bar(
                x=daily["activity_date"],
                y=daily["active_members"],
                name="Active that day",
                marker_color="#9ecae1",
            ),
            go.Scatter(
                x=daily["activity_date"],
                y=smoothed,
                name="7-day average",
                line={"color": "#08519c", "width": 3},
            ),
        ]
    )
    figure.update_layout(**LAYOUT, yaxis_title="members")
    return figure


def activities_by_type(by_type: pd.DataFrame) -> go.Figure:
    """Weekly activities stacked by activity type."""
    by_type = by_type.assign(
        activity_type=by_type["activity_type"].map(
            lambda name: TYPE_LABELS.get(name, name.replace("_", " ").capitalize())
        )
    )
    figure = px.bar(
        by_type,
        x="week",
        y="activities",
        color="activity_type",
        labels={"week": "week starting", "activities": "activities", "activity_type": "type"},
    )
    figure.update_layout(**LAYOUT, barmode="stack")
    return figure


def activities_by_source(by_source: pd.DataFrame) -> go.Figure:
    """Weekly activities per source, so quiet and busy platforms compare at a glance."""
    by_source = by_source.assign(
        source=by_source["source"].map(lambda name: SOURCE_LABELS.get(name, name))
    )
    figure = px.bar(
        by_source,
        x="week",
        y="activities",
        color="source",
        color_discrete_map=SOURCE_COLORS,
        labels={"week": "week starting", "activities": "activities", "source": "source"},
    )
    figure.update_layout(**LAYOUT, barmode="stack")
    return figure
