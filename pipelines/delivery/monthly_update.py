"""The monthly update: last month in numbers, posted to a Slack channel.

Built from the published snapshot with the dashboard's own figures for the month's
dates (connectors/core/figures.py: one definition per figure): active and new members,
contributions and contributors with the change against the month before, the top
contributors (the leaderboard's first rows) and organizations, the newcomers and first
contributions to celebrate, the month's events, and bringing people back (the month's
lapsed contributors, and whether reaching out worked over the twelve months up to it,
as the Engagement page shows it).
Rendered as Slack Block Kit with a plain-text fallback.

Posting is idempotent (pipelines/delivery/slack_post.py, shared with the alerts). Each update
carries Slack message metadata (``acacia_monthly_update`` with its month) and is
recorded in ``<data_dir>/state/monthly_updates.json``; before posting, and before every
retry, the channel's recent history is searched for that metadata, so a month is posted
once even when the job reruns, the record is lost, or a post succeeded but its answer
did not arrive. A post that keeps failing is reported with the channel, the error and
the fix.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from slack_sdk.models.blocks import Block

from connectors.core import clock
from connectors.core.config import AcaciaConfig, MonthlyUpdateSettings
from connectors.core.figures import (
    Filters,
    events_held,
    firsts,
    headline,
    leaderboard,
    organization_points,
    reactivation,
    reactivation_totals,
    reader,
)
from connectors.core.text import slack as slack_text
from pipelines.delivery import slack_post
from pipelines.storage.landing import atomic_write_text
from pipelines.storage.snapshot import current_snapshot, open_snapshot

EVENT_TYPE = "acacia_monthly_update"
HEADLINE = (
    ("active_members", "Active members"),
    ("new_members", "New members"),
    ("contributions", "Contributions"),
    ("contributors", "Contributors"),
)


class UpdateError(Exception):
    """The update could not be built or posted; the message says why and what to do."""


@dataclass
class MonthlyFigures:
    month: date
    now: dict[str, int]
    before: dict[str, int]
    top_contributors: list[tuple[str, float, int]] = field(default_factory=list)
    top_organizations: list[tuple[str, float, int]] = field(default_factory=list)
    newcomers: list[str] = field(default_factory=list)
    newcomers_total: int = 0
    first_contributions: list[str] = field(default_factory=list)
    first_contributions_total: int = 0
    #: The month's events: (name, day, place, attendees, first-timers), the first first.
    events: list[tuple[str, date, str | None, int, int]] = field(default_factory=list)
    events_total: int = 0
    #: Contributors who lapsed in the month, and how many of them the team reached out to.
    lapsed: int = 0
    lapsed_reached: int = 0
    #: reactivation_totals over the 12 months up to the month: contacted (True) or not.
    reactivation: dict[bool, dict[str, int]] = field(default_factory=dict)


def last_month(today: date | None = None) -> date:
    """The first day of the month before ``today``'s (default: the clock's today)."""
    first = (today or clock.today()).replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def parse_month(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise UpdateError(f"month {text!r}: write it as YYYY-MM, e.g. 2026-10") from None


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def figures(snapshot: Path, month: date, settings: MonthlyUpdateSettings) -> MonthlyFigures:
    """The update's figures for ``month`` (its first day) from a published snapshot: the
    dashboard's figures for that month's dates (connectors/core/figures.py, one definition
    each), with the settings' bots and staff."""
    with open_snapshot(snapshot) as con:
        read = reader(con)
        month_filters = Filters(
            month,
            _month_end(month),
            include_bots=settings.include_bots,
            include_staff=settings.include_staff,
        )
        before = last_month(month)
        previous_filters = replace(month_filters, start=before, end=_month_end(before))
        result = MonthlyFigures(
            month,
            *(
                {key: found[key] for key, _ in HEADLINE}
                for found in (headline(read, month_filters), headline(read, previous_filters))
            ),
        )
        board = leaderboard(read, month_filters, limit=settings.top_contributors)
        result.top_contributors = [
            (row.member, float(row.points), int(row.contributions)) for row in board.itertuples()
        ]
        result.top_organizations = [
            (row.organization, float(row.points), int(row.members))
            for row in organization_points(
                read, month_filters, settings.top_organizations
            ).itertuples()
        ]
        result.newcomers, result.newcomers_total = firsts(
            read, month_filters, "activity", settings.newcomers
        )
        result.first_contributions, result.first_contributions_total = firsts(
            read, month_filters, "contribution", settings.first_contributions
        )
        # Bringing people back: the month's lapses, and reaching out over the year.
        year = reactivation(read, month_filters, date(month.year - 1, month.month, 1), month)
        this_month = year[year["month"] == pd.Timestamp(month)]
        result.lapsed, result.lapsed_reached = (
            int(this_month["lapsed"].sum()),
            int(this_month.loc[this_month["is_contacted"], "lapsed"].sum()),
        )
        result.reactivation = reactivation_totals(year)
        held = events_held(read, month, _month_end(month)).iloc[::-1]
        result.events_total = len(held)
        result.events = [
            (
                row.event,
                row.event_date.date(),
                row.place if isinstance(row.place, str) else None,
                int(row.attendees),
                int(row.first_timers),
            )
            for row in held.head(settings.events).itertuples()
        ]
    return result


