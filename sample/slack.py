"""A fake Slack Web API over :class:`SlackData`.

Like Slack: every method is POSTed with a form-encoded body (slack_sdk's sync client does
this) and answers ``{"ok": ...}``; lists page through ``response_metadata.next_cursor``;
history is newest first and honours ``oldest``/``latest``/``inclusive``; a channel the app
is not in answers ``not_in_channel``; rate limits answer 429 with ``Retry-After``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sample.base import DemoSource, FakeAPI, Fault
from sample.slack_data import Message, SlackData


def _cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    return int(base64.b64decode(cursor).decode().split(":")[1]) if cursor else 0


class FakeSlack(FakeAPI):
    """Slack's Web API for the sample community (base URL ``<server>/api/``)."""

    name = "slack"

    def __init__(self, data: SlackData, tokens: set[str] | None = None) -> None:
        super().__init__()
        self.data = data
        self.tokens = tokens
        #: Messages posted with chat.postMessage, as Slack stores them (with metadata).
        self.posted: list[dict[str, Any]] = []
        #: History pages say ``has_more`` without a ``next_cursor`` (Slack's older,
        #: timestamp paging, still seen): the next page is asked for with ``latest``.
        self.history_without_cursor = False

    def rules(self) -> list[Rule]:
        return [Rule("/api/<method>", endpoint="method", methods=["POST", "GET"])]

    def fault_response(self, fault: Fault, request: Request) -> Response | None:
        if fault.kind == "rate_limit_429":
            return self.json(
                {"ok": False, "error": "ratelimited"},
                429,
                {"Retry-After": str(fault.params.get("retry_after", 1))},
            )
        return super().fault_response(fault, request)

    def on_method(self, request: Request, method: str) -> Response:
        args = {**request.args.to_dict(), **request.form.to_dict()}
        if request.is_json:  # slack_sdk sends chat.postMessage as JSON
            args.update(request.get_json(silent=True) or {})
        if self.tokens is not None:
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in self.tokens:
                return self.json({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return self.json({"ok": False, "error": "unknown_method"})
        return self.json(handler(args))

    @staticmethod
    def _page(items: list[Any], args: dict[str, str], key: str, limit: int = 100) -> dict[str, Any]:
        size = min(int(args.get("limit", limit)), 1000)
        offset = _offset(args.get("cursor"))
        chunk = items[offset : offset + size]
        more = offset + size < len(items)
        return {
            "ok": True,
            key: chunk,
            "has_more": more,
            "response_metadata": {"next_cursor": _cursor(offset + size) if more else ""},
        }

    # -- methods ------------------------------------------------------------------------
    def m_auth_test(self, args: dict[str, str]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{self.data.workspace}.slack.com/",
            "team": "Acacia sample",
            "user": "acacia",
            "team_id": "T0001",
            "user_id": "U0ACACIA",
            "bot_id": "B0ACACIA",
        }

    def m_conversations_list(self, args: dict[str, str]) -> dict[str, Any]:
        types = args.get("types", "public_channel").split(",")
        channels = [
            {
                "id": c.id,
                "name": c.name,
                "is_channel": True,
                "is_private": c.is_private,
                "is_member": c.is_member,
                "is_archived": False,
                "created": int(c.created.timestamp()),
            }
            for c in self.data.channels.values()
            if ("private_channel" if c.is_private else "public_channel") in types
            and (not c.is_private or c.is_member)
        ]
        return self._page(channels, args, "channels")

    def _channel(self, args: dict[str, str]) -> Any:
        channel = self.data.channels.get(args.get("channel", ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not channel.is_member:
            return {"ok": False, "error": "not_in_channel"}
        return channel

    def _message_json(self, message: Message, with_thread: bool = True) -> dict[str, Any]:
        payload: dict[str, Any] = {"type": "message", "ts": message.ts, "text": message.text}
        user = self.data.who(message.user)
        if message.subtype == "bot_message" and message.user in self.data.integrations:
            payload.update({"subtype": "bot_message", "username": user.name})
        elif message.subtype == "file_comment":
            payload.update(
                {
                    "subtype": "file_comment",
                    "file": {"id": f"F{message.ts.replace('.', '')}", "name": "log.txt"},
                    "comment": {
                        "id": f"Fc{message.ts.replace('.', '')}",
                        "user": message.user,
                        "comment": message.text,
                        "created": int(float(message.ts)),
                    },
                }
            )
        elif message.subtype == "bot_message":
            payload.update(
                {
                    "subtype": "bot_message",
                    "bot_id": "B0DEPLOY",
                    "username": user.name,
                    "bot_profile": {
                        "id": "B0DEPLOY",
                        "name": user.name,
                        "app_id": "A0DEPLOY",
                        "deleted": False,
                    },
                }
            )
        else:
            payload["user"] = message.user
            if message.subtype:
                payload["subtype"] = message.subtype
        if message.deleted:
            payload.update(
                {
                    "subtype": "tombstone",
                    "text": "This message was deleted.",
                    "user": "USLACKBOT",
                    "hidden": True,
                }
            )
        if message.edited:
            payload["edited"] = {"user": message.user, "ts": message.ts}
        if message.thread_ts:
            payload["thread_ts"] = message.thread_ts
            if with_thread and message.replies:
                payload.update(
                    {
                        "reply_count": len(message.replies),
                        "latest_reply": max(r.ts for r in message.replies),
                        "reply_users": sorted({r.user for r in message.replies}),
                    }
                )
        return payload

    def m_conversations_history(self, args: dict[str, str]) -> dict[str, Any]:
        channel = self._channel(args)
        if isinstance(channel, dict):
            return channel
        oldest, latest = float(args.get("oldest", 0)), float(args.get("latest", 1e12))
        inclusive = args.get("inclusive") in ("1", "true")
        messages = [
            m
            for m in channel.messages
            if (oldest <= float(m.ts) if inclusive else oldest < float(m.ts))
            and (float(m.ts) <= latest if inclusive else float(m.ts) < latest)
        ]
        # Broadcast replies show in the channel too.
        messages += [
            r
            for m in channel.messages
            for r in m.replies
            if r.subtype == "thread_broadcast" and oldest < float(r.ts) < latest
        ]
        messages.sort(key=lambda m: float(m.ts), reverse=True)
        found = [self._message_json(m) for m in messages]
        metadata = args.get("include_all_metadata") in ("1", "true", True)
        found += [
            {k: v for k, v in post.items() if k != "metadata" or metadata}
            for post in self.posted
            if post["channel"] == channel.id and oldest < float(post["ts"]) < latest
        ]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        page = self._page(found, args, "messages")
        if self.history_without_cursor:
            del page["response_metadata"]
        return page

    def m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = next(
            (
                c
                for c in self.data.channels.values()
                if args.get("channel") in (c.id, c.name, f"#{c.name}")
            ),
            None,
        )
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not channel.is_member:
            return {"ok": False, "error": "not_in_channel"}
        blocks = args.get("blocks")
        metadata = args.get("metadata")
        post = {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B_ACACIA",
            "channel": channel.id,
            # The fake workspace's now is the community's end: posts come right after it.
            "ts": f"{int(self.data.community.end.timestamp()) + len(self.posted) + 1}.000000",
            "text": args.get("text", ""),
            "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks,
            "metadata": json.loads(metadata) if isinstance(metadata, str) else metadata,
        }
        self.posted.append(post)
        return {"ok": True, "channel": channel.id, "ts": post["ts"], "message": post}

    def m_conversations_replies(self, args: dict[str, str]) -> dict[str, Any]:
        channel = self._channel(args)
        if isinstance(channel, dict):
            return channel
        parent = next((m for m in channel.messages if m.ts == args.get("ts")), None)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        oldest = float(args.get("oldest", 0))
        replies = [r for r in parent.replies if float(r.ts) > oldest]
        thread = [self._message_json(parent)] + [self._message_json(r) for r in replies]
        return self._page(thread, args, "messages", limit=10)

    def m_users_list(self, args: dict[str, str]) -> dict[str, Any]:
        members = [
            {
                "id": u.id,
                "name": u.name,
                "deleted": u.deleted,
                "real_name": u.real_name,
                "tz": u.tz,
                "is_bot": u.is_bot,
                "is_app_user": False,
                "profile": {
                    "display_name": u.display_name,
                    "real_name": u.real_name,
                    "image_72": f"https://avatars.example/slack/{u.id}.png",
                    **({"email": u.email} if u.email else {}),
                },
            }
            for u in self.data.users.values()
        ]
        return self._page(members, args, "members")


DEMO = DemoSource(
    port=8766,
    api=lambda community: FakeSlack(SlackData(community)),
    secrets={"token_env": "ACACIA_DEMO_SLACK_TOKEN"},
    # The messages' text is kept: the themes of what people talk about read it.
    settings=lambda url: {"base_url": url + "/api/", "store_bodies": True},
)
