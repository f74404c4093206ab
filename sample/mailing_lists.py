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

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from connectors.sources.mailing_lists.connector import MONTHS
from sample.base import DemoSource, FakeAPI
from sample.mailing_lists_data import HOST, ListMessage, MailingListData

#: Which list is archived by which Mailman in the sample.
PIPERMAIL_LIST, HYPERKITTY_LIST = "users", "dev"


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

    def __init__(self, data: MailingListData) -> None:
        super().__init__()
        self.data = data

    def rules(self) -> list[Rule]:
        return [
            Rule("/pipermail/<name>/", endpoint="pipermail_index"),
            Rule("/pipermail/<name>/<file>", endpoint="pipermail_month"),
            Rule("/hyperkitty/list/<address>/export/<file>", endpoint="hyperkitty_export"),
            Rule("/archives/<file>", endpoint="mbox_file"),
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
    settings=lambda url: {
        "lists": [
            {"name": HYPERKITTY_LIST, "hyperkitty": f"{url}/hyperkitty/list/dev@{HOST}/"},
            {"name": PIPERMAIL_LIST, "pipermail": f"{url}/pipermail/users/"},
        ],
    },
)
