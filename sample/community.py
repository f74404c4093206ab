"""The bundled sample community: deterministic, realistic people and organizations.

A few hundred people over a year, with long-tail activity (a handful do most of the
work), organizations, the project's own staff, bots and churn (people who arrive late
or go quiet). The same people will appear in every source's fake API; each source's
module turns them into that platform's payloads.

Everything is drawn from one seeded ``random.Random``, and all times are relative to
``end``, so the same (seed, end) always gives the same community.
"""

from __future__ import annotations

import dataclasses
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sample.names import FIRST, LAST, weights

LOCATIONS = (
    ("Berlin, Germany", "Europe/Berlin"),
    ("Lagos, Nigeria", "Africa/Lagos"),
    ("São Paulo, Brazil", "America/Sao_Paulo"),
    ("Bangalore, India", "Asia/Kolkata"),
    ("Toronto, Canada", "America/Toronto"),
    ("Tokyo, Japan", "Asia/Tokyo"),
    ("Paris, France", "Europe/Paris"),
    ("San Francisco, CA", "America/Los_Angeles"),
    ("Warsaw, Poland", "Europe/Warsaw"),
    (None, None),
)
FIRST_WEIGHTS, LAST_WEIGHTS = weights(FIRST), weights(LAST)
PUBLIC_MAIL = ("gmail.com", "outlook.com", "proton.me", "yahoo.com")


@dataclass(frozen=True)
class Organization:
    name: str
    domain: str
    github_org: str | None
    company_spellings: tuple[str, ...]  # how members write it in their profiles
    is_staff: bool = False


ORGANIZATIONS = (
    Organization(
        "Acacia Foundation", "acacia.dev", "acacia-sample", ("Acacia Foundation",), is_staff=True
    ),
    Organization("Northwind Labs", "northwind.io", "northwind", ("@northwind", "Northwind Labs")),
    Organization("Globex", "globex.com", "globex", ("Globex Corporation", "GLOBEX", "@globex")),
    Organization("Initech", "initech.com", None, ("Initech Inc.", "Initech")),
    Organization("Umbrella Cloud", "umbrella.cloud", "umbrella-cloud", ("Umbrella Cloud",)),
    Organization("Hooli", "hooli.xyz", None, ("Hooli", "hooli")),
)


@dataclass(frozen=True)
class Person:
    key: int
    login: str
    name: str
    email: str
    organization: Organization | None
    company: str | None  # what the profile says, spelled the person's way
    location: str | None
    timezone: str | None
    propensity: float  # relative activity; long-tailed
    active_from: datetime
    active_until: datetime
    is_bot: bool = False
    #: A bot whose platform account says "User" (only a configured bot list catches it).
    claims_to_be_user: bool = False
    #: A second, personal address some platforms know this person by.
    other_email: str | None = None
    #: The address the forum knows them by, when not ``email`` (e.g. a GitHub noreply).
    forum_email: str | None = None
    #: The address Slack knows them by, when not ``email`` nor ``other_email``.
    chat_email: str | None = None
    #: Deleted their GitHub account: GitHub shows their work as its ghost user.
    is_deleted: bool = False
    #: How they write their name on a platform, where not ``name`` (source, written).
    names: tuple[tuple[str, str], ...] = ()
    #: The handle they took on a platform, where they did not draw one (source, handle).
    handles: tuple[tuple[str, str], ...] = ()

    def name_on(self, source: str, drawn: str | None = None) -> str:
        """The name as the person writes it on ``source``: theirs, else ``drawn`` (a
        form the platform's draw picked), else ``name``."""
        return dict(self.names).get(source, drawn or self.name)

    def handle_on(self, source: str, drawn: str) -> str:
        """The handle the person has on ``source``: the one they chose, else ``drawn``."""
        return dict(self.handles).get(source, drawn)

    def active_at(self, when: datetime) -> bool:
        return self.active_from <= when <= self.active_until


