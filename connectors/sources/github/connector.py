"""What the GitHub connector fetches, and how it stays incremental.

Per repository, six streams, each with its own cursor (see docs/github.md for the
request budget):

========================  ==============================================  ====================
stream                    endpoint                                        activities
========================  ==============================================  ====================
issues                    /repos/{r}/issues?since=&sort=updated (asc)     issue_opened,
                                                                          pr_opened, pr_merged
issue_events              /repos/{r}/issues/events (newest first)         issue_closed
issue_comments            /repos/{r}/issues/comments?since= (asc)         issue_comment
review_comments           /repos/{r}/pulls/comments?since= (asc)          review_comment
reviews                   GraphQL: 100 pull requests with their reviews   pr_review
                          per request, most recently updated first
stargazers                /repos/{r}/stargazers (star media type)         star
========================  ==============================================  ====================

Reviews go through GraphQL because REST only lists them one pull request at a time
(hundreds of requests for a year of history, against a handful this way).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from connectors.core import clock
from connectors.core.batch import Batch, SavedState, Watermark, each_stream, read_each
from connectors.core.clock import utc
from connectors.core.errors import RateLimitStop, SourceError
from connectors.core.records import Activity, Identity
from connectors.sources.github.client import STAR_MEDIA_TYPE, GitHubClient

log = logging.getLogger(__name__)

SOURCE = "github"
STREAMS = ("issues", "issue_events", "issue_comments", "review_comments", "reviews", "stargazers")

REVIEW_FIELDS = """
  pageInfo { hasNextPage endCursor }
  nodes {
    databaseId state submittedAt url
    author { __typename login ... on User { id databaseId } ... on Bot { id databaseId } }
  }
"""

#: Up to 100 users' profiles in one request, by the ``node_id`` every REST user carries.
PROFILES_QUERY = """
query($ids: [ID!]!) {
  nodes(ids: $ids) {
    __typename
    ... on User {
      id databaseId login name email company location websiteUrl twitterUsername url avatarUrl
      socialAccounts(first: 10) { nodes { provider url } }
    }
    ... on Bot { id databaseId login url avatarUrl }
  }
}
"""
PROFILES_PER_QUERY = 100

REVIEWS_QUERY = (
    """
query($owner: String!, $name: String!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequests(first: 100, after: $cursor, orderBy: {field: UPDATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        number updatedAt url
        reviews(first: 100) {"""
    + REVIEW_FIELDS
    + """}
      }
    }
  }
}
"""
)

#: The rest of one pull request's reviews, when it has more than the first 100.
MORE_REVIEWS_QUERY = (
    """
