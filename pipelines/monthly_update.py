"""The monthly update: last month in numbers, posted to a Slack channel.

Built from the published snapshot: active and new members, contributions and
contributors with the change against the month before (the figures of the
``monthly_summary`` mart, computed here so that staff can be left out), the top
contributors and organizations, and the newcomers and first contributions to celebrate.
Rendered as Slack Block Kit with a plain-text fallback.

Posting is idempotent. Each update carries Slack message metadata
(``acacia_monthly_update`` with its month) and is recorded in
``<data_dir>/state/monthly_updates.json``; before posting, and before every retry, the
channel's recent history is searched for that metadata, so a month is posted once even
when the job reruns, the record is lost, or a post succeeded but its answer did not
arrive. A post that keeps failing is reported with the channel, the error and the fix.
"""

from __future__ import annotations

import calendar
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors import clock
from connectors.text import slack as slack_text
from pipelines.config import AcaciaConfig, MonthlyUpdateSettings
from pipelines.landing import atomic_write_text
from pipelines.publish import current_snapshot, open_snapshot

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
    """The update's figures for ``month`` (its first day) from a published snapshot."""
    keep = ["true"]
    if not settings.include_bots:
        keep.append("not a.is_bot")
    if not settings.include_staff:
        keep.append("not a.is_staff")
    where = " and ".join(keep)
    with open_snapshot(snapshot) as con:
        con.execute(
            f"""
            create temp table firsts as
            select a.member_id, min(a.activity_date) as first_day,
                   min(a.activity_date) filter (where a.category = 'contribution')
                       as first_contribution,
                   -- a deleted account is no newcomer: nobody to welcome
                   any_value(m.is_deleted) as is_deleted
            from activities as a join members as m using (member_id)
            where {where} group by 1"""
        )

        def headline(first: date) -> dict[str, int]:
            row = con.execute(
                f"""
                select count(distinct a.member_id),
                       count(distinct a.member_id)
                           filter (where f.first_day >= ? and not f.is_deleted),
                       count(*) filter (where a.category = 'contribution'),
                       count(distinct a.member_id) filter (where a.category = 'contribution')
                from activities as a join firsts as f using (member_id)
                where {where} and a.activity_date between ? and ?""",
                [first, first, _month_end(first)],
            ).fetchone()
            return dict(zip((key for key, _ in HEADLINE), map(int, row), strict=True))

        span = [month, _month_end(month)]
        result = MonthlyFigures(month, headline(month), headline(last_month(month)))
        result.top_contributors = con.execute(
            f"""
            select coalesce(m.display_name, a.member_id) as name, sum(a.weight) as points,
                   count(*) filter (where a.category = 'contribution') as contributions
            from activities as a join members as m using (member_id)
            where {where} and a.activity_date between ? and ?
            group by a.member_id, m.display_name
            order by points desc, contributions desc, name, a.member_id limit ?""",
            [*span, settings.top_contributors],
        ).fetchall()
        result.top_organizations = con.execute(
            f"""
            select a.organization, sum(a.weight) as points,
                   count(distinct a.member_id) as members
            from activities as a
            where {where} and a.organization is not null and a.activity_date between ? and ?
            group by 1 order by points desc, members desc, 1 limit ?""",
            [*span, settings.top_organizations],
        ).fetchall()
        for column, limit, names, total in (
            ("first_day", settings.newcomers, "newcomers", "newcomers_total"),
            (
                "first_contribution",
                settings.first_contributions,
                "first_contributions",
                "first_contributions_total",
            ),
        ):
            rows = con.execute(
                f"""
                select coalesce(m.display_name, f.member_id) as name, count(*) over ()
                from firsts as f join members as m using (member_id)
                where f.{column} between ? and ? and not f.is_deleted
                order by f.{column}, name, f.member_id""",
                span,
            ).fetchall()
            setattr(result, names, [name for name, _ in rows[:limit]])
            setattr(result, total, rows[0][1] if rows else 0)
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


def render(f: MonthlyFigures, community: str, settings: MonthlyUpdateSettings) -> dict:
    """Block Kit blocks and the plain-text fallback of an update."""
    title = f"{community}: {f.month:%B %Y}"
    previous = f"{last_month(f.month):%B}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {
            "type": "section",
            "fields": [
                {
                    "type": "mrkdwn",
                    "text": f"*{label}*\n{f.now[key]:,} "
                    f"({_change(f.now[key], f.before[key], previous)})",
                }
                for key, label in HEADLINE
            ],
        },
    ]
    text = [title] + [
        f"{label}: {f.now[key]:,} ({_change(f.now[key], f.before[key], previous)})"
        for key, label in HEADLINE
    ]

    def section(heading: str, lines: list[str]) -> None:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{heading}*\n" + "\n".join(lines)},
            }
        )
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
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return {"blocks": blocks, "text": "\n".join(text)}


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