def _escape(name: str) -> str:
    """A name in Slack mrkdwn: text, never a link, a mention or formatting."""
    return slack_text(name)


def _change(now: int, before: int, previous_month: str) -> str:
    if before == 0:
        return f"none in {previous_month}"
    return f"{(now - before) / before:+.0%} vs {previous_month}"


def _names(names: list[str], total: int) -> str:
    shown = [_escape(n) for n in names]
    more = total - len(shown)
    if more > 0:
        return ", ".join(shown) + f" and {more} more"
    if len(shown) > 1:
        return ", ".join(shown[:-1]) + " and " + shown[-1]
    return "".join(shown)


def _reactivation_lines(f: MonthlyFigures) -> list[str]:
    """The month's lapsed contributors, and whether reaching out worked over the 12
    months up to it (connectors/core/figures.py reactivation)."""

    def rates(found: dict[str, int]) -> str:
        said = [
            f"{found[f'back_{days}d']} of {found[f'told_{days}d']} active again within "
            f"{days} days ({found[f'back_{days}d'] / found[f'told_{days}d']:.0%})"
            for days in (30, 90)
            if found[f"told_{days}d"]
        ]
        return ", ".join(said) if said else "too recent to tell"

    month, asked, unasked = f"{f.month:%B}", f.lapsed_reached, f.lapsed - f.lapsed_reached
    if asked:
        first = (
            f"In {month} the team reached out to {asked:,} lapsed "
            f"contributor{'s' if asked != 1 else ''}; {unasked:,} other"
            f"{'s' if unasked != 1 else ''} lapsed unasked."
        )
    elif unasked:
        first = (
            f"{unasked:,} contributor{'s' if unasked != 1 else ''} lapsed in {month}; the "
            "team reached out to none of them."
        )
    else:
        first = f"No contributor lapsed in {month}."
    lines = [first]
    reached, others = f.reactivation.get(True), f.reactivation.get(False)
    if reached and reached["lapsed"]:
        lines.append(f"Reached out to, over the 12 months to {f.month:%B}: {rates(reached)}.")
    if others and others["lapsed"]:
        lines.append(f"Not contacted: {rates(others)}.")
    return lines


