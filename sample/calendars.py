"""A fake calendar server: the sample's feeds as a web server publishes iCal files
(``text/calendar``, an ETag, ``304 Not Modified`` to ``If-None-Match``), at
``/calendars/<feed>.ics``. A feed's events can be changed while it serves
(``FakeCalendars.feeds``), as a group's organizers change theirs.

The ``conferences`` feed is a file in the demo's folder (a path in acacia.yml), not a
URL: the demo writes it there."""

from __future__ import annotations

import hashlib
from pathlib import Path

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sample.base import DemoSource, FakeAPI
from sample.calendars_data import FILE_FEED, FUTURE_DAYS, PAST_DAYS, CalendarData
from sample.community import Community


class FakeCalendars(FakeAPI):
    name = "calendars"

    def __init__(self, data: CalendarData) -> None:
        super().__init__()
        self.data = data
        #: Each feed's iCal text, by name: what the server answers.
        self.feeds = data.feeds()

    def rules(self) -> list[Rule]:
        return [Rule("/calendars/<file>", endpoint="feed")]

    def on_feed(self, request: Request, file: str) -> Response:
        name, _, ending = file.partition(".")
        if ending != "ics" or name not in self.feeds:
            return Response("Not Found", status=404, content_type="text/plain")
        body = self.feeds[name]
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type="text/calendar; charset=utf-8", headers={"ETag": etag})


def write_feed_file(community: Community, folder: Path) -> list[Path]:
    """The feed that is a file: written into the demo's folder."""
    path = folder / "calendars" / f"{FILE_FEED}.ics"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(CalendarData(community).feeds()[FILE_FEED])
    return [path]


def settings(url: str) -> dict:
    """The demo's sources.calendars, the fake's URL given."""
    return {
        "feeds": [
            {"name": "Acacia Lagos", "url": f"{url}/calendars/lagos.ics", "group": "Acacia Lagos"},
            {"name": "Community calls", "url": f"{url}/calendars/calls.ics", "format": "online"},
            {"name": "Conferences", "url": f"calendars/{FILE_FEED}.ics", "format": "conference"},
        ],
        "past_days": PAST_DAYS,
        "future_days": FUTURE_DAYS,
    }


DEMO = DemoSource(
    port=8772,
    api=lambda community: FakeCalendars(CalendarData(community)),
    settings=settings,
    prepare=write_feed_file,
)
