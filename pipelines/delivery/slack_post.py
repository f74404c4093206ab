"""Posting to Slack exactly once: what the monthly update and the alerts share.

Every message Acacia posts carries Slack message metadata (an ``event_type`` and a
payload saying what it holds). Before posting, and before every retry, the channel's
recent history is searched for that metadata, so a message is posted once even when a
job reruns, the local record is lost, or a post succeeded but its answer did not
arrive. 429s are retried by slack_sdk (Slack did not take the message); other failures
are retried here after checking the channel; failures no retry can fix (a bad token, a
channel the bot is not in) are reported at once with the fix. Tokens never appear in a
message.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

#: Slack's limits, which slack_sdk's blocks check when a message is built: a header's
#: text, a section's text, a section's fields, a message's blocks.
HEADER_TEXT = 150
SECTION_TEXT = 3000
FIELDS = 10
BLOCKS = 50


def header(text: str) -> HeaderBlock:
    """A message's title (cut to Slack's 150 characters)."""
    return HeaderBlock(text=PlainTextObject(text=text[:HEADER_TEXT]))


def section(text: str) -> SectionBlock:
    """A section of mrkdwn, cut to Slack's 3,000 characters."""
    return SectionBlock(text=MarkdownTextObject(text=text[:SECTION_TEXT]))


def sections(heading: str, lines: list[str]) -> list[SectionBlock]:
    """``lines`` of mrkdwn under a bold ``heading``: one section, or as many as Slack's
    3,000 characters a section need (a line longer than that is cut)."""
    found: list[SectionBlock] = []
    text = f"*{heading}*"
    for line in lines:
        line = line[: SECTION_TEXT - 1]
        if len(text) + 1 + len(line) > SECTION_TEXT:
            found.append(section(text))
            text = line
        else:
            text = f"{text}\n{line}"
    found.append(section(text))
    return found


def fields(texts: list[str]) -> list[SectionBlock]:
    """Short mrkdwn texts side by side, ten to a section (Slack's limit)."""
    return [
        SectionBlock(fields=[MarkdownTextObject(text=t) for t in texts[i : i + FIELDS]])
        for i in range(0, len(texts), FIELDS)
    ]


def context(text: str) -> ContextBlock:
    """A small grey line of mrkdwn under a message."""
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def message(blocks: list[Block], text: str) -> dict[str, Any]:
    """A message: its blocks as Slack takes them (each checked against Slack's limits by
    slack_sdk; past 50 blocks the rest is left to the plain ``text`` fallback) and the
    fallback notifications and screen readers show."""
    return {"blocks": [block.to_dict() for block in blocks[:BLOCKS]], "text": text}


class PostError(Exception):
    """A message could not be posted; the text says why and what to do."""


@dataclass(frozen=True)
class Destination:
    """Where to post: ``setting`` names the acacia.yml section, for messages."""

    setting: str
    channel: str
    token: str
    token_env: str
    base_url: str


#: Slack's errors a retry cannot fix.
FINAL = (
    "invalid_auth",
    "not_authed",
    "channel_not_found",
    "not_in_channel",
    "missing_scope",
    "account_inactive",
    "token_revoked",
)


def client(to: Destination) -> Any:
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    if not to.token:
        raise PostError(
            f"{to.setting}: the environment variable {to.token_env} is not set. "
            f"Fix: export {to.token_env}=xoxb-… (a bot token with chat:write, "
            "channels:read and channels:history), or add it to .env."
        )
    # 429 means Slack did not take the message: safe to retry. Other failures are
    # retried by post_once, after checking that the message did not arrive after all.
    return WebClient(
        token=to.token,
        base_url=to.base_url,
        timeout=30,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
    )