def render(f: MonthlyFigures, community: str, settings: MonthlyUpdateSettings) -> dict:
    """Block Kit blocks and the plain-text fallback of an update."""
    title = f"{community}: {f.month:%B %Y}"
    previous = f"{last_month(f.month):%B}"
    blocks: list[Block] = [
        slack_post.header(title),
        *slack_post.fields(
            [
                f"*{label}*\n{f.now[key]:,} ({_change(f.now[key], f.before[key], previous)})"
                for key, label in HEADLINE
            ]
        ),
    ]
    text = [title] + [
        f"{label}: {f.now[key]:,} ({_change(f.now[key], f.before[key], previous)})"
        for key, label in HEADLINE
    ]

    def section(heading: str, lines: list[str]) -> None:
        blocks.extend(slack_post.sections(heading, lines))
        text.extend(["", heading, *lines])

    if f.top_contributors:
        section(
            "Top contributors",
            [
                f"{n}. {_escape(name)} — {points:,.0f} points"
                for n, (name, points, _) in enumerate(f.top_contributors, 1)
            ],
        )
    if f.top_organizations:
        section(
            "Top organizations",
            [
                f"{n}. {_escape(name)} — {points:,.0f} points, {members} active members"
                for n, (name, points, members) in enumerate(f.top_organizations, 1)
            ],
        )
    if f.newcomers:
        section("Welcome to our newcomers :wave:", [_names(f.newcomers, f.newcomers_total)])
    if f.first_contributions:
        section(
            "First contributions :tada:",
            [_names(f.first_contributions, f.first_contributions_total)],
        )
    if f.lapsed or any(t["lapsed"] for t in f.reactivation.values()):
        section("Bringing people back", _reactivation_lines(f))
    if f.events:
        more = f.events_total - len(f.events)
        section(
            "Events :calendar:",
            [
                f"• {_escape(name)} ({day:%d %b}{', ' + _escape(place) if place else ''}): "
                f"{attendees:,} attended, {first_timers:,} "
                f"first-timer{'s' if first_timers != 1 else ''}"
                for name, day, place, attendees, first_timers in f.events
            ]
            + ([f"and {more} more"] if more > 0 else []),
        )
    left_out = [
        word
        for word, included in (("Staff", settings.include_staff), ("bots", settings.include_bots))
        if not included
    ]
    note = f"{' and '.join(left_out)} are not counted." if left_out else ""
    note = note[:1].upper() + note[1:]
    if settings.dashboard_url:
        note = f"{note} <{settings.dashboard_url}|Open the dashboard>".strip()
        text.extend(["", f"Dashboard: {settings.dashboard_url}"])
    if note:
        blocks.append(slack_post.context(note))
    return slack_post.message(blocks, "\n".join(text))


def build(config: AcaciaConfig, month: date) -> dict:
    """The update of ``month`` from the current snapshot."""
    snapshot = current_snapshot(config.storage.serving())
    if snapshot is None:
        raise UpdateError("Nothing is published yet: run `acacia sync` first.")
    settings = config.monthly_update
    return render(figures(snapshot, month, settings), config.community_name, settings)


# ---------------------------------------------------------------------------- posting


class PostedRecord:
    """The months already posted, in ``<state>/monthly_updates.json``."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "monthly_updates.json"

    def load(self) -> dict[str, dict[str, str]]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def add(self, month: str, channel: str, ts: str) -> None:
        posted = self.load()
        posted[month] = {"channel": channel, "ts": ts, "recorded_at": clock.now().isoformat()}
        atomic_write_text(self.path, json.dumps(posted, indent=1, sort_keys=True))


@dataclass
class PostResult:
    month: str
    status: str  # posted, already_posted
    channel: str
    ts: str
    attempts: int = 0


def destination(settings: MonthlyUpdateSettings) -> slack_post.Destination:
    return slack_post.Destination(
        "monthly_update",
        settings.channel or "",
        settings.token(),
        settings.token_env,
        settings.base_url,
    )


def post(
    config: AcaciaConfig,
    month: date,
    *,
    attempts: int = 3,
    backoff_seconds: float = 2.0,
    client: Any = None,
) -> PostResult:
    """Post the update of ``month`` once; a month already posted is not posted again
    (the local record, then the channel's messages since the month began:
    pipelines/delivery/slack_post.py)."""
    settings = config.monthly_update
    if not settings.channel:
        raise UpdateError(
            "monthly_update.channel is not set in acacia.yml. Fix: set it to the channel "
            "to post to (and invite the bot there), or preview with `acacia update`."
        )
    key = f"{month:%Y-%m}"
    record = PostedRecord(config.storage.state())
    if key in record.load():
        done = record.load()[key]
        return PostResult(key, "already_posted", done["channel"], done["ts"])
    message = build(config, month)
    try:
        done = slack_post.post_once(
            destination(settings),
            message,
            event_type=EVENT_TYPE,
            payload={"month": key},
            already=lambda payload: payload.get("month") == key,
            # Only messages since the month began can be its update, whatever the date.
            oldest=datetime.strptime(key, "%Y-%m").replace(tzinfo=UTC),
            attempts=attempts,
            backoff_seconds=backoff_seconds,
            slack=client,
            what=f"the {key} update",
        )
    except slack_post.PostError as error:
        raise UpdateError(str(error)) from None
    record.add(key, done.channel, done.ts)
    return PostResult(key, done.status, done.channel, done.ts, done.attempts)
