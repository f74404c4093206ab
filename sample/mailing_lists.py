"""A fake list server over :class:`MailingListData`: Mailman 2's Pipermail archives and
Mailman 3's HyperKitty export, as they serve them.

- **Pipermail** (``/pipermail/<list>/``): the archive page links one gzipped text file
  per month with messages (``2026-March.txt.gz``). Each is an mbox whose separator and
  From header carry the address obfuscated (``From jane at example.org  Tue Mar  3 …``,
  ``From: jane at example.org (Jane Doe)``); a month file answers with its ETag and
  Last-Modified, and ``304 Not Modified`` to a request that already has them. A month
  with no message has no file (404).
- **HyperKitty** (``/hyperkitty/list/<list>@<host>/export/<name>.mbox.gz?start=&end=``):
  the messages archived from ``start`` (included) to ``end`` (excluded) as a gzipped
  mbox, as they were sent.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
from datetime import UTC, date, datetime
from email.generator import BytesGenerator
from email.header import Header
from email.utils import format_datetime
from html import escape

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from connectors.sources.mailing_lists.connector import MONTHS
from sample.base import DemoSource, FakeAPI
from sample.mailing_lists_data import HOST, ListMessage, MailingListData

#: Which list is archived by which Mailman in the sample, and which is a Groups.io group.
PIPERMAIL_LIST, HYPERKITTY_LIST, GROUPSIO_LIST = "users", "dev", "community"
GROUPSIO_GROUP_ID = 4242


def mbox(messages: list[ListMessage], *, pipermail: bool) -> bytes:
    """The messages as an mbox file (Pipermail's obfuscation when ``pipermail``)."""
    out = io.BytesIO()
    for message in messages:
        written = message.email()
        address = message.address
        if pipermail:
            address = address.replace("@", " at ")
        out.write(f"From {address}  {message.when.astimezone(UTC):%a %b %e %H:%M:%S %Y}\n".encode())
        text = io.BytesIO()
        BytesGenerator(text, mangle_from_=True, policy=written.policy.clone(linesep="\n")).flatten(
            written
        )
        raw = text.getvalue()
        if pipermail:
            # Pipermail's own From header: the address obfuscated, the name in brackets
            # (still RFC 2047 where the sender's client encoded it).
            name = (
                message.name if message.name.isascii() else Header(message.name, "utf-8").encode()
            )
            raw = re.sub(
                rb"^From: .*\n(?:[ \t].*\n)*",
                f"From: {address} ({name})\n".encode(),
                raw,
                count=1,
                flags=re.M,
            )
        out.write(raw + b"\n")
    return out.getvalue()


def month_file(when: datetime) -> str:
    return f"{when.year}-{MONTHS[when.month - 1]}"


class FakeMailingLists(FakeAPI):
    """The sample's two lists: ``users`` on Pipermail, ``dev`` on HyperKitty."""

    name = "mailing_lists"

    def __init__(self, data: MailingListData, token: str | None = None) -> None:
        super().__init__()
        self.data = data
        #: The Groups.io API token it accepts (None: any).
        self.token = token

    def rules(self) -> list[Rule]:
        return [
            Rule("/pipermail/<name>/", endpoint="pipermail_index"),
            Rule("/pipermail/<name>/<file>", endpoint="pipermail_month"),
            Rule("/hyperkitty/list/<address>/export/<file>", endpoint="hyperkitty_export"),
            Rule("/archives/<file>", endpoint="mbox_file"),
            Rule("/groupsio/api/v1/<method>", endpoint="groupsio"),
        ]

    def _months(self, name: str) -> dict[str, list[ListMessage]]:
        found: dict[str, list[ListMessage]] = {}
        for message in self.data.on(name):
            found.setdefault(month_file(message.when), []).append(message)
        return found

    def on_pipermail_index(self, request: Request, name: str) -> Response:
        if name != PIPERMAIL_LIST:
            return Response("<h1>Not Found</h1>", status=404, content_type="text/html")
        rows = "".join(
            f'<tr><td>{month.replace("-", " ")}:</td><td><a href="{month}/thread.html">'
            f'[ Thread ]</a></td><td><a href="{month}.txt.gz">[ Gzip\'d Text ]</a></td></tr>'
            for month in reversed(self._months(name))
        )
        page = (
            f"<html><head><title>The {name} Archives</title></head><body>"
            f"<h1>The {name} Archives</h1><table>{rows}</table></body></html>"
        )
        return Response(page, content_type="text/html; charset=us-ascii")

    def on_pipermail_month(self, request: Request, name: str, file: str) -> Response:
        month = file.removesuffix(".txt.gz")
        messages = self._months(name).get(month) if name == PIPERMAIL_LIST else None
        if not file.endswith(".txt.gz") or not messages:
            return Response("<h1>Not Found</h1>", status=404, content_type="text/html")
        body = gzip.compress(mbox(messages, pipermail=True), mtime=0)
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        modified = format_datetime(max(m.when for m in messages).astimezone(UTC), usegmt=True)
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag, "Last-Modified": modified})
        return Response(
            body,
            content_type="application/x-gzip",
            headers={"ETag": etag, "Last-Modified": modified},
        )

    def on_mbox_file(self, request: Request, file: str) -> Response:
        """A list's whole archive as one mbox file on a web server (``users.mbox`` or
        ``users.mbox.gz``), with the validators a static file server sends."""
        name, _, ending = file.partition(".")
        if name not in ("dev", "users") or ending not in ("mbox", "mbox.gz"):
            return Response("Not Found", status=404)
        body = mbox(self.data.on(name), pipermail=False)
        body = gzip.compress(body, mtime=0) if ending == "mbox.gz" else body
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type="application/mbox", headers={"ETag": etag})

    # -- Groups.io ----------------------------------------------------------------------
    def _groupsio_messages(self) -> list[tuple[int, ListMessage]]:
        """The group's messages with their Groups.io ids (and message numbers)."""
        messages = sorted(self.data.on(GROUPSIO_LIST), key=lambda m: m.when)
        return [(80_000_000 + n, m) for n, m in enumerate(messages, 1)]

    @staticmethod
    def _gio_time(when: datetime) -> str:
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _gio_message(self, number: int, m: ListMessage, topic: int) -> dict:
        text = m.text.split("\n\nOn ")[0]
        return {
            "id": number,
            "object": "message",
            "created": self._gio_time(m.dated),
            "updated": self._gio_time(m.dated),
            "user_id": 700_000 + m.author.key,
            "group_id": GROUPSIO_GROUP_ID,
            "topic_id": topic,
            "body": f'<div dir="ltr">{escape(text)}</div>',
            "quoted": "",
            "remainder": "",
            "snippet": text[:100],
            "subject": m.subject,
            "subject_with_tags": f"[{GROUPSIO_LIST}] {m.subject}",
            "name": m.name,
            "profile_photo_url": "",
            "is_plain_text": False,
            "msg_num": number - 80_000_000,
            "is_reply": m.parent is not None,
            "has_liked": False,
            "num_likes": 0,
            "is_closed": False,
            "is_moderated": False,
            "reply_to": "group",
            "can_repost": False,
            "hashtags": [],
            "poll_id": 0,
            "attachments": [],
        }

    def _gio_topics(self) -> list[dict]:
        numbered = self._groupsio_messages()
        ids = {id(m): n for n, m in numbered}
        topics: dict[int, dict] = {}
        for number, m in numbered:
            root = m
            while root.parent is not None:
                root = root.parent
            topic = ids[id(root)]
            found = topics.setdefault(
                topic,
                {"id": topic, "root": root, "messages": []},
            )
            found["messages"].append(self._gio_message(number, m, topic))
        return list(topics.values())

    @staticmethod
    def _gio_list(data: list, request: Request, extra: dict | None = None) -> dict:
        limit = int(request.args.get("limit", 100))
        start = int(request.args.get("page_token", 0))
        page = data[start : start + limit]
        more = start + limit < len(data)
        return {
            "object": "list",
            "total_count": len(data),
            "start_item": start + 1,
            "end_item": start + len(page),
            "has_more": more,
            "next_page_token": start + limit if more else 0,
            "sort_field": "",
            "second_order": "",
            "query": "",
            "sort_dir": "desc",
            **(extra or {}),
            "data": page,
        }

    def on_groupsio(self, request: Request, method: str) -> Response:
        if (
            self.token is not None
            and request.headers.get("Authorization") != f"Bearer {self.token}"
        ):
            return self.json({"object": "error", "type": "unauthorized"}, status=401)
        group = request.args.get("group_name")
        if method in ("gettopics", "getmembers") and group != GROUPSIO_LIST:
            return self.json({"object": "error", "type": "group_not_found"}, status=400)
        topics = self._gio_topics()
        if method == "gettopics":
            listed = []
            for t in topics:
                root, said = t["root"], t["messages"]
                listed.append(
                    {
                        "id": t["id"],
                        "object": "topic",
                        "created": said[0]["created"],
                        "updated": max(m["created"] for m in said),
                        "group_id": GROUPSIO_GROUP_ID,
                        "group_subject_tag": f"[{GROUPSIO_LIST}]",
                        "subject": root.subject,
                        "summary": said[0]["snippet"],
                        "name": root.name,
                        "profile_photo_url": "",
                        "num_messages": len(said),
                        "is_sticky": False,
                        "is_moderated": False,
                        "is_closed": False,
                        "has_attachments": False,
                        "reply_to": "group",
                        "most_recent_message": max(m["created"] for m in said),
                        "hashtags": None,
                    }
                )
            listed.sort(key=lambda t: t["most_recent_message"], reverse=True)
            return self.json(self._gio_list(listed, request))
        if method == "gettopic":
            topic = next((t for t in topics if str(t["id"]) == request.args.get("topic_id")), None)
            if topic is None:
                return self.json({"object": "error", "type": "topic_not_found"}, status=400)
            return self.json(self._gio_list(topic["messages"], request))
        if method == "getmembers":
            people = {m.author.key: m for m in self.data.on(GROUPSIO_LIST) if m.skip is None}
            members = [
                {
                    "id": 600_000 + key,
                    "object": "member_info",
                    "user_id": 700_000 + key,
                    "group_id": GROUPSIO_GROUP_ID,
                    "group_name": GROUPSIO_LIST,
                    "status": "normal",
                    "email": m.address,
                    "full_name": m.name,
                    "user_name": m.name,
                }
                for key, m in sorted(people.items())
            ]
            return self.json(self._gio_list(members, request))
        return self.json({"object": "error", "type": "unknown_method"}, status=400)

    def on_hyperkitty_export(self, request: Request, address: str, file: str) -> Response:
        if address != f"{HYPERKITTY_LIST}@{HOST}":
            return self.json({"detail": "Not found."}, status=404)
        try:
            start = date.fromisoformat(request.args["start"])
            end = date.fromisoformat(request.args["end"])
        except (KeyError, ValueError):
            return Response("start and end must be dates", status=400)
        messages = [
            m for m in self.data.on(HYPERKITTY_LIST) if start <= m.when.astimezone(UTC).date() < end
        ]
        return Response(
            gzip.compress(mbox(messages, pipermail=False), mtime=0),
            content_type="application/gzip",
            headers={"Content-Disposition": f"attachment; filename={file}"},
        )


DEMO = DemoSource(
    port=8770,
    api=lambda community: FakeMailingLists(MailingListData(community)),
    secrets={"token_env": "ACACIA_DEMO_GROUPSIO_TOKEN"},
    settings=lambda url: {
        "lists": [
            {"name": HYPERKITTY_LIST, "hyperkitty": f"{url}/hyperkitty/list/dev@{HOST}/"},
            {"name": PIPERMAIL_LIST, "pipermail": f"{url}/pipermail/users/"},
            {"name": GROUPSIO_LIST, "groupsio": GROUPSIO_LIST},
        ],
        "groupsio_url": f"{url}/groupsio/api/v1",
    },
)
