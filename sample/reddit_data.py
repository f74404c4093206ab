"""The sample community as Reddit sees it: one subreddit, posts, comments, and a few
authors who deleted their accounts (Reddit shows them as ``[deleted]``)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sample.community import Community, Person


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def reddit_name(person: Person) -> str | None:
    """The person's Reddit username, or None for a third of them or so who have no
    account. Drawn per person (not from the subreddit's draw), so other sources' data
    can know it: a GitHub profile links it (``links_reddit``)."""
    rng = random.Random(f"reddit-account:{person.key}")
    if rng.random() >= 0.35 or person.is_bot:
        return None
    first, last = person.name.lower().split(" ", 1)
    # Most reuse their handle or their name; some pick a number; a few keep a throwaway
    # nobody could tie to them (the truth still knows).
    drawn = rng.choices(
        [person.login, f"{first}_{last}", f"{first}{rng.randint(10, 99)}", f"throwaway_{first}"],
        weights=[45, 30, 20, 5],
    )[0].replace(" ", "_")
    return person.handle_on("reddit", drawn)


def links_reddit(person: Person) -> bool:
    """Whether the person's GitHub profile links their Reddit account (half of those
    with one, never a throwaway)."""
    name = reddit_name(person)
    return (
        name is not None
        and not name.startswith("throwaway_")
        and random.Random(f"reddit-link:{person.key}").random() < 0.5
    )


def reddit_url(person: Person) -> str:
    return f"https://www.reddit.com/user/{reddit_name(person)}"


@dataclass
class Redditor:
    id: str  # base36, as in the fullname t2_<id>
    name: str
    person: Person | None = None

    @property
    def user_id(self) -> str:
        """The account's id as the connector lands it (``[deleted]`` for the ghost)."""
        return f"t2_{self.id}" if self.id else "[deleted]"


#: Who a deleted account's items are by, as Reddit shows them.
DELETED = Redditor("", "[deleted]")


@dataclass
class Thing:
    """A post (t3) or a comment (t1)."""

    kind: str
    id: str
    author: Redditor | None  # None: the author deleted their account
    created: datetime
    post_id: str  # the post a comment belongs to (itself for a post)
    parent: str | None = None  # fullname of what a comment answers
    title: str = ""

    @property
    def fullname(self) -> str:
        return f"{self.kind}_{self.id}"


class RedditData:
    """A subreddit for the community, drawn deterministically."""

    def __init__(
        self, community: Community, subreddit: str = "acacia", posts_per_day: float = 1.5
    ) -> None:
        self.community = community
        self.subreddit = subreddit
        rng = self.rng = random.Random("reddit")
        self._ids = iter(range(36**4, 36**6))
        self.users: dict[int, Redditor] = {}
        for person in community.people:
            name = reddit_name(person)
            if name is not None:
                self.users[person.key] = Redditor(base36(next(self._ids)), name, person)
        self.things: list[Thing] = []
        for day in range(community.days):
            for _ in range(int(rng.expovariate(1 / posts_per_day))):
                when = community.start + timedelta(days=day, seconds=rng.uniform(0, 86400))
                self._draw_post(when.replace(microsecond=0))
        self.things.sort(key=lambda t: (t.created, t.id))

    def _author(self, when: datetime) -> Redditor | None:
        for _ in range(30):
            user = self.users.get(self.community.pick(when).key)
            if user:
                return None if self.rng.random() < 0.03 else user
        return next(iter(self.users.values()))

    def _draw_post(self, when: datetime) -> None:
        rng, end = self.rng, self.community.end
        post = Thing(
            "t3",
            base36(next(self._ids)),
            self._author(when),
            when,
            "",
            title=f"Anyone using Acacia for {rng.choice(('meetups', 'docs', 'CI'))}?",
        )
        post.post_id = post.id
        self.things.append(post)
        at, parents = when, [post.fullname]
        for _ in range(int(rng.expovariate(1 / 2.5))):
            at += timedelta(hours=rng.expovariate(1 / 8))
            if at > end:
                break
            comment = Thing(
                "t1",
                base36(next(self._ids)),
                self._author(at),
                at,
                post.id,
                parent=rng.choice(parents),
                title=post.title,
            )
            parents.append(comment.fullname)
            self.things.append(comment)

    def add(self, kind: str, person_key: int, when: datetime, post_id: str | None = None) -> Thing:
        """A new post or comment (tests)."""
        thing = Thing(
            kind,
            base36(next(self._ids)),
            self.users[person_key],
            when,
            post_id or "",
            parent=f"t3_{post_id}" if post_id else None,
            title="New thing",
        )
        if kind == "t3":
            thing.post_id = thing.id
        self.things.append(thing)
        return thing

    def accounts(self) -> dict[str, Person]:
        """Every person's account as the connector lands it: user id -> person."""
        return {u.user_id: u.person for u in self.users.values() if u.person}

    def activities(self) -> list[tuple[str, Redditor, datetime]]:
        """Every activity as (type, who, when); a deleted author's count for DELETED."""
        return [
            ("post" if t.kind == "t3" else "comment", t.author or DELETED, t.created)
            for t in self.things
        ]
