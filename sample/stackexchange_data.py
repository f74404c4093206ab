"""The sample community on a Stack Exchange site: questions in the project's tag, answers
(some accepted), comments, and users with their reputation and location."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sample.community import Community, Person


@dataclass
class SEUser:
    user_id: int
    display_name: str
    reputation: int
    location: str | None
    person: Person | None = None
    #: The account was deleted: its posts stay, owned by "does_not_exist".
    deleted: bool = False

    @property
    def landed_id(self) -> str:
        """The owner's id as the connector lands it (``deleted`` for the ghost)."""
        return "deleted" if self.deleted else str(self.user_id)


@dataclass
class Comment:
    comment_id: int
    post_id: int
    owner: SEUser
    created: datetime


@dataclass
class Answer:
    answer_id: int
    question_id: int
    owner: SEUser
    created: datetime
    accepted: bool = False
    comments: list[Comment] = field(default_factory=list)


@dataclass
class Question:
    question_id: int
    title: str
    owner: SEUser
    created: datetime
    tags: list[str]
    answers: list[Answer] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)

    @property
    def last_activity(self) -> datetime:
        moments = (
            [self.created]
            + [a.created for a in self.answers]
            + [c.created for c in self.comments]
            + [c.created for a in self.answers for c in a.comments]
        )
        return max(moments)


#: Endings of question titles; some with characters the API HTML-encodes.
PLACES = ("on Windows", 'with "Docker"', "plugins & themes")


class StackExchangeData:
    """Questions tagged for the project on one site, drawn deterministically."""

    def __init__(
        self, community: Community, tag: str = "acacia", questions_per_day: float = 1.0
    ) -> None:
        self.community = community
        self.tag = tag
        rng = self.rng = random.Random("stackexchange")
        self._ids = iter(range(70_000_000, 90_000_000))
        self.users: dict[int, SEUser] = {}
        for person in community.people:
            if rng.random() < 0.4:
                first, last = person.name.split(" ", 1)
                name = person.name_on(
                    "stackexchange",
                    rng.choice([person.name, f"{first} {last[0]}.", person.login]),
                )
                self.users[person.key] = SEUser(
                    1_000_000 + person.key,
                    name,
                    int(rng.paretovariate(1.1) * 50),
                    person.location,
                    person,
                )
        self.questions: dict[int, Question] = {}
        for day in range(community.days):
            for _ in range(int(rng.expovariate(1 / questions_per_day))):
                when = community.start + timedelta(days=day, seconds=rng.uniform(0, 86400))
                self._draw(when.replace(microsecond=0))
        # Two accounts deleted since they posted (drawn after everything, so the rest of
        # the draw does not move).
        posters = sorted({q.owner.user_id for q in self.questions.values()})
        for user in self.users.values():
            if user.user_id in posters[3:5] and user.person and not user.person.is_bot:
                user.deleted = True

    def _user(self, when: datetime, exclude: SEUser | None = None) -> SEUser:
        for _ in range(30):
            user = self.users.get(self.community.pick(when, staff_bias=2).key)
            if user and user is not exclude:
                return user
        return next(u for u in self.users.values() if u is not exclude)

    def _comment(self, post_id: int, after: datetime) -> Comment | None:
        when = after + timedelta(hours=self.rng.expovariate(1 / 10))
        if when > self.community.end:
            return None
        return Comment(next(self._ids), post_id, self._user(when), when)

    def _draw(self, when: datetime) -> None:
        rng, end = self.rng, self.community.end
        asker = self._user(when)
        question = Question(
            next(self._ids),
            f"How to {rng.choice(('install', 'extend'))} Acacia {rng.choice(PLACES)}?",
            asker,
            when,
            [self.tag, rng.choice(("python", "api", "docker"))],
        )
        self.questions[question.question_id] = question
        for _ in range(int(rng.expovariate(1 / 0.8))):
            if (c := self._comment(question.question_id, when)) is not None:
                question.comments.append(c)
        at = when
        for _ in range(int(rng.expovariate(1 / 1.4))):
            at += timedelta(hours=rng.expovariate(1 / 12))
            if at > end:
                break
            answer = Answer(next(self._ids), question.question_id, self._user(at, asker), at)
            for _ in range(int(rng.expovariate(1 / 0.6))):
                if (c := self._comment(answer.answer_id, at)) is not None:
                    answer.comments.append(c)
            question.answers.append(answer)
        if question.answers and rng.random() < 0.55:
            rng.choice(question.answers).accepted = True

    def answer(self, question_id: int, person_key: int, when: datetime) -> Answer:
        """A new answer (tests)."""
        answer = Answer(next(self._ids), question_id, self.users[person_key], when)
        self.questions[question_id].answers.append(answer)
        return answer

    def accounts(self) -> dict[str, Person]:
        """Every person's account as the connector lands it: user id -> person (deleted
        accounts land as the ghost, who is nobody)."""
        return {u.landed_id: u.person for u in self.users.values() if u.person and not u.deleted}

    def activities(self) -> list[tuple[str, SEUser, datetime]]:
        out: list[tuple[str, SEUser, datetime]] = []
        for q in self.questions.values():
            out.append(("question", q.owner, q.created))
            out += [("comment", c.owner, c.created) for c in q.comments]
            for a in q.answers:
                out.append(("answer", a.owner, a.created))
                if a.accepted:
                    out.append(("answer_accepted", a.owner, a.created))
                out += [("comment", c.owner, c.created) for c in a.comments]
        return out
