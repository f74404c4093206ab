"""The sample community as GitHub sees it: repositories, issues, pull requests,
comments, reviews, issue events and stars, drawn deterministically from the community.

The data is mutable (``add_issue_comment``, ``add_star``), so tests can make something
new happen between two syncs and check that only that is fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count

from sample import outreach
from sample.community import Community, Person

TITLES = (
    "Crash when {x} is empty",
    "Add support for {x}",
    "Document {x}",
    "Improve {x} performance",
    "{x} fails on Windows",
    "Refactor {x}",
    "Question: how do I configure {x}?",
    "Typo in {x} docs",
    "Flaky test in {x}",
    "Upgrade {x} dependency",
)
THINGS = (
    "the importer",
    "webhooks",
    "the CLI",
    "OAuth login",
    "search",
    "the REST client",
    "pagination",
    "caching",
    "the plugin API",
    "i18n",
    "dark mode",
    "exports",
)


@dataclass
class Issue:
    id: int
    number: int
    title: str
    author: Person
    created_at: datetime
    is_pr: bool
    updated_at: datetime
    closed_at: datetime | None = None
    closed_by: Person | None = None
    merged_at: datetime | None = None


@dataclass
class Comment:
    id: int
    issue_number: int
    author: Person
    created_at: datetime
    updated_at: datetime
    review_id: int | None = None  # set for review comments


@dataclass
class Review:
    id: int
    pr_number: int
    author: Person
    state: str
    submitted_at: datetime


@dataclass
class Event:
    id: int
    issue_number: int
    actor: Person
    event: str
    created_at: datetime


@dataclass
class Repo:
    id: int
    owner: str
    name: str
    issues: dict[int, Issue] = field(default_factory=dict)
    issue_comments: list[Comment] = field(default_factory=list)
    review_comments: list[Comment] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    stars: list[tuple[Person, datetime]] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


class GitHubData:
    """Repositories of one organization, filled from the community."""

    def __init__(
        self,
        community: Community,
        org: str = "acacia-sample",
        repos: tuple[tuple[str, int], ...] = (("core", 420), ("docs", 160), ("website", 120)),
        comments_per_issue: float = 3.0,
    ) -> None:
        self.community = community
        self.org = org
        self.ids = count(10_000)
        self.users = {p.login: p for p in [*community.people, *community.bots]}
        self.repos: dict[str, Repo] = {}
        for name, n_issues in repos:
            repo = Repo(id=next(self.ids), owner=org, name=name)
            self.repos[repo.full_name] = repo
            for number in range(1, n_issues + 1):
                self._draw_issue(repo, number, comments_per_issue)
            self._draw_stars(repo, n_issues // 2)
        self._add_regulars()

    # -- drawing ----------------------------------------------------------------------
    def _draw_issue(self, repo: Repo, number: int, comments_per_issue: float) -> None:
        c, rng, end = self.community, self.community.rng, self.community.end
        created = c.random_time()
        is_pr = rng.random() < 0.45
        dependabot, actions_bot, release_helper = c.bots
        author = dependabot if is_pr and rng.random() < 0.08 else c.pick(created)
        title = rng.choice(TITLES).format(x=rng.choice(THINGS))
        issue = Issue(next(self.ids), number, title, author, created, is_pr, created)
        repo.issues[number] = issue
        moments = [created]

        when = created
        for _ in range(min(int(rng.expovariate(1 / comments_per_issue)), 30)):
            when = c.random_time(after=when, within_days=6)
            if when > end:
                break
            if is_pr and rng.random() < 0.1:
                who = actions_bot if rng.random() < 0.7 else release_helper
            elif rng.random() < 0.3 and not author.is_bot:
                who = author
            else:
                who = c.pick(when, staff_bias=3)
            repo.issue_comments.append(Comment(next(self.ids), number, who, when, when))
            moments.append(when)

        if is_pr:
            when = created
            for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
                when = c.random_time(after=when, within_days=4)
                if when > end:
                    break
                reviewer = c.pick(when, staff_bias=6, exclude=author)
                state = rng.choice(("APPROVED", "APPROVED", "COMMENTED", "CHANGES_REQUESTED"))
                review = Review(next(self.ids), number, reviewer, state, when)
                repo.reviews.append(review)
                for _ in range(rng.choice((0, 0, 1, 2, 3))):
                    repo.review_comments.append(
                        Comment(next(self.ids), number, reviewer, when, when, review.id)
                    )
                moments.append(when)
            outcome = rng.random()
            closed = c.random_time(after=max(moments), within_days=5)
            if outcome < 0.65 and closed <= end:
                merger = c.pick(closed, staff_bias=10)
                issue.merged_at = issue.closed_at = closed
                issue.closed_by = merger
                repo.events.append(Event(next(self.ids), number, merger, "merged", closed))
                repo.events.append(Event(next(self.ids), number, merger, "closed", closed))
                moments.append(closed)
            elif outcome < 0.8 and closed <= end:
                self._close(repo, issue, closed, c.pick(closed, staff_bias=10))
                moments.append(closed)
        elif rng.random() < 0.6:
            closed = c.random_time(after=max(moments), within_days=10)
            if closed <= end:
                self._close(repo, issue, closed, c.pick(closed, staff_bias=8))
                moments.append(closed)
        issue.updated_at = max(moments)

    def _add_regulars(self) -> None:
        """An "Introduce yourself" issue a staff member opens as the year starts, where the
        hard cases' people comment at their moments (Community.regulars), and lapsed
        contributors when they come back (sample/outreach.py)."""
        regulars = self.community.regulars()
        if not regulars:
            return
        repo = next(iter(self.repos.values()))
        opened = self.community.start + timedelta(hours=1)
        issue = self.add_issue(repo.full_name, self.community.people[0], opened)
        issue.title = "Introduce yourself"
        for person, moments in regulars:
            for when in moments:
                self.add_issue_comment(repo.full_name, issue.number, person, when)
        # Contributors who go quiet, and come back, asked or not (sample/outreach.py).
        told = outreach.story(self.community)
        for person, when, title in told.pull_requests:
            pull = self.add_issue(repo.full_name, person, when, is_pr=True)
            pull.title = title
            pull.merged_at = pull.closed_at = pull.updated_at = when + timedelta(days=1)
        for person, when in told.comebacks:
            self.add_issue_comment(repo.full_name, issue.number, person, when)

    def _close(self, repo: Repo, issue: Issue, when: datetime, who: Person) -> None:
        issue.closed_at, issue.closed_by = when, who
        repo.events.append(Event(next(self.ids), issue.number, who, "closed", when))

    def _draw_stars(self, repo: Repo, n: int) -> None:
        starred: set[str] = set()
        c = self.community
        for _ in range(n):
            when = c.random_time()
            person = c.pick(when)
            if person.login not in starred:
                starred.add(person.login)
                repo.stars.append((person, when))
        repo.stars.sort(key=lambda star: star[1])

    # -- changes between syncs (tests) ----------------------------------------------
    def add_issue_comment(
        self, full_name: str, number: int, person: Person, when: datetime
    ) -> Comment:
        """A new comment on an issue: the issue's ``updated_at`` moves too, as on GitHub."""
        repo = self.repos[full_name]
        comment = Comment(next(self.ids), number, person, when, when)
        repo.issue_comments.append(comment)
        issue = repo.issues[number]
        issue.updated_at = max(issue.updated_at, when)
        return comment

    def add_star(self, full_name: str, person: Person, when: datetime) -> None:
        self.repos[full_name].stars.append((person, when))

    def add_issue(
        self, full_name: str, person: Person, when: datetime, *, is_pr: bool = False
    ) -> Issue:
        repo = self.repos[full_name]
        number = max(repo.issues, default=0) + 1
        issue = Issue(next(self.ids), number, "A new issue", person, when, is_pr, when)
        repo.issues[number] = issue
        return issue

    # -- what tests compare against -----------------------------------------------------
    def activities(self) -> list[tuple[str, Person, datetime]]:
        """Every activity as (type, who, when), read off the drawn data rather than the
        API payloads, so tests can work out expected figures independently."""
        out: list[tuple[str, Person, datetime]] = []
        for repo in self.repos.values():
            for issue in repo.issues.values():
                out.append(
                    ("pr_opened" if issue.is_pr else "issue_opened", issue.author, issue.created_at)
                )
                if issue.merged_at:
                    out.append(("pr_merged", issue.author, issue.merged_at))
            out += [
                ("issue_closed", e.actor, e.created_at)
                for e in repo.events
                if e.event == "closed" and not repo.issues[e.issue_number].is_pr
            ]
            out += [("issue_comment", c.author, c.created_at) for c in repo.issue_comments]
            out += [("review_comment", c.author, c.created_at) for c in repo.review_comments]
            out += [("pr_review", r.author, r.submitted_at) for r in repo.reviews]
            # A deleted account's stars go with it.
            out += [("star", p, when) for p, when in repo.stars if not p.is_deleted]
        return out

    @staticmethod
    def user_id(person: Person) -> int:
        """The id the connector lands for ``person``: GitHub's ghost once deleted."""
        return 10137 if person.is_deleted else 1000 + person.key

    def accounts(self) -> dict[str, Person]:
        """Every person's account as the connector lands it: user id -> person (deleted
        accounts land as GitHub's ghost, who is nobody; bots are nobody)."""
        return {str(self.user_id(p)): p for p in self.community.people if not p.is_deleted}

    def expected_counts(self) -> dict[str, int]:
        """How many activities of each type the connector should produce."""
        counts: dict[str, int] = {}
        for kind, _, _ in self.activities():
            counts[kind] = counts.get(kind, 0) + 1
        return counts