@dataclass
class Community:
    """The people of the sample community, and a seeded way to pick who does what."""

    end: datetime
    days: int
    people: list[Person]
    bots: list[Person]
    rng: random.Random
    #: The hard cases of identity resolution, by name (see build_community).
    hard_cases: dict = field(default_factory=dict)

    @property
    def start(self) -> datetime:
        return self.end - timedelta(days=self.days)

    def random_time(
        self, after: datetime | None = None, within_days: float | None = None
    ) -> datetime:
        """A time in the community's year (or within ``within_days`` after ``after``)."""
        if after is None:
            moment = self.start + timedelta(seconds=self.rng.uniform(0, self.days * 86400))
        else:
            span = within_days if within_days is not None else 14
            moment = after + timedelta(seconds=self.rng.expovariate(1 / (span * 86400 / 3)) + 60)
        return moment.replace(microsecond=0)

    def regulars(self) -> list[tuple[Person, list[datetime]]]:
        """The people of the hard cases, each with moments at which they are surely
        active: every source's data adds one of their activities at each moment in each
        source where they have an account, so the hard cases hold whatever the rest of
        the draw (the bot posing as a user too, on GitHub)."""
        cases = self.hard_cases
        if not cases:
            return []
        start, end = self.start, self.end
        steady = [start + timedelta(days=30, hours=12), end - timedelta(days=20, hours=12)]
        mover = cases["changed_employer"][0]
        move = start + timedelta(days=self.days // 2)  # the instant whose day is the move's
        # Before the move, seconded before it, seconded after it, after it (SECONDMENTS).
        around_move = [move + timedelta(days=d) for d in (-100, -78, 45, 100)]
        bot = next(b for b in self.bots if b.login == cases["fake_user_bot"])
        return [
            (cases["two_emails"], steady),
            (cases["noreply"], steady),
            *((twin, steady[:1]) for twin in cases["same_name"]),
            (mover, around_move),
            (bot, steady[:1]),
        ]

    def pick(
        self, when: datetime, *, staff_bias: float = 1.0, exclude: Person | None = None
    ) -> Person:
        """A person active at ``when``, drawn by propensity (staff weighted by bias)."""
        for _ in range(50):
            person = self.rng.choices(self.people, weights=self._weights(staff_bias))[0]
            if person is not exclude and person.active_at(when):
                return person
        return next(
            p
            for p in self.people
            if p is not exclude and p.organization and p.organization.is_staff
        )

    def _weights(self, staff_bias: float) -> list[float]:
        cache = self.__dict__.setdefault("_weight_cache", {})
        if staff_bias not in cache:
            cache[staff_bias] = [
                p.propensity * (staff_bias if p.organization and p.organization.is_staff else 1)
                for p in self.people
            ]
        return cache[staff_bias]


def _login(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    base = rng.choice(
        [f"{first}{last}", f"{first[0]}{last}", f"{first}-{last}", f"{first}{last[:3]}"]
    )
    login = base.lower()
    n = 2
    while login in taken:
        login = f"{base.lower()}{n}"
        n += 1
    taken.add(login)
    return login


def unique_handle(handle: str, taken: set[str]) -> str:
    """``handle``, numbered as a platform makes people do when it is taken (a handle is
    one account's on its platform); added to ``taken``."""
    found, n = handle, 2
    while found.lower() in taken:
        found, n = f"{handle}{n}", n + 1
    taken.add(found.lower())
    return found


def _email(local: str, domain: str, taken: set[str]) -> str:
    """``local@domain``, numbered as people do when it is taken (an address is one
    person's: two people never share one)."""
    email, n = f"{local}@{domain}", 2
    while email in taken:
        email, n = f"{local}{n}@{domain}", n + 1
    taken.add(email)
    return email


def build_community(
    end: datetime, *, people: int = 300, days: int = 365, seed: int = 7
) -> Community:
    """The deterministic sample community of ``people`` people over ``days`` before ``end``.

    Every draw is made relative to ``end``, from a seed that does not depend on it: the
    community (people, accounts, activity, events) is the same whenever it is drawn,
    only shifted in time."""
    rng = random.Random(seed)
    end = end.replace(microsecond=0)
    start = end - timedelta(days=days)
    taken: set[str] = set()
    emails: set[str] = set()
    members: list[Person] = []
    for key in range(people):
        first = rng.choices(FIRST, weights=FIRST_WEIGHTS)[0]
        last = rng.choices(LAST, weights=LAST_WEIGHTS)[0]
        login = _login(rng, first, last, taken)
        staff = key < 8  # the project's own team: few, very active
        roll = rng.random()
        org = ORGANIZATIONS[0] if staff else rng.choice(ORGANIZATIONS[1:]) if roll < 0.45 else None
        domain = org.domain if org and rng.random() < 0.8 else rng.choice(PUBLIC_MAIL)
        location, tz = rng.choice(LOCATIONS)
        # Pareto-distributed propensity: the long tail of a real community.
        propensity = (40.0 if staff else 1.0) * rng.paretovariate(1.2)
        active_from = (
            start
            if staff or rng.random() < 0.5
            else start + timedelta(days=rng.uniform(0, days * 0.95))
        )
        active_until = (
            end if rng.random() < 0.75 else active_from + timedelta(days=rng.uniform(20, days))
        )
        members.append(
            Person(
                key=key,
                login=login,
                name=f"{first} {last}",
                email=_email(f"{first.lower()}.{last.lower()}", domain, emails),
                organization=org,
                company=rng.choice(org.company_spellings) if org and rng.random() < 0.7 else None,
                location=location,
                timezone=tz,
                propensity=propensity,
                active_from=active_from,
                active_until=min(active_until, end),
            )
        )
    bots = [
        Person(
            key=people + i,
            login=login,
            name=login,
            email="",
            organization=None,
            company=None,
            location=None,
            timezone=None,
            propensity=0,
            active_from=start,
            active_until=end,
            is_bot=True,
        )
        for i, login in enumerate(("dependabot[bot]", "github-actions[bot]", "release-helper"))
    ]
    community = Community(end=end, days=days, people=members, bots=bots, rng=rng)
    _add_hard_cases(community, emails)
    _add_namesakes(community, emails, taken)
    return community


def _add_hard_cases(community: Community, emails: set[str]) -> None:
    """Edit a few people so that the sample holds the hard cases of identity resolution:

    - ``two_emails``: known by a work address on GitHub and the forum, and a personal one
      on Slack (two members, and a same-name suggestion between them);
    - ``same_name``: two different people with the same full name (never merged);
    - ``noreply``: a forum account registered with a GitHub noreply address (merged with
      the GitHub account);
    - ``fake_user_bot``: a bot whose GitHub account type is "User" (only the configured
      bot list marks it);
    - ``changed_employer``: moved from one organization to another mid-year (dated
      affiliations in organizations.yml).
    """
    people = community.people
    if len(people) < 45:
        return
    replace = dataclasses.replace

    def swap(index: int, **changes: object) -> Person:
        people[index] = replace(people[index], **changes)
        return people[index]

    first, last = people[20].name.lower().split(" ", 1)
    two_emails = swap(
        20,
        other_email=_email(f"{first}.{last}.home", "gmail.com", emails),
        propensity=max(people[20].propensity, 10.0),
        active_from=community.start,
        active_until=community.end,
    )
    twin = people[31]
    own_domain = people[30].email.split("@", 1)[1]
    local = twin.email.split("@", 1)[0]
    same_name = (
        swap(30, name=twin.name, email=_email(f"{local}.{people[30].key}", own_domain, emails)),
        twin,
    )
    noreply = swap(
        25,
        forum_email=f"{1000 + people[25].key}+{people[25].login}@users.noreply.github.com",
        propensity=max(people[25].propensity, 10.0),
        active_from=community.start,
        active_until=community.end,
    )
    old, new = ORGANIZATIONS[2], ORGANIZATIONS[3]
    first, last = people[40].name.lower().split(" ", 1)
    mover = swap(
        40,
        organization=old,
        email=_email(f"{first}.{last}", old.domain, emails),
        company=old.company_spellings[0],
        active_from=community.start,
        active_until=community.end,
        propensity=max(people[40].propensity, 20.0),
    )
    # Two people deleted their GitHub accounts since: GitHub shows their work as the ghost.
    for index in (52, 57):
        if index < len(people):
            swap(index, is_deleted=True, propensity=max(people[index].propensity, 6.0))
    moved_on = (community.start + timedelta(days=community.days // 2)).date()
    bot = next(b for b in community.bots if b.login == "release-helper")
    community.bots[community.bots.index(bot)] = replace(bot, claims_to_be_user=True)
    community.hard_cases.update(
        {
            "two_emails": two_emails,
            "same_name": same_name,
            "noreply": noreply,
            "fake_user_bot": "release-helper",
            "changed_employer": (mover, moved_on, old.name, new.name),
        }
    )


#: Different people who share a common full name, as a global community's do: (name,
#: person indices). Each keeps the organization, address domain and place they were
#: drawn with (the events' draws depend on places): some work at one organization
#: (two addresses at one company), some live in one city, some both. They are people of
#: the long tail, as most of a community is.
NAMESAKES = (
    ("Wei Zhang", (66, 86, 88)),  # Globex in Tokyo; two at Northwind Labs in Tokyo
    ("David Lee", (84, 106, 77)),  # Northwind in Warsaw and Toronto; one more in Toronto
    ("Amit Kumar", (97, 100, 83)),  # two at Initech in Paris; one more in Paris
    ("Maria Garcia", (85, 113)),  # at Hooli, and without one, both in Paris
    ("Fatima Khan", (92, 116)),  # both in San Francisco, both with public addresses
    ("Wei Wang", (78, 112)),  # Umbrella Cloud in Bangalore, Globex in Tokyo
)
#: People who write their name differently on different platforms: (index, name, and
#: how they write it per platform): without diacritics, as an initial and surname, or
#: family name first. They use a personal address on Slack and the forum.
NAME_FORMS = (
    (54, "José Rodríguez", (("slack", "Jose Rodriguez"), ("stackexchange", "J. Rodríguez"))),
    (79, "Xiulan Zhou", (("slack", "Zhou Xiulan"), ("stackexchange", "Zhou Xiulan"))),
    (105, "Łukasz Wróbel", (("slack", "Lukasz Wrobel"), ("stackexchange", "L. Wróbel"))),
)
#: The Slack handles of NAME_FORMS' people: none spells their name.
NAME_FORM_HANDLES = {54: "jrodri", 79: "zxl", 105: "lwro"}
#: Different people whose handle is only their (shared) first name, each on another
#: platform: (index, name, source, handle).
FIRST_NAME_HANDLES = (
    (109, "Teodora Ilić", "github", "teodora"),
    (114, "Teodora Petrova", "discourse", "teodora"),
    (115, "Anil Mehta", "github", "anil"),
    (118, "Anil Shah", "slack", "anil"),
)


def _add_namesakes(community: Community, emails: set[str], logins: set[str]) -> None:
    """Edit people so that the sample holds what a global community's names hold
    (NAMESAKES, NAME_FORMS, FIRST_NAME_HANDLES), without drawing: the rest of the
    community and its activity stay as drawn. Listed in ``hard_cases`` as ``namesakes``
    (groups of people), ``name_forms`` and ``first_name_handles``."""
    people = community.people
    if len(people) < 120:  # the tests' community has 120 people, the demo's 300
        return
    replace = dataclasses.replace

    def renamed(index: int, name: str, **changes: object) -> Person:
        """The person at ``index`` named ``name``: a login and an address to match (at
        the domain they were drawn with), everything else as drawn."""
        first, last = (part.lower() for part in name.split(" ", 1))
        written = f"{first}.{last}".replace("ł", "l")  # a letter NFKD leaves as it is
        local = unicodedata.normalize("NFKD", written).encode("ascii", "ignore").decode()
        login = str(changes.pop("login", None) or local.replace(".", ""))
        n, base = 2, login
        while login in logins:
            login, n = f"{base}{n}", n + 1
        logins.add(login)
        domain = people[index].email.split("@", 1)[1]
        people[index] = replace(
            people[index], name=name, login=login, email=_email(local, domain, emails), **changes
        )
        return people[index]

    groups = [tuple(renamed(index, name) for index in who) for name, who in NAMESAKES]
    forms = []
    for index, name, written in NAME_FORMS:
        person = renamed(index, name, names=written, handles=(("slack", NAME_FORM_HANDLES[index]),))
        # A personal address on Slack and the forum, the work one elsewhere: only the
        # name, written another way, ties the two sides.
        personal = _email(person.email.split("@")[0] + ".home", "gmail.com", emails)
        people[index] = replace(person, chat_email=personal, forum_email=personal)
        forms.append(people[index])
    handles = []
    for index, name, source, handle in FIRST_NAME_HANDLES:
        if source == "github":
            handles.append(renamed(index, name, login=handle))
        else:
            handles.append(renamed(index, name, handles=((source, handle),)))
    community.hard_cases.update(
        {"namesakes": groups, "name_forms": forms, "first_name_handles": handles}
    )


# Where the ``changed_employer`` hard case is seconded, from and until how many days
# after the move (dated affiliations overlapping the old and the new employer's).
SECONDMENTS = (("Hooli", -85, -72), ("Umbrella Cloud", 30, 60))


def organizations_file(community: Community) -> dict:
    """The organizations.yml a team would write for the sample community (with the dated
    move of the ``changed_employer`` hard case, and two secondments overlapping it)."""
    entries = [
        {
            "name": org.name,
            "domains": [org.domain],
            "github_orgs": [org.github_org] if org.github_org else [],
            "aliases": [s for s in org.company_spellings if not s.startswith("@")],
            "website": f"https://{org.domain}",
            "staff": org.is_staff,
        }
        for org in ORGANIZATIONS
    ]
    affiliations = []
    if "changed_employer" in community.hard_cases:
        mover, moved_on, old, new = community.hard_cases["changed_employer"]
        affiliations = [
            {
                "identity": f"github:{1000 + mover.key}",
                "organization": old,
                "until": (moved_on - timedelta(days=1)).isoformat(),
            },
            {
                "identity": f"github:{1000 + mover.key}",
                "organization": new,
                "from": moved_on.isoformat(),
            },
            # Two secondments overlapping those: before the move one with a start beats
            # the old employer's open start; after it the new employer wins by name.
            *(
                {
                    "identity": f"github:{1000 + mover.key}",
                    "organization": organization,
                    "from": (moved_on + timedelta(days=start)).isoformat(),
                    "until": (moved_on + timedelta(days=end)).isoformat(),
                }
                for organization, start, end in SECONDMENTS
            ),
        ]
    return {"organizations": entries, "affiliations": affiliations}
