"""The normalized records shared by every connector: the contract with the models.

Every source maps onto one activity vocabulary, so that scoring, dashboards and the
Slack update never need to know where an activity came from (DESIGN.md, Normalized
records). The landing zone stores these fields as columns, and the dbt staging models
read exactly these columns, so a change here is a change of the contract.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Literal

Category = Literal["contribution", "conversation"]

#: The activity types of each source (DESIGN.md). Extend with care: each type needs a
#: default weight in the configuration.
SOURCE_ACTIVITY_TYPES: dict[str, tuple[str, ...]] = {
    "github": (
        "issue_opened",
        "issue_closed",
        "pr_opened",
        "pr_merged",
        "pr_review",
        "issue_comment",
        "review_comment",
        "star",
    ),
    "slack": ("message", "thread_reply", "channel_join"),
    "discourse": ("topic_created", "post_reply", "solution_accepted"),
    "reddit": ("post", "comment"),
    "stackexchange": ("question", "answer", "answer_accepted", "comment"),
    "events": ("event_attended", "event_spoke", "event_organized"),
}

#: How each source reads to a person (dashboard, exports, the Slack update).
SOURCE_LABELS = {
    "github": "GitHub",
    "slack": "Slack",
    "discourse": "Forum",
    "reddit": "Reddit",
    "stackexchange": "Stack Overflow",
    "events": "Events",
}

#: Contributions; every other type is a conversation (the split Savannah uses for
#: engagement levels).
CONTRIBUTION_TYPES = frozenset(
    {
        "pr_opened",
        "pr_merged",
        "pr_review",
        "answer",
        "answer_accepted",
        "solution_accepted",
        "event_spoke",
        "event_organized",
    }
)
ACTIVITY_TYPES = frozenset(t for types in SOURCE_ACTIVITY_TYPES.values() for t in types)


def category(activity_type: str) -> Category:
    """Whether an activity type is a contribution or a conversation."""
    return "contribution" if activity_type in CONTRIBUTION_TYPES else "conversation"


def utc(value: str | datetime | None) -> datetime | None:
    """Parse an ISO-8601 timestamp (``Z`` or offset) into an aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(slots=True)
class Identity:
    """One account in one source."""

    source: str
    source_user_id: str  # stable id, never the display name
    username: str
    display_name: str | None = None
    email: str | None = None
    company: str | None = None
    location: str | None = None
    timezone: str | None = None
    is_bot: bool = False
    is_deleted: bool = False  # the account was deleted in its source
    is_staff: bool = False  # an admin or moderator of the platform (e.g. forum staff)
    profile_url: str | None = None
    avatar_url: str | None = None
    #: True when the full profile was read (company, location, email), False when only
    #: the short user object embedded in another payload was seen.
    has_profile: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # source-specific (e.g. reputation)


@dataclass(slots=True)
class Activity:
    """One thing one identity did."""

    source: str
    activity_id: str  # unique within the source
    type: str  # one of SOURCE_ACTIVITY_TYPES[source]
    occurred_at: datetime  # UTC
    actor: str  # the identity's source_user_id
    channel: str  # repo / Slack channel / forum category / subreddit / tag
    url: str | None = None
    title: str | None = None
    thread_id: str | None = None
    parent_id: str | None = None
    body: str | None = None  # only kept when the source is configured to store bodies
    extra: dict[str, Any] = field(default_factory=dict)  # source-specific fields

    def __post_init__(self) -> None:
        if self.type not in SOURCE_ACTIVITY_TYPES.get(self.source, ()):
            raise ValueError(f"unknown activity type {self.type!r} for source {self.source!r}")


IDENTITY_COLUMNS = [f.name for f in fields(Identity)]
ACTIVITY_COLUMNS = [f.name for f in fields(Activity)]


def as_row(record: Identity | Activity) -> dict[str, Any]:
    """A record as a flat dict ready for the landing zone (``extra`` as JSON text)."""
    row = asdict(record)
    if "extra" in row:
        row["extra"] = json.dumps(row["extra"], sort_keys=True, default=str)
    return row
