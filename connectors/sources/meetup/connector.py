"""What the Meetup connector reads, and how it stays incremental.

For each group in ``sources.meetup.groups`` (and each group of the Pro network in
``sources.meetup.pro_network``, listed at every sync), one query pages through the
group's events (past, upcoming and cancelled; 50 a page, by cursor) with each event's
hosts and its first 100 RSVPs inline; an event with more RSVPs pages through the rest
(``eventRsvps``). What lands:

- **every event as a listing** (records.Listing: the event list, beside the events
  folder's and the calendar feeds'): its title, its day where it is held (the date of
  Meetup's ``dateTime``, which carries the event's own offset) and its start in UTC,
  the venue's city and country, online or not, its page, the group (its local group,
  and where to join it). A cancelled event is listed as cancelled and left out of the
  event list. Its scope is the Meetup event, so a renamed or moved event replaces its
  row;
- **attendance of the events held** (the events' activity types, the same as the CSV
  files'): the hosts as organizers; the members the organizers marked as attended
  (``ATTENDED``), or, where no attendance was taken, those who said yes (``YES``).
  ``NO``, ``WAITLIST`` and ``NO_SHOW`` are nobody's attendance. A member whose account
  is gone (no ``member``) counts as Meetup's one former member.

**Consent, as for the CSV files.** Meetup's members agreed to Meetup's terms, not to be
named by a community team: attendees are named only when ``attendees_named`` says the
team has their consent (the group asks for it). Otherwise each attendee lands as a
person of their own with nothing of who they are (an id of another namespace, a hash),
counted in every figure and never named nor matched with their other accounts. Hosts
are named: Meetup shows them on the event's public page.

**Incremental.** Events long past do not change: a group's stream keeps ``since``, and
each sync reads the events from it on (the backfill's first day at the first sync, then
``settle_days`` before the day of the last sync, so attendance marked late and RSVPs
still arriving are read again), and lands only the events that changed since they were
last read (a digest of each, kept in the state). A quiet sync is one request per group
(and one for a Pro network's group list), and lands nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

from connectors.core import clock
from connectors.core.batch import UNREADABLE, Batch, Reject, SavedState, each_stream, why
from connectors.core.errors import SourceError
from connectors.core.records import Activity, Identity, Listing, event_id
from connectors.sources.meetup.client import MeetupClient, NotFound

log = logging.getLogger(__name__)
SOURCE = "meetup"
PAGE = 50
RSVP_PAGE = 100
#: The one identity every RSVP of a deleted account lands as.
FORMER = "former-member"
#: What a Meetup status means: counted as attended, once attendance was taken or not.
ATTENDED, SAID_YES = "ATTENDED", "YES"
RECORDED = ("ATTENDED", "NO_SHOW")
CANCELLED = ("CANCELLED", "CANCELLED_PERM")
STATUSES = ["ACTIVE", "PAST", "CANCELLED", "CANCELLED_PERM"]

RSVP_FIELDS = """
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id status isHost guestsCount member { id name memberUrl city } } }"""

GROUP_EVENTS = f"""
query groupEvents($urlname: String!, $first: Int!, $after: String, $since: DateTime,
                  $status: [EventStatus!]) {{
  groupByUrlname(urlname: $urlname) {{
    id
    name
    urlname
    link
    events(first: $first, after: $after,
           filter: {{ afterDateTime: $since, status: $status }}) {{
      totalCount
      pageInfo {{ hasNextPage endCursor }}
      edges {{
        node {{
          id
          title
          eventUrl
          status
          dateTime
          isOnline
          venues {{ name address city country }}
          eventHosts {{ member {{ id name memberUrl city }} }}
          rsvps(first: {RSVP_PAGE}) {{{RSVP_FIELDS}
          }}
        }}
      }}
    }}
  }}
}}"""

EVENT_RSVPS = f"""
query eventRsvps($id: ID!, $first: Int!, $after: String) {{
  event(id: $id) {{
    id
    rsvps(first: $first, after: $after) {{{RSVP_FIELDS}
    }}
  }}
}}"""

PRO_GROUPS = """
query proGroups($urlname: ID!, $first: Int!, $after: String) {
  proNetwork(urlname: $urlname) {
    groupsSearch(input: { first: $first, after: $after }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { urlname name } }
    }
  }
}"""

SELF = """
query self {
  self { id name }
}"""


@dataclass(frozen=True)
class GroupState(SavedState):
    """A group's saved state (``<urlname>:events``): the first day the next read asks
    events from, and what each event read from that day on looked like ([id, digest]):
    an event that has not changed since is not landed again."""

    since: str | None = None
    seen: tuple = ()


def digest(node: dict[str, Any]) -> str:
    """What an event looked like (its fields, hosts and RSVPs), to tell a change."""
    return hashlib.sha256(json.dumps(node, sort_keys=True).encode()).hexdigest()[:16]


def unnamed_id(member_id: str) -> str:
    """The id of an attendee who may not be named: a hash in a namespace of its own, so
    nothing joins it to their account."""
    return "u_" + hashlib.sha256(f"meetup-unnamed\x1f{member_id}".encode()).hexdigest()[:16]


def _place(venues: list[dict[str, Any]] | None) -> tuple[str | None, str | None, str | None]:
    venue = (venues or [None])[0] or {}
    city, country = venue.get("city") or None, venue.get("country") or None
    parts = [venue.get(k) for k in ("name", "address", "city")]
    location = ", ".join(p for p in parts if p) or None
    return city, (country.upper() if country and len(country) == 2 else country), location


class MeetupConnector:
    """Reads each group's events with their hosts and RSVPs, incrementally."""

    def __init__(
        self,
        client: MeetupClient,
        groups: list[str],
        *,
        pro_network: str | None = None,
        backfill_days: int = 365,
        settle_days: int = 14,
        attendees_named: bool = False,
        today: date | None = None,
    ) -> None:
        self.client = client
        self.groups = groups
        self.pro_network = pro_network
        self.backfill_days = backfill_days
        self.settle_days = settle_days
        self.attendees_named = attendees_named
        self.page_size = PAGE
        self.today = today or clock.today()
        self.problems: list[SourceError] = []

    @property
    def requests(self) -> int:
        return self.client.requests

    def sync(self, state: dict[str, dict[str, Any]]) -> Iterator[Batch]:
        groups = list(self.groups)
        if self.pro_network:
            try:
                groups += [g for g in self.network_groups() if g not in groups]
            except SourceError as error:
                self.problems.append(error.within(f"Pro network {self.pro_network}"))
        yield from each_stream(
            (
                (f"group {name}", partial(self._group, name, state.get(f"{name}:events")))
                for name in groups
            ),
            self.problems,
        )

    def network_groups(self) -> list[str]:
        """The urlnames of the Pro network's groups."""
        found, after = [], None
        while True:
            data = self.client.query(
                "proGroups", PRO_GROUPS, {"urlname": self.pro_network, "first": 100, "after": after}
            )
            network = data.get("proNetwork")
            if network is None:
                raise NotFound(
                    SOURCE,
                    f"no Pro network {self.pro_network!r} (or the token may not read it).",
                    "Check sources.meetup.pro_network (the network's urlname) and that the "
                    "token is a Pro network admin's.",
                )
            page = network["groupsSearch"]
            found += [edge["node"]["urlname"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]

    def probe(self, groups: list[str]) -> str:
        """A line for ``acacia check``: who the token is, and each group's events."""
        me = self.client.query("self", SELF, {}).get("self") or {}
        lines = [f"token of {me.get('name', 'an unknown member')}"]
        for name in groups:
            data = self._events_page(name, None, self.today.isoformat(), first=1)
            lines.append(f"{name}: {data['events']['totalCount']} events from today on")
        return "; ".join(lines)

    # -- one group ----------------------------------------------------------------------
    def _events_page(self, name: str, after: str | None, since: str, first: int | None = None):
        data = self.client.query(
            "groupEvents",
            GROUP_EVENTS,
            {
                "urlname": name,
                "first": first or self.page_size,
                "after": after,
                "since": f"{since}T00:00:00Z",
                "status": STATUSES,
            },
        )
        group = data.get("groupByUrlname")
        if group is None:
            raise NotFound(
                SOURCE,
                f"no Meetup group {name!r} (or the token may not read it).",
                "Check sources.meetup.groups: a group's urlname is the part after "
                "meetup.com/ in its address.",
            )
        return group

    def _group(self, name: str, raw: dict[str, Any] | None) -> Iterator[Batch]:
        state = GroupState.load(raw or {})
        floor = self.today - timedelta(days=self.backfill_days)
        since = max(date.fromisoformat(state.since), floor) if state.since else floor
        settled = max(floor, self.today - timedelta(days=self.settle_days))
        known = dict(state.seen)
        seen: dict[str, tuple[str, str]] = {}  # id -> (digest, day) of this walk
        after = None
        while True:
            group = self._events_page(name, after, since.isoformat())
            page = group["events"]
            listings, activities, identities, rejects = [], [], {}, []
            for edge in page["edges"]:
                node = edge.get("node") or {}
                mark = digest({**node, "held": self._held(node)})
                seen[str(node.get("id"))] = (mark, str(node.get("dateTime", ""))[:10])
                if known.get(str(node.get("id"))) == mark:
                    continue  # unchanged since the last sync
                try:
                    listing, attended, people = self._event(group, edge["node"])
                except UNREADABLE as error:
                    log.warning("set aside an event of group %s: %s", name, why(error))
                    rejects.append(Reject("events", name, why(error), edge.get("node")))
                    continue
                listings.append(listing)
                activities += attended
                identities.update(people)
            last = not page["pageInfo"]["hasNextPage"]
            kept = sorted(
                [event, mark] for event, (mark, day) in seen.items() if day >= settled.isoformat()
            )
            yield Batch(
                "events",
                name,
                activities,
                list(identities.values()),
                GroupState(since=settled.isoformat(), seen=tuple(kept)).dump() if last else None,
                rejects,
                listings=listings,
            )
            if last:
                return
            after = page["pageInfo"]["endCursor"]

    def _event(
        self, group: dict[str, Any], node: dict[str, Any]
    ) -> tuple[Listing, list[Activity], dict[str, Identity]]:
        title = node["title"].strip()
        local = datetime.fromisoformat(node["dateTime"].replace("Z", "+00:00"))
        starts_at = local.astimezone(UTC)
        day = local.date().isoformat()
        key = event_id(title, day)
        online = bool(node.get("isOnline"))
        city, country, location = (None, None, "Online") if online else _place(node.get("venues"))
        cancelled = node.get("status") in CANCELLED
        join = group.get("link") or f"https://www.meetup.com/{group['urlname']}/"
        details = {
            "format": "online" if online else "meetup",
            "city": city,
            "country": country,
            "organizers": group["name"],
            "group": None if online else group["name"],
            "join": join,
        }
        listing = Listing(
            SOURCE,
            key,
            f"event:{node['id']}",
            title,
            day,
            starts_at=starts_at,
            city=city,
            country=country,
            location=location,
            format=details["format"],
            organizers=group["name"],
            local_group=details["group"],
            url=node.get("eventUrl"),
            join_url=join,
            is_cancelled=cancelled,
            extra={"group": group["urlname"], "rsvps": node["rsvps"]["totalCount"]},
        )
        if cancelled or not self._held(node):
            return listing, [], {}  # nothing was held (yet)
        rsvps = [edge["node"] for edge in node["rsvps"]["edges"]]
        if node["rsvps"]["pageInfo"]["hasNextPage"]:
            rsvps += self._more_rsvps(node["id"], node["rsvps"]["pageInfo"]["endCursor"])
        activities, identities = self._attendance(node, title, day, key, details, rsvps)
        return listing, activities, identities

    @staticmethod
    def _held(node: dict[str, Any]) -> bool:
        """Whether the event has started (its attendance can be counted)."""
        try:
            start = datetime.fromisoformat(str(node.get("dateTime")).replace("Z", "+00:00"))
        except ValueError:
            return False
        return start.astimezone(UTC) <= clock.now()

    def _more_rsvps(self, event: str, after: str) -> list[dict[str, Any]]:
        found = []
        while after:
            data = self.client.query(
                "eventRsvps", EVENT_RSVPS, {"id": event, "first": RSVP_PAGE, "after": after}
            )
            page = data["event"]["rsvps"]
            found += [edge["node"] for edge in page["edges"]]
            after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
        return found

    def _attendance(
        self,
        node: dict[str, Any],
        title: str,
        day: str,
        key: str,
        details: dict[str, Any],
        rsvps: list[dict[str, Any]],
    ) -> tuple[list[Activity], dict[str, Identity]]:
        recorded = any(r.get("status") in RECORDED for r in rsvps)
        came = ATTENDED if recorded else SAID_YES
        hosts = {
            h["member"]["id"]: h["member"] for h in node.get("eventHosts") or [] if h.get("member")
        }
        people: list[tuple[dict[str, Any] | None, str]] = [(m, "organizer") for m in hosts.values()]
        people += [
            (r.get("member"), "attendee")
            for r in rsvps
            if r.get("status") == came and (r.get("member") or {}).get("id") not in hosts
        ]
        when = datetime.combine(date.fromisoformat(day), time(), UTC)
        activities: dict[str, Activity] = {}
        identities: dict[str, Identity] = {}
        for member, role in people:
            identity = self._who(member, named=role == "organizer" or self.attendees_named)
            identities[identity.source_user_id] = identity
            actor = identity.source_user_id
            activity = Activity(
                SOURCE,
                f"{key}:{actor}:{role}",
                "event_organized" if role == "organizer" else "event_attended",
                when,
                actor,
                title,
                url=node.get("eventUrl"),
                title=title,
                thread_id=f"event:{key}",
                extra={
                    "role": role,
                    "named": not identity.extra.get("anonymous", False),
                    "listed": True,
                    "meetup_event": node["id"],
                    **details,
                },
            )
            activities[activity.activity_id] = activity
        return list(activities.values()), identities

    @staticmethod
    def _who(member: dict[str, Any] | None, *, named: bool) -> Identity:
        if member is None:  # the account is gone
            return Identity(SOURCE, FORMER, "Former member", is_deleted=True)
        member_id = str(member["id"])
        if not named:
            # Counted, never named: nothing of who they are is landed.
            return Identity(
                SOURCE,
                unnamed_id(member_id),
                "Unnamed attendee",
                has_profile=True,
                extra={"anonymous": True},
            )
        name = (member.get("name") or "").strip() or f"Member {member_id}"
        return Identity(
            SOURCE,
            member_id,
            name,
            display_name=name,
            # The city their Meetup profile gives: with the name, evidence of who they are.
            location=member.get("city") or None,
            profile_url=member.get("memberUrl"),
        )
