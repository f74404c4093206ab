"""A fake of Meetup's GraphQL API (``POST /gql-ext``) serving the sample's group, as
Meetup answers:

- ``Authorization: Bearer <token>``, else 401 with a GraphQL error body;
- the operations the connector sends, told apart by their ``operationName``:
  ``groupEvents`` (a group's events from ``afterDateTime`` on, filtered by status, by
  cursor, each with its hosts and first RSVPs), ``eventRsvps`` (an event's next RSVPs),
  ``proGroups`` (a Pro network's groups) and ``self``; an unknown group or network is
  ``null`` with a ``NOT_FOUND`` error, in a 200;
- **the points budget**: each query costs points (one, and one per ten nodes it
  returns), ``budget`` points per ``window`` seconds; past it, a 200 with an error whose
  ``extensions`` say ``RATE_LIMITED`` and ``resetAt`` (the clock's time the budget
  comes back);
- cursors are opaque strings; ``dateTime`` carries the event's offset (+05:30).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from connectors.core import clock
from sample.base import DemoSource, FakeAPI, Fault
from sample.meetup_data import COUNTRY, GROUP, URLNAME, VENUE, MeetupData, MEvent, Rsvp

PATH = "/gql-ext"
NETWORK = "acacia-network"


def _page(items: list, first: int, after: str | None) -> tuple[list, dict]:
    start = int(after[1:]) if after else 0
    chosen = items[start : start + first]
    more = start + first < len(items)
    return chosen, {"hasNextPage": more, "endCursor": f"c{start + len(chosen)}" if chosen else None}


class FakeMeetup(FakeAPI):
    name = "meetup"

    def __init__(
        self,
        data: MeetupData,
        token: str | None = None,
        *,
        budget: int = 500,
        window: float = 60.0,
    ) -> None:
        super().__init__()
        self.data = data
        self.token = token
        self.budget, self.window = budget, window
        self._spent: list[tuple[float, int]] = []
        self._points = threading.Lock()
        #: How many answers said the budget was spent.
        self.limited = 0

    def rules(self) -> list[Rule]:
        return [Rule(PATH, endpoint="graphql", methods=["POST"])]

    def dispatch(self, request: Request) -> Response:
        refused = self.token is not None and (
            request.headers.get("Authorization") != f"Bearer {self.token}"
        )
        if request.path == PATH and refused:
            error = {"message": "Unauthorized", "extensions": {"code": "UNAUTHENTICATED"}}
            return self.json({"errors": [error]}, status=401)
        return super().dispatch(request)

    def fault_response(self, fault: Fault, request: Request) -> Response | None:
        if fault.kind == "rate_limited":
            return self._limited(float(fault.params.get("seconds", 0.05)))
        return super().fault_response(fault, request)

    def _limited(self, seconds: float) -> Response:
        self.limited += 1
        reset = clock.now() + timedelta(seconds=seconds)
        error = {
            "message": "Too many requests, please try again shortly.",
            "extensions": {"code": "RATE_LIMITED", "resetAt": reset.isoformat()},
        }
        return self.json({"data": None, "errors": [error]})

    # -- the points budget --------------------------------------------------------------
    def _spend(self, points: int) -> Response | None:
        now = time.monotonic()
        with self._points:
            self._spent = [(t, p) for t, p in self._spent if t > now - self.window]
            used = sum(p for _, p in self._spent)
            if used + points > self.budget and self._spent:
                wait = self._spent[0][0] + self.window - now
                return self._limited(max(wait, 0.0))
            self._spent.append((now, points))
        return None

    # -- GraphQL ------------------------------------------------------------------------
    def on_graphql(self, request: Request) -> Response:
        body = json.loads(request.get_data(as_text=True) or "{}")
        name, variables = body.get("operationName"), body.get("variables") or {}
        answer = {
            "groupEvents": self._group_events,
            "eventRsvps": self._event_rsvps,
            "proGroups": self._pro_groups,
            "self": lambda v: ({"self": {"id": "1", "name": "Acacia Bot"}}, []),
        }.get(name)
        if answer is None:
            return self.json({"errors": [{"message": f"Unknown operation {name!r}"}]}, status=400)
        data, errors = answer(variables)
        points = 1 + len(json.dumps(data)) // 2000
        limited = self._spend(points)
        if limited is not None:
            return limited
        return self.json({"data": data, **({"errors": errors} if errors else {})})

    @staticmethod
    def _missing(what: str) -> list[dict]:
        return [{"message": f"{what} not found", "extensions": {"code": "NOT_FOUND"}}]

    def _group_events(self, v: dict[str, Any]) -> tuple[dict, list]:
        if v.get("urlname") != URLNAME:
            return {"groupByUrlname": None}, self._missing("Group")
        since = v.get("since")
        statuses = set(v.get("status") or ["ACTIVE"])
        found = [
            e
            for e in self.data.events
            if (since is None or e.local.isoformat() >= _utc(since, e)) and _status(e) in statuses
        ]
        chosen, info = _page(found, int(v.get("first") or 20), v.get("after"))
        group = {
            "id": "29000001",
            "name": GROUP,
            "urlname": URLNAME,
            "link": f"https://www.meetup.com/{URLNAME}/",
            "events": {
                "totalCount": len(found),
                "pageInfo": info,
                "edges": [{"cursor": f"e{e.id}", "node": self._event(e)} for e in chosen],
            },
        }
        return {"groupByUrlname": group}, []

    def _event(self, e: MEvent) -> dict:
        rsvps, info = _page(e.rsvps, 100, None)
        return {
            "id": e.id,
            "title": e.title,
            "eventUrl": f"https://www.meetup.com/{URLNAME}/events/{e.id}/",
            "status": _status(e),
            "dateTime": e.local.isoformat(),
            "isOnline": e.online,
            "venues": [] if e.online else [{**VENUE, "country": COUNTRY}],
            "eventHosts": [
                {"member": {"id": m, "name": n, "memberUrl": _url(m), "city": _city(p)}}
                for m, n, p in e.hosts
            ],
            "rsvps": {
                "totalCount": len(e.rsvps),
                "pageInfo": info,
                "edges": [{"node": _rsvp(r)} for r in rsvps],
            },
        }

    def _event_rsvps(self, v: dict[str, Any]) -> tuple[dict, list]:
        event = next((e for e in self.data.events if e.id == v.get("id")), None)
        if event is None:
            return {"event": None}, self._missing("Event")
        chosen, info = _page(event.rsvps, int(v.get("first") or 20), v.get("after"))
        return {
            "event": {
                "id": event.id,
                "rsvps": {
                    "totalCount": len(event.rsvps),
                    "pageInfo": info,
                    "edges": [{"node": _rsvp(r)} for r in chosen],
                },
            }
        }, []

    def _pro_groups(self, v: dict[str, Any]) -> tuple[dict, list]:
        if v.get("urlname") != NETWORK:
            return {"proNetwork": None}, self._missing("Pro network")
        chosen, info = _page([URLNAME], int(v.get("first") or 20), v.get("after"))
        return {
            "proNetwork": {
                "groupsSearch": {
                    "totalCount": 1,
                    "pageInfo": info,
                    "edges": [{"node": {"urlname": u, "name": GROUP}} for u in chosen],
                }
            }
        }, []


def _status(e: MEvent) -> str:
    return e.status


def _utc(since: str, e: MEvent) -> str:
    """``since`` (UTC) in the event's offset, to compare with its local time."""
    from datetime import datetime

    return (
        datetime.fromisoformat(since.replace("Z", "+00:00")).astimezone(e.local.tzinfo).isoformat()
    )


def _url(member: str) -> str:
    return f"https://www.meetup.com/members/{member}/"


def _city(person) -> str | None:
    return person.location.split(",")[0] if person is not None and person.location else None


def _rsvp(r: Rsvp) -> dict:
    member = (
        {"id": r.member_id, "name": r.name, "memberUrl": _url(r.member_id), "city": _city(r.person)}
        if r.person is not None
        else None
    )
    return {"id": r.id, "status": r.status, "isHost": False, "guestsCount": 0, "member": member}


DEMO = DemoSource(
    port=8773,
    api=lambda community: FakeMeetup(MeetupData(community)),
    secrets={"token_env": "ACACIA_DEMO_MEETUP_TOKEN"},
    settings=lambda url: {
        "groups": [URLNAME],
        "base_url": f"{url}{PATH}",
        # The sample group asks its members, when they join, to agree to be named.
        "attendees_named": True,
    },
)