query($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviews(first: 100, after: $cursor) {"""
    + REVIEW_FIELDS
    + """}
    }
  }
}
"""
)


#: GitHub's own stand-in for deleted accounts (https://github.com/ghost). A payload whose
#: user is gone carries it, ``null``, ``{}`` or no user at all; every one of those is this
#: one identity, flagged deleted, and its activities still count.
GHOST = {"id": 10137, "login": "ghost", "type": "User", "html_url": "https://github.com/ghost"}


def user_of(item: dict[str, Any], key: str = "user") -> dict[str, Any]:
    """The user behind ``item[key]``, or :data:`GHOST` when it is missing or empty."""
    user = item.get(key)
    if not isinstance(user, dict) or user.get("id") is None or user.get("login") == "ghost":
        return GHOST
    return user


def is_bot(user: dict[str, Any]) -> bool:
    return user.get("type") == "Bot" or user.get("login", "").endswith("[bot]")


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class StreamState(SavedState):
    """One stream's saved state (``"<repo>:<stream>"`` in data/state/github.json). Each
    stream uses the fields it needs."""

    #: Since-streams, reviews and stars: the newest time read; issue events: the newest id.
    cursor: str | int | None = None
    #: The ids (pull request numbers, user ids) read at exactly the cursor's second.
    seen: tuple[str, ...] = ()
    #: The ETag of the page a quiet run asks for conditionally, and the ``since`` it
    #: answered (since-streams).
    etag: str | None = None
    etag_since: str | None = None
    #: Stars: the page new stars land on.
    page: int = 1

    def watermark(self, start: str | None = None) -> Watermark:
        return Watermark(self.cursor or start, set(self.seen))

    def marked(self, mark: Watermark, **changes: Any) -> dict[str, Any]:
        """The state with ``mark`` as its cursor."""
        return self.dump(
            cursor=mark.value, seen=tuple(sorted(str(v) for v in mark.seen)), **changes
        )


class GitHubConnector:
    """Reads repositories incrementally and yields :class:`Batch` es of normalized records.

    ``state`` maps ``"owner/repo:stream"`` to that stream's cursor; the caller lands each
    batch, then commits ``batch.state``. ``known_profiles`` holds the user ids whose
    profile is already landed (and fresh), so each profile is looked up once.
    """

    def __init__(
        self,
        client: GitHubClient,
        *,
        organizations: list[str] | None = None,
        repositories: list[str] | None = None,
        backfill_days: int = 365,
        store_bodies: bool = False,
        known_profiles: set[str] | None = None,
        now: datetime | None = None,
    ) -> None:
        self.client = client
        self.organizations = organizations or []
        self.explicit_repositories = repositories or []
        self.backfill_start = iso((now or clock.now()) - timedelta(days=backfill_days))
        self.store_bodies = store_bodies
        self.known_profiles = set(known_profiles or ())
        self._identified: set[str] = set()
        #: Users seen in the current stream whose profile is still to be read.
        self._pending: dict[str, dict[str, Any]] = {}
        self._graphql_profiles = True
        self.problems: list[SourceError] = []

    @property
    def requests(self) -> int:
        return self.client.requests

    # -- orchestration ----------------------------------------------------------------
    def repositories(self) -> list[str]:
        """Explicit repositories plus every repository of the configured organizations."""
        names = list(self.explicit_repositories)
        for org in self.organizations:
            for page in self.client.pages(f"/orgs/{org}/repos", {"type": "all"}):
                names += [r["full_name"] for r in page.items if r["full_name"] not in names]
        return names

    def sync(
        self, state: dict[str, dict[str, Any]], streams: tuple[str, ...] = STREAMS
    ) -> Iterator[Batch]:
        """Every stream of every repository. A failing stream is recorded in
        ``problems`` and the others go on; a spent rate limit stops the sync cleanly."""
        try:
            repositories = self.repositories()
        except SourceError as error:
            self.problems.append(error)
            return
        yield from each_stream(
            (
                (f"{repo} {stream}", partial(self._stream, repo, stream, state))
                for repo in repositories
                for stream in streams
            ),
            self.problems,
        )

    def _stream(self, repo: str, stream: str, state: dict[str, dict[str, Any]]) -> Iterator[Batch]:
        batches = getattr(self, f"_{stream}")(repo, state.get(f"{repo}:{stream}", {}))
        try:
            yield from self._profiled(batches)
        finally:
            # Profiles not read: their pages' cursors did not move, so the next run reads
            # those pages, and their users, again.
            self._identified -= set(self._pending)
            self._pending.clear()

    def _profiled(self, batches: Iterator[Batch]) -> Iterator[Batch]:
        """A stream's batches with their users' profiles, read 100 at a time.

        A batch whose users still wait for their profiles lands without moving the cursor;
        the batch that brings the profiles carries the newest cursor. So an interrupted
        stream never leaves an activity behind a cursor without its actor's identity."""
        held, last = None, None
        for batch in batches:
            last = batch
            batch.identities += self._read_profiles(force=False)
            if batch.state is not None:
                held = None
                if self._pending:
                    held, batch.state = batch.state, None
            yield batch
        if last is not None and (self._pending or held is not None):
            yield Batch(last.stream, last.scope, [], self._read_profiles(force=True), held)

    # -- ascending streams with an inclusive `since` -----------------------------------
    def _since_stream(
        self,
        repo: str,
        stream: str,
        path: str,
        state: dict[str, Any],
        to_activities: Callable[[str, dict], list[Activity]],
    ) -> Iterator[Batch]:
        saved = StreamState.load(state)
        mark = saved.watermark(self.backfill_start)
        since = mark.value
        etag = saved.etag if saved.etag_since == since else None
        params = {"since": since, "sort": "updated", "direction": "asc"}
        if stream == "issues":
            params["state"] = "all"
        first_etag = None
        for page in self.client.pages(f"/repos/{repo}/{path}", params, etag=etag):
            if page.not_modified:
                return
            first_etag = first_etag or page.headers.get("etag")
            fresh: list[dict[str, Any]] = []
            before = mark.copy()  # what is new is judged against the page's start

            def read(
                item: dict[str, Any], fresh: list = fresh, before: Watermark = before
            ) -> list[Activity]:
                at, item_id = item["updated_at"], str(item["id"])
                if not before.is_new(at, item_id):
                    return []
                activities = to_activities(repo, item)
                mark.advance(at, item_id)
                fresh.append(item)
                return activities

            activities, rejects = read_each(page.items, read, stream, repo)
            yield Batch(
                stream,
                repo,
                activities,
                self._identities(fresh, "user"),
                saved.marked(mark, etag=first_etag, etag_since=since),
                rejects,
            )

    def _issues(self, repo: str, state: dict[str, Any]) -> Iterator[Batch]:
        return self._since_stream(repo, "issues", "issues", state, self._issue_activities)

    def _issue_comments(self, repo: str, state: dict[str, Any]) -> Iterator[Batch]:
        return self._since_stream(
            repo, "issue_comments", "issues/comments", state, self._comment_activities
        )

    def _review_comments(self, repo: str, state: dict[str, Any]) -> Iterator[Batch]:
        return self._since_stream(
            repo, "review_comments", "pulls/comments", state, self._comment_activities
        )

    # -- newest-first walks -----------------------------------------------------------
    def _issue_events(self, repo: str, state: dict[str, Any]) -> Iterator[Batch]:
        saved = StreamState.load(state)
        newest_done = saved.cursor
        top, first_etag = newest_done, None
        for page in self.client.pages(f"/repos/{repo}/issues/events", etag=saved.etag):
            if page.not_modified:
                return
            first_etag = first_etag or page.headers.get("etag")
            older, actors = False, []
            walked = []
            for event in page.items:
                stamp = event.get("id"), event.get("created_at")
                if None not in stamp and (
                    (newest_done is not None and stamp[0] <= newest_done)
                    or stamp[1] < self.backfill_start
                ):
                    older = True
                    break
                walked.append(event)

            def read(event: dict[str, Any], actors: list = actors) -> list[Activity]:
                nonlocal top
                if event["event"] != "closed" or "pull_request" in event["issue"]:
                    top = max(top or 0, event["id"])
                    return []
                activity = Activity(
                    SOURCE,
                    f"issue_closed:{event['id']}",
                    "issue_closed",
                    utc(event["created_at"]),
                    str(user_of(event, "actor")["id"]),
                    repo,
                    url=event["issue"]["html_url"],
                    title=event["issue"]["title"],
                    thread_id=f"{repo}#{event['issue']['number']}",
                )
                top = max(top or 0, event["id"])
                actors.append(event)
                return [activity]

            activities, rejects = read_each(walked, read, "issue_events", repo)
            yield Batch(
                "issue_events",
                repo,
                activities,
                self._identities(actors, "actor"),
                rejects=rejects,
            )
            if older:
                break
        yield Batch("issue_events", repo, state=saved.dump(cursor=top, etag=first_etag))

    def _reviews(self, repo: str, state: dict[str, Any]) -> Iterator[Batch]:
        """Pull requests newest-updated first, down to the saved cursor. Pull requests
        updated in the cursor's own second are read again unless they were read then
        (``seen``): GitHub's timestamps are whole seconds."""
        owner, name = repo.split("/", 1)
        saved = StreamState.load(state)
        done_until = saved.cursor or self.backfill_start
        done = {int(n) for n in saved.seen} if saved.cursor else set()
        mark = Watermark(saved.cursor, {str(n) for n in done})
        cursor = None
        while True:
            data = self.client.graphql(
                REVIEWS_QUERY, {"owner": owner, "name": name, "cursor": cursor}
            )
            if data.get("repository") is None:
                raise SourceError(
                    SOURCE,
                    f"GraphQL could not find repository {repo}.",
                    "Check the repository name and the token's access.",
                )
            connection = data["repository"]["pullRequests"]
            older, activities, authors, rejects = False, [], [], []
            for pr in connection["nodes"]:
                if pr["updatedAt"] < done_until:
                    older = True
                    break
                if pr["updatedAt"] == done_until and pr["number"] in done:
                    continue
                mark.advance(pr["updatedAt"], str(pr["number"]))

                def read(review: dict, pr: dict = pr, authors: list = authors) -> list[Activity]:
                    if not review.get("submittedAt"):
                        return []  # a pending review
                    author = review.get("author") or {}  # null: a deleted account
                    user = user_of(
                        {
                            "user": {
                                "id": author.get("databaseId"),
                                "node_id": author.get("id"),
                                "login": author.get("login"),
                                "type": author.get("__typename"),
                            }
                        }
                    )
                    activity = Activity(
                        SOURCE,
                        f"pr_review:{review['databaseId']}",
                        "pr_review",
                        utc(review["submittedAt"]),
                        str(user["id"]),
                        repo,
                        url=review["url"],
                        thread_id=f"{repo}#{pr['number']}",
                        extra={"state": review["state"]},
                    )
                    authors.append({"user": user})
                    return [activity]

                read_activities, read_rejects = read_each(
                    self._all_reviews(owner, name, pr), read, "reviews", repo
                )
                activities += read_activities
                rejects += read_rejects
            yield Batch(
                "reviews", repo, activities, self._identities(authors, "user"), rejects=rejects
            )
            if older or not connection["pageInfo"]["hasNextPage"]:
                break
            cursor = connection["pageInfo"]["endCursor"]
        yield Batch("reviews", repo, state=saved.marked(mark))

    def _all_reviews(self, owner: str, name: str, pr: dict[str, Any]) -> list[dict[str, Any]]:
        """A pull request's reviews: the first 100 came with it, the rest page by page."""
        reviews = pr["reviews"]
        nodes = list(reviews["nodes"])
        page = reviews.get("pageInfo") or {}
        while page.get("hasNextPage"):
            data = self.client.graphql(
                MORE_REVIEWS_QUERY,
                {"owner": owner, "name": name, "number": pr["number"], "cursor": page["endCursor"]},
            )
            more = ((data.get("repository") or {}).get("pullRequest") or {}).get("reviews")
            if not more:
                break  # the pull request went away between the two reads
            nodes += more["nodes"]
            page = more.get("pageInfo") or {}
        return nodes

    # -- stars: oldest first, new ones at the end ------------------------------------------
    def _stargazers(self, repo: str, state: dict[str, Any]) -> Iterator[Batch]:
        saved = StreamState.load(state)
        mark = saved.watermark()
        number = start = max(int(saved.page), 1)
        for page in self.client.pages(
            f"/repos/{repo}/stargazers",
            {"page": start},
            etag=saved.etag,
            accept=STAR_MEDIA_TYPE,
        ):
            if page.not_modified:
                return
            if not page.items and start > 1:
                # Unstars moved the end of the list back a page: read from there.
                yield from self._stargazers(repo, saved.dump(page=start - 1, etag=None))
                return
            fresh: list[dict[str, Any]] = []
            before = mark.copy()

            def read(
                star: dict[str, Any], fresh: list = fresh, before: Watermark = before
            ) -> list[Activity]:
                at, user_id = star["starred_at"], str(user_of(star)["id"])
                if not before.is_new(at, user_id):
                    return []
                mark.advance(at, user_id)
                fresh.append(star)
                if at < self.backfill_start:
                    return []
                activity = Activity(
                    SOURCE,
                    f"star:{repo}:{user_id}",
                    "star",
                    utc(at),
                    user_id,
                    repo,
                    url=f"https://github.com/{repo}/stargazers",
                )
                return [activity]

            activities, rejects = read_each(page.items, read, "stargazers", repo)
            # The next run starts at the last page, conditionally: new stars land there.
            yield Batch(
                "stargazers",
                repo,
                activities,
                self._identities(fresh, "user"),
                saved.marked(mark, page=number, etag=page.headers.get("etag")),
                rejects,
            )
            number += 1

    # -- records ------------------------------------------------------------------------
    def _issue_activities(self, repo: str, issue: dict[str, Any]) -> list[Activity]:
        is_pr = "pull_request" in issue
        actor, thread = str(user_of(issue)["id"]), f"{repo}#{issue['number']}"
        extra = {
            "number": issue["number"],
            "state": issue["state"],
            "labels": [label["name"] for label in issue.get("labels", [])],
        }
        kind = "pr" if is_pr else "issue"
        activities = [
            Activity(
                SOURCE,
                f"{kind}_opened:{issue['id']}",
                f"{kind}_opened",
                utc(issue["created_at"]),
                actor,
                repo,
                url=issue["html_url"],
                title=issue["title"],
                thread_id=thread,
                body=issue.get("body") if self.store_bodies else None,
                extra=extra,
            )
        ]
        merged_at = is_pr and issue["pull_request"].get("merged_at")
        if merged_at:
            activities.append(
                Activity(
                    SOURCE,
                    f"pr_merged:{issue['id']}",
                    "pr_merged",
                    utc(merged_at),
                    actor,
                    repo,
                    url=issue["html_url"],
                    title=issue["title"],
                    thread_id=thread,
                    extra=extra,
                )
            )
        return activities

    def _comment_activities(self, repo: str, comment: dict[str, Any]) -> list[Activity]:
        review = "pull_request_review_id" in comment
        review_id = comment.get("pull_request_review_id")  # null on some old comments
        parent_url = comment["pull_request_url" if review else "issue_url"]
        number = parent_url.rstrip("/").rsplit("/", 1)[1]
        kind = "review_comment" if review else "issue_comment"
        return [
            Activity(
                SOURCE,
                f"{kind}:{comment['id']}",
                kind,
                utc(comment["created_at"]),
                str(user_of(comment)["id"]),
                repo,
                url=comment["html_url"],
                thread_id=f"{repo}#{number}",
                parent_id=f"pr_review:{review_id}" if review_id is not None else None,
                body=comment.get("body") if self.store_bodies else None,
            )
        ]

    def _identities(self, items: list[dict[str, Any]], user_key: str) -> list[Identity]:
        """Identities for the users behind ``items`` not yet landed in this run: the short
        user object for bots and accounts whose profile is gone, now; everyone else waits
        for their full profile (:meth:`_profiled` reads them, once per person)."""
        identities = []
        for item in items:
            user = user_of(item, user_key)
            user_id = str(user["id"])
            if user_id in self._identified:
                continue
            self._identified.add(user_id)
            if user_id in self.known_profiles:
                continue
            if user is GHOST or is_bot(user):
                identities.append(self._identity(user, has_profile=False))
            else:
                self._pending[user_id] = user
        return identities

    def _read_profiles(self, *, force: bool) -> list[Identity]:
        """Identities of the users waiting for a profile, in full requests of 100 (and the
        rest too when ``force``)."""
        ready = len(self._pending) // PROFILES_PER_QUERY * PROFILES_PER_QUERY
        waiting = list(self._pending.values())[: len(self._pending) if force else ready]
        if not waiting:
            return []
        profiles = self._profiles(waiting)
        identities = []
        for user in waiting:
            profile = profiles.get(str(user["id"]))
            identities.append(self._identity(profile or user, has_profile=profile is not None))
            del self._pending[str(user["id"])]
        return identities

    def _profiles(self, users: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Profiles by user id, as REST's ``/users/{login}`` shapes them. GraphQL's
        ``nodes(ids:)`` reads 100 a request; a user without a ``node_id``, or a GitHub
        Enterprise whose GraphQL refuses the query, is read through REST one by one."""
        profiles: dict[str, dict[str, Any]] = {}
        by_node = [u for u in users if u.get("node_id")] if self._graphql_profiles else []
        for start in range(0, len(by_node), PROFILES_PER_QUERY):
            chunk = by_node[start : start + PROFILES_PER_QUERY]
            try:
                data = self.client.graphql(
                    PROFILES_QUERY, {"ids": [u["node_id"] for u in chunk]}, partial=True
                )
            except RateLimitStop:
                raise
            except SourceError as error:
                log.warning("%s Reading profiles through REST instead.", error)
                self._graphql_profiles = False
                break
            for node in data.get("nodes") or []:
                if node and node.get("databaseId") is not None:
                    profiles[str(node["databaseId"])] = _as_rest_user(node)
            # An id GraphQL could not resolve (null) is an account gone since: no profile.
            profiles.update({str(u["id"]): {} for u in chunk if str(u["id"]) not in profiles})
        for user in users:
            if str(user["id"]) not in profiles:
                profiles[str(user["id"])] = self._rest_profile(user["login"]) or {}
        return {user_id: profile for user_id, profile in profiles.items() if profile}

    def _rest_profile(self, login: str) -> dict[str, Any] | None:
        try:
            return self.client.get(f"/users/{login}").items
        except SourceError as error:
            if "answered 404" in error.problem:
                return None
            raise

    @staticmethod
    def _identity(user: dict[str, Any], *, has_profile: bool) -> Identity:
        return Identity(
            source=SOURCE,
            source_user_id=str(user["id"]),
            username=user["login"],
            display_name=user.get("name") or None,
            email=user.get("email") or None,
            company=user.get("company") or None,
            location=user.get("location") or None,
            is_bot=is_bot(user),
            profile_url=user.get("html_url"),
            avatar_url=user.get("avatar_url"),
            has_profile=has_profile,
            is_deleted=user.get("login") == GHOST["login"],
            # Links to the person's other accounts (identity evidence), when public.
            # Links to the person's other accounts: evidence for identity resolution.
            extra={
                k: user[k] for k in ("blog", "twitter_username", "social_accounts") if user.get(k)
            },
        )


def _as_rest_user(node: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL User or Bot node under the names of REST's user object."""
    return {
        "id": node["databaseId"],
        "node_id": node.get("id"),
        "login": node["login"],
        "type": node.get("__typename", "User"),
        "name": node.get("name"),
        "email": node.get("email") or None,  # "" when the address is not public
        "company": node.get("company"),
        "location": node.get("location"),
        "blog": node.get("websiteUrl"),
        "twitter_username": node.get("twitterUsername"),
        # GraphQL only (REST needs a request per user): the profile's social links.
        "social_accounts": [
            n["url"] for n in (node.get("socialAccounts") or {}).get("nodes") or [] if n
        ],
        "html_url": node.get("url"),
        "avatar_url": node.get("avatarUrl"),
    }