def _client(settings: MonthlyUpdateSettings) -> Any:
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    token = settings.token()
    if not token:
        raise UpdateError(
            f"monthly_update: the environment variable {settings.token_env} is not set. "
            f"Fix: export {settings.token_env}=xoxb-… (a bot token with chat:write, "
            "channels:read and channels:history), or add it to .env."
        )
    # 429 means Slack did not take the message: safe to retry. Other failures are
    # retried below, after checking that the message did not arrive after all.
    return WebClient(
        token=token,
        base_url=settings.base_url,
        timeout=30,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
    )


def _channel_id(client: Any, channel: str, settings: MonthlyUpdateSettings) -> str:
    """Slack's id of ``channel`` (a name or an id): reading history needs the id."""
    if re.fullmatch(r"[CG][A-Z0-9]{6,}", channel):
        return channel
    name, cursor = channel.lstrip("#"), None
    while True:
        page = client.conversations_list(
            types="public_channel,private_channel",
            exclude_archived=True,
            limit=200,
            cursor=cursor,
        )
        for found in page.get("channels", []):
            if found.get("name") == name:
                return found["id"]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            raise UpdateError(_explain("channel_not_found", settings))


def _find_posted(client: Any, channel: str, month: str) -> str | None:
    """The ts of this month's update if the channel already has it (only messages since
    the month began can be it, whatever the date is now)."""
    oldest = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC).timestamp()
    cursor = None
    while True:
        page = client.conversations_history(
            channel=channel,
            oldest=f"{oldest:.6f}",
            include_all_metadata=True,
            limit=200,
            cursor=cursor,
        )
        for message in page.get("messages", []):
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == EVENT_TYPE and payload.get("month") == month:
                return message["ts"]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None


def post(
    config: AcaciaConfig,
    month: date,
    *,
    attempts: int = 3,
    backoff_seconds: float = 2.0,
    client: Any = None,
) -> PostResult:
    """Post the update of ``month`` once; a month already posted is not posted again."""
    from slack_sdk.errors import SlackApiError

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
    client = client or _client(settings)
    problem = ""
    channel = None
    for attempt in range(1, attempts + 1):
        try:
            channel = channel or _channel_id(client, settings.channel, settings)
            found = _find_posted(client, channel, key)
            if found:
                record.add(key, channel, found)
                return PostResult(key, "already_posted", channel, found, attempt)
            response = client.chat_postMessage(
                channel=channel,
                text=message["text"],
                blocks=message["blocks"],
                metadata={"event_type": EVENT_TYPE, "event_payload": {"month": key}},
                unfurl_links=False,
            )
            record.add(key, response["channel"], response["ts"])
            return PostResult(key, "posted", response["channel"], response["ts"], attempt)
        except SlackApiError as error:
            code = error.response.get("error", "") if error.response else ""
            if code in (
                "invalid_auth",
                "not_authed",
                "channel_not_found",
                "not_in_channel",
                "missing_scope",
                "account_inactive",
                "token_revoked",
            ):
                raise UpdateError(_explain(code, settings)) from None
            problem = code or str(error.response.status_code if error.response else error)
        except OSError as error:  # connection problems: urllib's errors are OSErrors
            problem = type(error).__name__
        if attempt < attempts:
            time.sleep(backoff_seconds * 2 ** (attempt - 1))
    raise UpdateError(
        f"monthly_update: posting the {key} update to {settings.channel} failed "
        f"{attempts} times (last error: {problem}). Nothing was posted twice; run "
        "`acacia update --post` again later."
    )


def _explain(code: str, settings: MonthlyUpdateSettings) -> str:
    fixes = {
        "invalid_auth": f"the token in {settings.token_env} is not valid. Fix: use the "
        "app's bot token (xoxb-…).",
        "not_authed": f"no token was sent. Fix: set {settings.token_env}.",
        "token_revoked": f"the token in {settings.token_env} was revoked. Fix: reinstall "
        "the app and use its new bot token.",
        "account_inactive": f"the token in {settings.token_env} belongs to a deactivated "
        "app or user. Fix: reinstall the app.",
        "channel_not_found": f"there is no channel {settings.channel!r} the bot can see. "
        "Fix: correct monthly_update.channel.",
        "not_in_channel": f"the bot is not in {settings.channel}. Fix: /invite the app there.",
        "missing_scope": "the bot token lacks a scope. Fix: add chat:write, "
        "channels:read and channels:history (groups:read and groups:history for a private "
        "channel) to the app, and reinstall it.",
    }
    return f"monthly_update: Slack said {code}: {fixes[code]}"
