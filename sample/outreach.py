"""The sample team's outreach: contributors who went quiet, the ones the team reached out
to, and the ones who came back (README, Bring people back).

Drawn from the people's own fields, without the generator (nothing else moves):

- the *quiet* are the people of the long tail (not staff, not deleted) whose activity
  ended at least QUIET_DAYS before the community's end. Each gave two pull requests,
  opened and merged, in the weeks before they went quiet (PULL_REQUESTS: four
  contributions, enough to be lapsed with the default settings). In the order of their keys,
  every other one is *contacted*: the team marks "reached out" on their GitHub account
  CONTACT_DAYS after their activity ended (so after any lapse: a lapse needs at most
  outreach.silent_days of silence);
- of the contacted, every third one (from the first) comes back BACK_SOON days after
  the contact, every third one (from the second) BACK_LATE days after it; of the
  others, every fourth one comes back BACK_ALONE days after their activity ended, with
  nobody asking.

Coming back is a comment on the "Introduce yourself" issue (sample/github_data.py). Who
of them counts as lapsed (enough contributions before the silence) is the drawn
activity's to say: tests work it out from that, as the lapses mart does from the
landed data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sample.community import Community, Person

QUIET_DAYS = 110
#: Days before their activity ended that the quiet opened a pull request (merged a day
#: later; on the day it began, for someone active for less), and its title.
PULL_REQUESTS = ((40, "Document the retry settings"), (10, "Fix the pagination of the export"))
CONTACT_DAYS = 65
BACK_SOON, BACK_LATE, BACK_ALONE = 12, 50, 100
AUTHOR = "Acacia demo team"


@dataclass(frozen=True)
class Story:
    #: (person, the moment the team reached out).
    contacted: list[tuple[Person, datetime]]
    #: (person, the moment they came back).
    comebacks: list[tuple[Person, datetime]]
    #: (person, the moment they opened a pull request, its title): merged a day later.
    pull_requests: list[tuple[Person, datetime, str]]


def story(community: Community) -> Story:
    end = community.end
    quiet = sorted(
        (
            p
            for p in community.people
            if not (p.organization and p.organization.is_staff)
            and not p.is_deleted
            and p.active_until <= end - timedelta(days=QUIET_DAYS)
        ),
        key=lambda p: p.key,
    )
    contacted = [(p, p.active_until + timedelta(days=CONTACT_DAYS)) for p in quiet[0::2]]
    comebacks = [(p, at + timedelta(days=BACK_SOON)) for p, at in contacted[0::3]]
    comebacks += [(p, at + timedelta(days=BACK_LATE)) for p, at in contacted[1::3]]
    comebacks += [(p, p.active_until + timedelta(days=BACK_ALONE)) for p in quiet[1::2][0::4]]
    pull_requests = [
        (p, max(p.active_until - timedelta(days=days), p.active_from + timedelta(hours=1)), title)
        for p in quiet
        for days, title in PULL_REQUESTS
    ]
    return Story(contacted, [(p, at) for p, at in comebacks if at <= end], pull_requests)


def github_key(person: Person) -> str:
    """The identity key of the person's GitHub account (sample/github_data.py user_id)."""
    return f"github:{1000 + person.key}"


def record_contacts(community: Community, store: object) -> None:
    """Write the team's "reached out" follow-ups into its store (a TeamStore)."""
    for person, at in story(community).contacted:
        store.follow_up(github_key(person), "reached out", author=AUTHOR, at=at)  # type: ignore[attr-defined]
