"""What the sample community talks about, by place: the themes its people's words carry
(feedback answers, events' notes, messages of members living there), so that the themes
Acacia finds per place can be worked out from what was drawn (README, Events, Themes).

Each place has its three themes in the order of how often they are drawn (weights 5, 3,
2): Lagos talks of onboarding, documentation and mentoring; Berlin of funding, burnout
and the release process; and so on. A theme is its phrase, and sentences that say it.
"""

from __future__ import annotations

#: place -> its themes, most talked about first: (phrase, sentences that use it).
THEMES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "Lagos": (
        (
            "onboarding",
            (
                "The onboarding session made my first pull request easy.",
                "Onboarding for new contributors should start before the meetup.",
                "We need an onboarding checklist for people who join in Lagos.",
            ),
        ),
        (
            "documentation",
            (
                "The documentation for installing on Windows is out of date.",
                "A documentation sprint would help the newcomers here.",
            ),
        ),
        (
            "mentoring",
            (
                "Mentoring from a maintainer kept me going.",
                "Pair each newcomer with mentoring from someone who has merged code.",
            ),
        ),
    ),
    "Berlin": (
        (
            "funding",
            (
                "Funding for maintainers is the question nobody answers.",
                "Can the foundation share how funding is decided?",
                "Our company would give funding if the rules were clear.",
            ),
        ),
        (
            "burnout",
            (
                "Burnout among the reviewers is real; three of us stepped back.",
                "Talk about burnout openly, it helped to hear the others.",
            ),
        ),
        (
            "release process",
            (
                "The release process takes two weeks of manual steps.",
                "Automate the release process so more people can ship.",
            ),
        ),
    ),
    "Lisbon": (
        (
            "governance",
            (
                "The governance panel explained who decides what.",
                "Publish the governance model before the next summit.",
                "Governance of the plugins needs its own working group.",
            ),
        ),
        (
            "security",
            (
                "The security audit talk was the best of the day.",
                "A security contact for each package would help us.",
            ),
        ),
        (
            "roadmap",
            (
                "Seeing the roadmap on one page was useful.",
                "Let partners comment on the roadmap before it is final.",
            ),
        ),
    ),
    "online": (
        (
            "time zones",
            (
                "Hold the workshop in two time zones so Asia can join.",
                "The time zones made it 3 a.m. for some of us.",
                "Rotate the time zones of the workshops.",
            ),
        ),
        (
            "recordings",
            (
                "The recordings let me catch up afterwards.",
                "Please publish the recordings with captions.",
            ),
        ),
        (
            "exercises",
            (
                "The hands-on exercises were the best part.",
                "More exercises and less slides next time.",
            ),
        ),
    ),
}
#: Which of a place's themes each text in ten says: 5, 3 and 2 of every ten, in turn,
#: without drawing (so the order of the themes holds in any number of texts).
CYCLE = (0, 1, 0, 2, 0, 1, 0, 1, 0, 2)


class Said:
    """The sentences a place's people say, in turn: the theme by CYCLE, each theme's
    sentences one after the other. One per draw of a kind of text (messages, feedback,
    notes), so that each kind holds its place's themes in their order."""

    def __init__(self) -> None:
        self.texts: dict[str, int] = {}
        self.by_theme: dict[tuple[str, int], int] = {}

    def next(self, place: str) -> str:
        n = self.texts.get(place, 0)
        self.texts[place] = n + 1
        theme = CYCLE[n % len(CYCLE)]
        m = self.by_theme.get((place, theme), 0)
        self.by_theme[(place, theme)] = m + 1
        sentences = THEMES[place][theme][1]
        return sentences[m % len(sentences)]


def place_of(location: str | None) -> str | None:
    """The themed place a member's location is in (its city), None elsewhere."""
    city = (location or "").split(",", 1)[0].strip()
    return city if city in THEMES else None


def answers(said: Said, place: str) -> tuple[str, str]:
    """A feedback response's two answers (what they liked, what to change): each a
    sentence of one of the place's themes."""
    place = place if place in THEMES else "online"
    return said.next(place), said.next(place)