def channel_id(slack: Any, to: Destination) -> str:
    """Slack's id of the channel (a name or an id): reading history needs the id."""
    if re.fullmatch(r"[CG][A-Z0-9]{6,}", to.channel):
        return to.channel
    name, cursor = to.channel.lstrip("#"), None
    while True:
        page = slack.conversations_list(
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
            raise PostError(explain("channel_not_found", to))


def posted(slack: Any, channel: str, event_type: str, oldest: datetime) -> Iterator[tuple]:
    """(ts, payload) of the channel's messages of ``event_type`` since ``oldest``."""
    cursor = None
    while True:
        page = slack.conversations_history(
            channel=channel,
            oldest=f"{oldest.timestamp():.6f}",
            include_all_metadata=True,
            limit=200,
            cursor=cursor,
        )
        for message in page.get("messages", []):
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == event_type:
                yield message["ts"], metadata.get("event_payload") or {}
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


@dataclass
class Posted:
    status: str  # posted, already_posted
    channel: str
    ts: str
    attempts: int = 0


def post_once(
    to: Destination,
    message: dict,
    *,
    event_type: str,
    payload: dict,
    already: Callable[[dict], bool] | None,
    oldest: datetime,
    attempts: int = 3,
    backoff_seconds: float = 2.0,
    slack: Any = None,
    what: str = "the message",
) -> Posted:
    """Post ``message`` (``text`` and ``blocks``) with ``payload`` as its metadata,
    unless a message of ``event_type`` since ``oldest`` whose payload ``already`` says
    is this one is in the channel; retried ``attempts`` times, never twice posted.
    ``already`` None: every message is news (nothing to look for in the channel)."""
    from slack_sdk.errors import SlackApiError

    slack = slack or client(to)
    problem, channel = "", None
    for attempt in range(1, attempts + 1):
        try:
            channel = channel or channel_id(slack, to)
            for ts, found in posted(slack, channel, event_type, oldest) if already else ():
                if already(found):
                    return Posted("already_posted", channel, ts, attempt)
            response = slack.chat_postMessage(
                channel=channel,
                text=message["text"],
                blocks=message["blocks"],
                metadata={"event_type": event_type, "event_payload": payload},
                unfurl_links=False,
            )
            return Posted("posted", response["channel"], response["ts"], attempt)
        except SlackApiError as error:
            code = error.response.get("error", "") if error.response else ""
            if code in FINAL:
                raise PostError(explain(code, to)) from None
            problem = code or str(error.response.status_code if error.response else error)
        except OSError as error:  # connection problems: urllib's errors are OSErrors
            problem = type(error).__name__
        if attempt < attempts:
            time.sleep(backoff_seconds * 2 ** (attempt - 1))
    raise PostError(
        f"{to.setting}: posting {what} to {to.channel} failed {attempts} times (last "
        f"error: {problem}). Nothing was posted twice; run it again later."
    )


def checked(to: Destination, call: Callable[[], Any]) -> Any:
    """``call()`` (reading the channel before posting), with Slack's errors reported as
    PostError: a final one with its fix, any other as what it was."""
    from slack_sdk.errors import SlackApiError

    try:
        return call()
    except SlackApiError as error:
        code = error.response.get("error", "") if error.response else ""
        if code in FINAL:
            raise PostError(explain(code, to)) from None
        raise PostError(
            f"{to.setting}: reading {to.channel} failed (Slack said {code or 'nothing'}); "
            "nothing was posted. Run it again later."
        ) from None
    except OSError as error:
        raise PostError(
            f"{to.setting}: Slack could not be reached ({type(error).__name__}); nothing "
            "was posted. Run it again later."
        ) from None


def explain(code: str, to: Destination) -> str:
    fixes = {
        "invalid_auth": f"the token in {to.token_env} is not valid. Fix: use the "
        "app's bot token (xoxb-…).",
        "not_authed": f"no token was sent. Fix: set {to.token_env}.",
        "token_revoked": f"the token in {to.token_env} was revoked. Fix: reinstall "
        "the app and use its new bot token.",
        "account_inactive": f"the token in {to.token_env} belongs to a deactivated "
        "app or user. Fix: reinstall the app.",
        "channel_not_found": f"there is no channel {to.channel!r} the bot can see. "
        f"Fix: correct {to.setting}'s channel.",
        "not_in_channel": f"the bot is not in {to.channel}. Fix: /invite the app there.",
        "missing_scope": "the bot token lacks a scope. Fix: add chat:write, "
        "channels:read and channels:history (groups:read and groups:history for a private "
        "channel) to the app, and reinstall it.",
    }
    return f"{to.setting}: Slack said {code}: {fixes[code]}"
