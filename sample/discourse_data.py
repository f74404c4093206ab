"""The sample community as a Discourse forum sees it: categories, topics, replies,
accepted solutions, staff, the ``system`` account and a few deleted users.

Forum usernames are often not the GitHub login (``ana_silva``, ``asilva``), but with an
admin key the forum gives the same email as elsewhere.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sample.community import Community, Person, unique_handle

CATEGORIES = (("Support", 1.0), ("Ideas", 0.4), ("Development", 0.5), ("Announcements", 0.1))


@dataclass
class ForumUser:
    id: int
    username: str
    name: str | None
    email: str | None
    person: Person | None = None
    moderator: bool = False
    admin: bool = False
    deleted: bool = False


@dataclass
class Post:
    id: int
    topic_id: int
    post_number: int
    user: ForumUser
    created_at: datetime
    updated_at: datetime
    reply_to_post_number: int | None = None
    accepted_answer: bool = False


@dataclass
class Topic:
    id: int
    title: str
    category_id: int
    posts: list[Post] = field(default_factory=list)
    bumped_at: datetime | None = None

    @property
    def accepted(self) -> Post | None:
        return next((p for p in self.posts if p.accepted_answer), None)


class DiscourseData:
    """A forum for the community, drawn deterministically."""

    def __init__(self, community: Community, topics_per_week: float = 12.0) -> None:
        self.community = community
        self.rng = rng = random.Random("discourse")
        self.users: dict[int, ForumUser] = {}
        self.system = ForumUser(-1, "system", "system", None, admin=True)
        self.users[-1] = self.system
        taken = {"system"}
        for person in community.people:
            if (rng.random() < 0.55) | bool(person.forum_email or person.other_email):
                first, last = person.name.lower().split(" ", 1)
                drawn = rng.choice(
                    [
                        person.login,
                        f"{first}_{last}",
                        f"{first[0]}{last}",
                        f"{first}{rng.randint(1, 99)}",
                    ]
                )
                username = unique_handle(person.handle_on("discourse", drawn), taken)
                staff = bool(person.organization and person.organization.is_staff)
                user = ForumUser(
                    len(self.users) + 1,
                    username,
                    person.name_on("discourse"),
                    person.forum_email or person.email,
                    person,
                    moderator=staff,
                )
                self.users[user.id] = user
        regulars = self.community.regulars()
        keep = {person.key for person, _ in regulars}
        for user in rng.sample(
            [u for u in self.users.values() if u.person and u.person.key not in keep], 2
        ):
            user.deleted = True
        self.by_person = {u.person.key: u for u in self.users.values() if u.person}
        self.categories = {n + 5: name for n, (name, _) in enumerate(CATEGORIES)}
        weights = [w for _, w in CATEGORIES]
        self.topics: dict[int, Topic] = {}
        self._post_ids = iter(range(1000, 10_000_000))
        welcome = self._topic(
            "Welcome to the forum", 8, self.system, community.start + timedelta(hours=1)
        )
        # The hard cases' people reply there at their moments (Community.regulars).
        due = sorted((when, p.key) for p, moments in regulars for when in moments)
        for when, key in due:
            if (user := self.by_person.get(key)) is not None:
                self.reply(welcome.id, user, when)
        for week in range(community.days // 7):
            for _ in range(int(rng.expovariate(1 / topics_per_week))):
                when = community.start + timedelta(weeks=week, seconds=rng.uniform(0, 604800))
                category = rng.choices(list(self.categories), weights=weights)[0]
                self._draw_topic(category, when.replace(microsecond=0))

    def _author(self, when: datetime, exclude: ForumUser | None = None) -> ForumUser:
        for _ in range(30):
            user = self.by_person.get(self.community.pick(when, staff_bias=2).key)
            if user and user is not exclude:
                return user
        return next(u for u in self.users.values() if u.person and u is not exclude)

    def _topic(self, title: str, category_id: int, user: ForumUser, when: datetime) -> Topic:
        topic = Topic(len(self.topics) + 100, title, category_id, bumped_at=when)
        self.topics[topic.id] = topic
        topic.posts.append(Post(next(self._post_ids), topic.id, 1, user, when, when))
        return topic

    def _draw_topic(self, category_id: int, when: datetime) -> None:
        rng, end = self.rng, self.community.end
        author = self._author(when)
        topic = self._topic(
            f"How do I {rng.choice(('configure', 'upgrade', 'debug'))} "
            f"{rng.choice(('webhooks', 'the API', 'themes', 'imports'))}?",
            category_id,
            author,
            when,
        )
        at = when
        for _ in range(int(rng.expovariate(1 / 3.0))):
            at += timedelta(hours=rng.expovariate(1 / 20))
            if at > end:
                break
            who = self._author(at, exclude=author if rng.random() < 0.7 else None)
            reply_to = rng.choice([None, 1]) if len(topic.posts) > 1 else 1
            post = Post(next(self._post_ids), topic.id, len(topic.posts) + 1, who, at, at, reply_to)
            if rng.random() < 0.05:  # an edit, later
                post.updated_at = min(at + timedelta(days=1), end)
            topic.posts.append(post)
            topic.bumped_at = at
        if (
            self.categories[category_id] == "Support"
            and len(topic.posts) > 1
            and rng.random() < 0.5
        ):
            answer = rng.choice(
                [p for p in topic.posts[1:] if p.user is not author] or topic.posts[1:]
            )
            answer.accepted_answer = True

    # -- changes between syncs (tests) ----------------------------------------------
    def reply(self, topic_id: int, user: ForumUser, when: datetime) -> Post:
        topic = self.topics[topic_id]
        post = Post(next(self._post_ids), topic_id, len(topic.posts) + 1, user, when, when)
        topic.posts.append(post)
        topic.bumped_at = when
        return post

    def accept(self, topic_id: int, post_number: int, when: datetime) -> Post:
        topic = self.topics[topic_id]
        post = topic.posts[post_number - 1]
        post.accepted_answer = True
        topic.bumped_at = max(topic.bumped_at or when, when)
        return post

    # -- what tests compare against -----------------------------------------------------
    def accounts(self) -> dict[str, Person]:
        """Every person's account as the connector lands it: user id -> person (deleted
        users land as the ghost, who is nobody)."""
        return {str(u.id): u.person for u in self.users.values() if u.person and not u.deleted}

    def activities(self) -> list[tuple[str, ForumUser, datetime]]:
        out: list[tuple[str, ForumUser, datetime]] = []
        for topic in self.topics.values():
            for post in topic.posts:
                kind = "topic_created" if post.post_number == 1 else "post_reply"
                out.append((kind, post.user, post.created_at))
            if topic.accepted:
                out.append(("solution_accepted", topic.accepted.user, topic.accepted.created_at))
        return out
