"""Alerts: what needs the team today, posted to a Slack channel; and a failing sync.

What is alerted (each can be turned off in acacia.yml ``alerts``), read from the
published snapshot's marts so an alert says what the dashboard says:

- **a first contribution**: a member's first contribution ever (member_cohorts, as the
  Engagement page's list), with a link to it;
- **an item waiting**: an issue, PR, topic, question or chat thread opened at least
  ``waiting_hours`` before the snapshot was published with no first response yet
  (response_times, as the Responsiveness page), with a link to it;
- **a member turning at risk**: a Core or Contributor member whose silence has just
  reached ``scoring.at_risk_days`` (member_cohorts.is_at_risk, as the Engagement page);
- **a new organization**: an organization's first activity (the staff organization
  left out);
- **the insights** (the insights mart, as the Overview's "what changed"): a regular's
  activity dropped, a channel waiting for an answer, newcomers arriving from a source, a
  tag trending, someone reaching the Core level, a lapsed contributor back.

Only what happened in the last ``lookback_days`` is alerted (so turning alerts on never
posts the history, and a day the job did not run is not missed). Each alert has a key
and is posted once: the keys posted are recorded in ``<state>/alerts.json`` and carried
in each message's Slack metadata (``acacia_alert``), and the channel is checked before
posting (pipelines/delivery/slack_post.py), so a rerun, a lost record or a lost answer never
posts one twice. ``delivery: daily`` posts one message a day with everything new (the
``alerts`` job on its schedule); ``immediate`` posts one message per alert after every
build that publishes. ``acacia alerts`` previews them.

A failing sync is reported to the same channel; that report never breaks the run it
reports on: if Slack cannot be reached, the problem is logged and the run goes on.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

from slack_sdk.models.blocks import Block

from connectors.core import clock
from connectors.core.config import AcaciaConfig, AlertSettings
from connectors.core.figures import (
    INSIGHTS,
    Filters,
    Read,
    insight_link,
    insight_text,
    insights,
    reader,
)
from connectors.core.text import slack as slack_text
from pipelines.delivery import slack_post
from pipelines.storage.landing import atomic_write_text
from pipelines.storage.snapshot import current_snapshot, open_snapshot

log = logging.getLogger(__name__)

EVENT_TYPE = "acacia_alert"
#: Each kind of alert and its heading, in the order a daily message lists them.
KINDS = {
    "first_contribution": "First contributions :tada:",
    "waiting": "Waiting for a first response :hourglass_flowing_sand:",
    "at_risk": "Turning at risk: reach out",
    "new_organization": "New organizations :wave:",
    # The insights (README, Insights; connectors/core/figures.py INSIGHTS).
    **INSIGHTS,
}
#: At most this many alerts of a kind are listed in one daily message (all are counted).
LISTED = 15


class AlertError(Exception):
    """Alerts could not be built or posted; the message says why and what to do."""


@dataclass(frozen=True)
class Alert:
    kind: str
    #: What makes it one alert (posted once): e.g. ``first_contribution:<member id>``.
    key: str
    #: The alert as Slack mrkdwn (every name escaped) and as plain text.
    line: str
    text: str


def _link(url: str | None, label: str) -> tuple[str, str]:
    """A label linked to ``url`` in mrkdwn (plain text when there is none), and its
    plain-text form."""
    shown = slack_text(label)
    if not url:
        return shown, label
    return f"<{url.replace('|', '%7C').replace('>', '%3E')}|{shown}>", f"{label} ({url})"


def find(config: AcaciaConfig, snapshot: Path) -> list[Alert]:
    """Every alert the snapshot holds now (recorded ones included; post() leaves them
    out), in KINDS' order, then by date and name."""
    from connectors.core.registry import source_label, type_label

    settings = config.alerts
    staff = "true" if settings.include_staff else "not (c.is_staff or c.is_staff_organization)"
    found: list[Alert] = []
    with open_snapshot(snapshot) as con:
        as_of = con.execute("select as_of_date from build_info").fetchone()[0]
        # The activities' times are naive UTC; so is the publication's here.
        published = con.execute("select published_at from _snapshot").fetchone()[0]
        published = published.astimezone(UTC).replace(tzinfo=None)
        since = as_of - timedelta(days=settings.lookback_days)  # alerts are after it
        if settings.first_contribution:
            for member, name, organization, day, kind, url in con.execute(
                f"""
                select c.member_id, c.display_name, c.organization,
                       c.first_contribution_date, a.activity_type, a.url
                from member_cohorts as c
                left join lateral (
                    select activity_type, url from activities as a
                    where a.member_id = c.member_id and a.category = 'contribution'
                      and a.activity_date = c.first_contribution_date
                    order by a.occurred_at, a.activity_key limit 1
                ) as a on true
                where c.first_contribution_date > ? and c.first_contribution_date <= ?
                  and {staff}
                order by c.first_contribution_date, c.display_name, c.member_id""",
                [since, as_of],
            ).fetchall():
                who = f" ({slack_text(organization)})" if organization else ""
                plain_who = f" ({organization})" if organization else ""
                what, plain = _link(url, type_label(kind))
                found.append(
                    Alert(
                        "first_contribution",
                        f"first_contribution:{member}",
                        f"*{slack_text(name)}*{who}: {what}, {day:%d %b}",
                        f"{name}{plain_who}: {plain}, {day:%d %b}",
                    )
                )
        if settings.waiting_hours:
            due = published - timedelta(hours=settings.waiting_hours)
            for item, source, item_type, channel, title, url, opened in con.execute(
                """
                select item_key, source, item_type, channel, title, url, opened_at
                from response_times
                where first_response_at is null and opened_at <= ? and opened_at > ?
                order by opened_at, item_key""",
                [due, due - timedelta(days=settings.lookback_days)],
            ).fetchall():
                hours = int((published - opened).total_seconds() // 3600)
                label = title or f"{source_label(source)} {item_type}"
                what, plain = _link(url, label)
                where = f"{item_type} on {source_label(source)}" + (
                    f", {channel}" if channel else ""
                )
                found.append(
                    Alert(
                        "waiting",
                        f"waiting:{item}",
                        f"{what} ({slack_text(where)}): {hours} h without a response",
                        f"{plain} ({where}): {hours} h without a response",
                    )
                )
        if settings.at_risk:
            silent = config.scoring.at_risk_days
            for member, name, level, organization, last in con.execute(
                f"""
                select c.member_id, c.display_name,
                       -- the level that makes them at risk: now, else the window before
                       case when c.engagement_level in ('Core', 'Contributor')
                            then c.engagement_level else c.previous_level end,
                       c.organization,
                       c.last_activity_date
                from member_cohorts as c
                where c.is_at_risk and c.last_activity_date > ? and c.last_activity_date <= ?
                  and {staff}
                order by c.last_activity_date, c.display_name, c.member_id""",
                [since - timedelta(days=silent), as_of - timedelta(days=silent)],
            ).fetchall():
                who = ", ".join(part for part in (level, organization) if part)
                found.append(
                    Alert(
                        "at_risk",
                        f"at_risk:{member}:{last:%Y-%m-%d}",
                        f"*{slack_text(name)}* ({slack_text(who)}): silent since {last:%d %b}",
                        f"{name} ({who}): silent since {last:%d %b}",
                    )
                )
        if settings.new_organization:
            for organization, day, name in con.execute(
                """
                with firsts as (
                    select organization, min(occurred_at) as first_at
                    from activities
                    where organization is not null and not is_bot
                    group by organization
                )
                select f.organization, cast(f.first_at as date),
                       (select m.display_name from activities as a
                        join members as m using (member_id)
                        where a.organization = f.organization and a.occurred_at = f.first_at
                        order by m.display_name limit 1)
                from firsts as f
                join organizations as o using (organization)
                where not o.is_staff
                  and cast(f.first_at as date) > ? and cast(f.first_at as date) <= ?
                order by f.first_at, f.organization""",
                [since, as_of],
            ).fetchall():
                found.append(
                    Alert(
                        "new_organization",
                        f"new_organization:{organization}",
                        f"*{slack_text(organization)}*: first activity on {day:%d %b}, by "
                        f"{slack_text(name)}",
                        f"{organization}: first activity on {day:%d %b}, by {name}",
                    )
                )
        if settings.insights:
            found += _insights(config, reader(con), since, as_of)
    order = list(KINDS)
    return sorted(found, key=lambda alert: order.index(alert.kind))


def _insights(config: AcaciaConfig, read: Read, since: date, as_of: date) -> list[Alert]:
    """The insights that happened after ``since`` (the lookback), staff's left out
    unless include_staff, each linked where the Overview links it (on the dashboard at
    dashboard_url; the item waiting whatever)."""
    settings = config.alerts
    found = insights(read, Filters(since, as_of, include_staff=settings.include_staff), since)
    alerts = []
    for _, row in found.iloc[::-1].iterrows():
        url = insight_link(row, settings.dashboard_url) if settings.dashboard_url else None
        url = url or (row["url"] if isinstance(row["url"], str) else None)
        line, plain = _link(url, insight_text(row, config.insights))
        alerts.append(
            Alert(
                row["kind"],
                f"insight:{row['insight_key']}",
                f"{line}, {row['happened_on']:%d %b}",
                f"{plain}, {row['happened_on']:%d %b}",
            )
        )
    return alerts


def render(alerts: list[Alert], community: str, day: date, settings: AlertSettings) -> dict:
    """One message (Block Kit blocks and the plain-text fallback) with ``alerts``: a
    section per kind, at most LISTED alerts each (the rest counted)."""
    title = f"{community}: what needs you today ({day:%d %b %Y})"
    blocks: list[Block] = [slack_post.header(title)]
    text = [title]
    for kind, heading in KINDS.items():
        mine = [alert for alert in alerts if alert.kind == kind]
        if not mine:
            continue
        more = len(mine) - LISTED
        lines = [f"• {alert.line}" for alert in mine[:LISTED]]
        plain = [f"- {alert.text}" for alert in mine[:LISTED]]
        if more > 0:
            lines.append(f"…and {more} more (see the dashboard)")
            plain.append(f"...and {more} more (see the dashboard)")
        blocks.extend(slack_post.sections(heading, lines))
        text.extend(["", heading, *plain])
    if settings.dashboard_url:
        blocks.append(slack_post.context(f"<{settings.dashboard_url}|Open the dashboard>"))
        text.extend(["", f"Dashboard: {settings.dashboard_url}"])
    return slack_post.message(blocks, "\n".join(text))


class AlertRecord:
    """The alerts already posted, by key, in ``<state>/alerts.json``."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "alerts.json"

    def load(self) -> dict[str, dict[str, str]]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def add(self, keys: list[str], channel: str, ts: str) -> None:
        posted = self.load()
        now = clock.now().isoformat()
        for key in keys:
            posted[key] = {"channel": channel, "ts": ts, "recorded_at": now}
        atomic_write_text(self.path, json.dumps(posted, indent=1, sort_keys=True))


def destination(settings: AlertSettings) -> slack_post.Destination:
    return slack_post.Destination(
        "alerts",
        settings.slack_channel or "",
        settings.token(),
        settings.token_env,
        settings.base_url,
    )


def pending(config: AcaciaConfig) -> list[Alert]:
    """The snapshot's alerts not posted yet (by the local record)."""
    snapshot = current_snapshot(config.storage.serving())
    if snapshot is None:
        raise AlertError("Nothing is published yet: run `acacia sync` first.")
    posted = AlertRecord(config.storage.state()).load()
    return [alert for alert in find(config, snapshot) if alert.key not in posted]


def preview(config: AcaciaConfig) -> str:
    """What the next run would post, as text."""
    alerts = pending(config)
    if not alerts:
        return "Nothing new to alert."
    return render(alerts, config.community_name, clock.today(), config.alerts)["text"]


def post(
    config: AcaciaConfig, *, attempts: int = 3, backoff_seconds: float = 2.0, client: Any = None
) -> list[slack_post.Posted]:
    """Post the alerts not posted yet: one message (daily) or one per alert
    (immediate). Each alert is posted once, whatever reruns or lost records."""
    settings = config.alerts
    if not settings.slack_channel:
        raise AlertError(
            "alerts.slack_channel is not set in acacia.yml. Fix: set it to the channel to "
            "post to (and invite the bot there), or preview with `acacia alerts`."
        )
    alerts = pending(config)
    if not alerts:
        return []
    to = destination(settings)
    record = AlertRecord(config.storage.state())
    # Messages older than the lookback (and a day of slack) cannot hold these alerts.
    oldest = clock.now() - timedelta(days=settings.lookback_days + 2)
    try:
        client = client or slack_post.client(to)

        def read_channel() -> tuple[str, set[str]]:
            """The channel's id and the alert keys its recent messages carry."""
            channel = slack_post.channel_id(client, to)
            posted = slack_post.posted(client, channel, EVENT_TYPE, oldest)
            return channel, {key for _, payload in posted for key in payload.get("keys", [])}

        channel, seen = slack_post.checked(to, read_channel)
        if seen & {alert.key for alert in alerts}:  # posted, but the record was lost
            record.add(sorted(seen), channel, "")
            alerts = [alert for alert in alerts if alert.key not in seen]
        batches = [alerts] if settings.delivery == "daily" else [[a] for a in alerts]
        results = []
        for batch in batches:
            if not batch:
                continue
            keys = [alert.key for alert in batch]
            done = slack_post.post_once(
                to,
                render(batch, config.community_name, clock.today(), settings),
                event_type=EVENT_TYPE,
                payload={"keys": keys},
                already=lambda payload, keys=keys: set(keys) <= set(payload.get("keys", [])),
                oldest=oldest,
                attempts=attempts,
                backoff_seconds=backoff_seconds,
                slack=client,
                what=f"{len(keys)} alert{'s' if len(keys) != 1 else ''}",
            )
            record.add(keys, done.channel, done.ts)
            results.append(done)
        return results
    except slack_post.PostError as error:
        raise AlertError(str(error)) from None


# ---------------------------------------------------------------------- sync failures


def alert(config: AcaciaConfig, text: str) -> bool:
    """Post ``text`` to the alerts channel; True when it was posted. Never raises: the
    run it reports on goes on."""
    settings = config.alerts
    if not settings.slack_channel:
        return False
    if not settings.token():
        log.warning(
            "alerts.slack_channel is set but %s is not: the alert was not posted",
            settings.token_env,
        )
        return False
    message = slack_post.message([slack_post.section(text)], text)
    try:
        slack_post.post_once(
            destination(settings),
            message,
            event_type="acacia_sync_failed",
            payload={"at": clock.now().isoformat()},
            already=None,  # each failure is news: nothing to look for in the channel
            oldest=clock.now(),
            attempts=1,
        )
    except slack_post.PostError as error:
        log.warning("the alert to %s was not posted: %s", settings.slack_channel, error)
        return False
    return True


def sync_failed(config: AcaciaConfig, source: str, problem: str, retries: int) -> bool:
    return alert(
        config,
        f":warning: {config.community_name}: the {source} sync failed after {retries} "
        f"retries: {problem}\nThe other sources were synced and the dashboard updated; "
        f"{source}'s data is as of its last good sync.",
    )
