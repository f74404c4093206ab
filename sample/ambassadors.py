"""The sample's ambassador story (README, Ambassadors and liaisons): Lagos has a clear
one, São Paulo (a priority place of the demo) none.

The *champion* is the Lagos local of the long tail (not staff, active the whole year)
the draw made most active. They speak at every Lagos meetup they can (sample/events_data.py)
and are the first to answer newcomers asking in Slack's #help while they are active
(sample/slack_data.py, WELCOME_SECONDS after the question): active across sources,
answering others and newcomers, leading events, recently active. Nobody is chosen by
drawing, so the rest of the community stays as drawn; who meets which reason is the
landed data's to say, and tests work it out from the drawn data.
"""

from __future__ import annotations

from sample.community import Community, Person

CITY = "Lagos"
#: How soon after a newcomer's question the champion answers it.
WELCOME_SECONDS = 90
#: A newcomer: someone whose activity began at most this many days before they asked.
NEWCOMER_DAYS = 30


def champion(community: Community) -> Person | None:
    locals_ = [
        p
        for p in community.people
        if p.location
        and p.location.startswith(CITY)
        and not (p.organization and p.organization.is_staff)
        and not p.is_deleted
        and p.active_from == community.start
        and p.active_until == community.end
    ]
    return max(locals_, key=lambda p: (p.propensity, -p.key), default=None)


def record_tag(community: Community, store: object, tag: str = "ambassador") -> None:
    """The team tagged the champion as its ambassador (a TeamStore), on their GitHub
    account."""
    lead = champion(community)
    if lead is not None:
        store.tag(f"github:{1000 + lead.key}", tag, author="Acacia demo team")  # type: ignore[attr-defined]
