"""A fake GitHub REST (and a sliver of GraphQL) API over :class:`GitHubData`.

It speaks the parts of the protocol the connector relies on, as GitHub does: page-based
pagination with absolute ``Link`` headers, ``since``/``sort``/``direction``, weak ETags
with ``304 Not Modified`` (which do not count against the rate limit), the
``X-RateLimit-*`` headers, the star media type, ``Bad credentials`` on a wrong token, and
the rate-limit failures GitHub really sends (see :meth:`FakeGitHub.fault_response`).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sample.base import DemoSource, FakeAPI, Fault
from sample.community import Person
from sample.github_data import Comment, GitHubData, Issue, Repo
from sample.reddit_data import links_reddit, reddit_url

STAR_MEDIA_TYPE = "application/vnd.github.star+json"


def iso(when: datetime | None) -> str | None:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def parse_since(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


class FakeGitHub(FakeAPI):
    """GitHub's REST API for the sample community. ``tokens``: accepted tokens (None: any)."""

    name = "github"

    def __init__(
        self, data: GitHubData, tokens: set[str] | None = None, rate_limit: int = 5000
    ) -> None:
        super().__init__()
        self.data = data
        self.tokens = tokens
        self.rate_limit = rate_limit
        self.used = 0
        self.window_reset = int(time.time()) + 3600

    def rules(self) -> list[Rule]:
        return [
            Rule("/user", endpoint="authenticated_user"),
            Rule("/rate_limit", endpoint="rate_limit"),
            Rule("/users/<login>", endpoint="user"),
            Rule("/orgs/<org>/repos", endpoint="org_repos"),
            Rule("/repos/<owner>/<name>", endpoint="repo"),
            Rule("/repos/<owner>/<name>/issues", endpoint="issues"),
            Rule("/repos/<owner>/<name>/issues/comments", endpoint="issue_comments"),
            Rule("/repos/<owner>/<name>/issues/events", endpoint="issue_events"),
            Rule("/repos/<owner>/<name>/pulls/comments", endpoint="review_comments"),
            Rule("/repos/<owner>/<name>/stargazers", endpoint="stargazers"),
            Rule("/graphql", endpoint="graphql", methods=["POST"]),
        ]

    # -- protocol ----------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        if self.tokens is not None and not request.path.startswith("/_fake"):
            auth = request.headers.get("Authorization", "")
            token = auth.split(" ", 1)[1] if " " in auth else ""
            if token not in self.tokens:
                return self.json(
                    {
                        "message": "Bad credentials",
                        "documentation_url": "https://docs.github.com/rest",
                    },
                    401,
                )
        return super().dispatch(request)

    def extra_headers(self, request: Request, response: Response) -> None:
        if time.time() >= self.window_reset:  # a new hour, a new quota
            self.used, self.window_reset = 0, int(time.time()) + 3600
        if response.status_code != 304:  # conditional hits are free on GitHub
            self.used += 1
        response.headers.update(
            {
                "X-RateLimit-Limit": str(self.rate_limit),
                "X-RateLimit-Remaining": str(max(self.rate_limit - self.used, 0)),
                "X-RateLimit-Used": str(self.used),
                "X-RateLimit-Reset": str(self.window_reset),
                "X-RateLimit-Resource": "graphql" if request.path == "/graphql" else "core",
            }
        )

    def fault_response(self, fault: Fault, request: Request) -> Response | None:
        retry_after = str(fault.params.get("retry_after", 1))
        if fault.kind in ("rate_limit_429", "secondary_403"):
            # GitHub answers secondary limits with 429 or 403, both with Retry-After.
            message = (
                "You have exceeded a secondary rate limit. Please wait a few minutes "
                "before you try again."
            )
            status = 429 if fault.kind == "rate_limit_429" else 403
            return self.json({"message": message}, status, {"Retry-After": retry_after})
        if fault.kind == "primary_exhausted":
            # The primary limit is spent until ``reset_in`` seconds from now.
            self.used = self.rate_limit
            self.window_reset = int(time.time()) + int(fault.params.get("reset_in", 3600))
            return self.json({"message": "API rate limit exceeded for user ID 1."}, 403)
        if fault.kind == "graphql_refused":
            # An older GitHub Enterprise: the query's field does not exist there.
            return self.json(
                {"errors": [{"message": "Field 'nodes' doesn't exist on type 'Query'"}]}
            )
        return super().fault_response(fault, request)

    def page(
        self, request: Request, items: list[Any], render: Any, media: str = "application/json"
    ) -> Response:
        """One page of ``items`` with GitHub's Link header, ETag and 304 handling."""
        per_page = min(int(request.args.get("per_page", 30)), 100)
        page = max(int(request.args.get("page", 1)), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        body = json.dumps([render(item, request) for item in chunk])
        links = []
        base = request.host_url.rstrip("/") + request.path
        for rel, number in (("prev", page - 1), ("next", page + 1), ("last", last), ("first", 1)):
            if 1 <= number <= last and number != page:
                query = {**request.args.to_dict(), "page": number}
                links.append(f'<{base}?{urlencode(query)}>; rel="{rel}"')
        headers = {"Link": ", ".join(links)} if links else {}
        return self.conditional(request, body, headers, media)

    def conditional(
        self, request: Request, body: str, headers: dict[str, str], media: str = "application/json"
    ) -> Response:
        etag = f'W/"{hashlib.sha1(body.encode()).hexdigest()}"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag, **headers})
        return Response(
            body, headers={"ETag": etag, **headers}, content_type=f"{media}; charset=utf-8"
        )

    def repo_or_404(self, owner: str, name: str) -> Repo:
        repo = self.data.repos.get(f"{owner}/{name}")
        if repo is None:
            from werkzeug.exceptions import NotFound

            raise NotFound()
        return repo

    # -- payloads ------------------------------------------------------------------
    def user_json(self, person: Person, request: Request) -> dict[str, Any]:
        host = request.host_url.rstrip("/")
        if person.is_deleted:  # most payloads carry GitHub's ghost for a deleted account
            return {
                "login": "ghost",
                "id": 10137,
                "node_id": "MDQ6VXNlcjEwMTM3",
                "avatar_url": "https://avatars.githubusercontent.com/u/10137?v=4",
                "url": f"{host}/users/ghost",
                "html_url": "https://github.com/ghost",
                "type": "User",
                "site_admin": False,
            }
        return {
            "login": person.login,
            "id": 1000 + person.key,
            "node_id": f"U_{person.key}",
            "avatar_url": f"https://avatars.example/u/{1000 + person.key}",
            "url": f"{host}/users/{person.login}",
            "html_url": f"https://github.com/{person.login}",
            "type": "Bot" if person.is_bot and not person.claims_to_be_user else "User",
            "site_admin": False,
        }

    def issue_json(self, repo: Repo, issue: Issue, request: Request) -> dict[str, Any]:
        host = request.host_url.rstrip("/")
        kind = "pull" if issue.is_pr else "issues"
        html = f"https://github.com/{repo.full_name}/{kind}/{issue.number}"
        payload = {
            "id": issue.id,
            "number": issue.number,
            "title": issue.title,
            "url": f"{host}/repos/{repo.full_name}/issues/{issue.number}",
            "html_url": html,
            "user": self.user_json(issue.author, request),
            "state": "closed" if issue.closed_at else "open",
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "body": f"Details about: {issue.title}",
            "comments": sum(c.issue_number == issue.number for c in repo.issue_comments),
            "labels": [],
            "author_association": "CONTRIBUTOR",
        }
        if issue.is_pr:
            payload["pull_request"] = {
                "url": f"{host}/repos/{repo.full_name}/pulls/{issue.number}",
                "html_url": html,
                "merged_at": iso(issue.merged_at),
            }
        return payload

    def comment_json(self, repo: Repo, comment: Comment, request: Request) -> dict[str, Any]:
        host = request.host_url.rstrip("/")
        issue = repo.issues[comment.issue_number]
        kind = "pull" if issue.is_pr else "issues"
        payload = {
            "id": comment.id,
            # A review comment by a deleted account: ``user: null`` (nullable-simple-user).
            "user": None
            if comment.author.is_deleted and comment.review_id is not None
            else self.user_json(comment.author, request),
            "created_at": iso(comment.created_at),
            "updated_at": iso(comment.updated_at),
            "body": "Thanks, I looked into this.",
            "author_association": "CONTRIBUTOR",
        }
        if comment.review_id is None:
            payload["html_url"] = (
                f"https://github.com/{repo.full_name}/{kind}/"
                f"{issue.number}#issuecomment-{comment.id}"
            )
            payload["issue_url"] = f"{host}/repos/{repo.full_name}/issues/{issue.number}"
            payload["url"] = f"{host}/repos/{repo.full_name}/issues/comments/{comment.id}"
        else:
            payload["html_url"] = (
                f"https://github.com/{repo.full_name}/pull/{issue.number}#discussion_r{comment.id}"
            )
            payload["pull_request_url"] = f"{host}/repos/{repo.full_name}/pulls/{issue.number}"
            payload["pull_request_review_id"] = comment.review_id
            payload["url"] = f"{host}/repos/{repo.full_name}/pulls/comments/{comment.id}"
        return payload

    # -- endpoints ----------------------------------------------------------------------
    def on_authenticated_user(self, request: Request) -> Response:
        return self.json(
            {"login": "acacia-bot", "id": 1, "type": "User"},
            headers={"X-OAuth-Scopes": "read:org, public_repo"},
        )

    def on_rate_limit(self, request: Request) -> Response:
        core = {
            "limit": self.rate_limit,
            "remaining": max(self.rate_limit - self.used, 0),
            "used": self.used,
            "reset": self.window_reset,
        }
        return self.json({"resources": {"core": core, "graphql": core}, "rate": core})

    def on_user(self, request: Request, login: str) -> Response:
        person = self.data.users.get(login)
        if person is None or person.is_deleted:
            return self.json({"message": "Not Found"}, 404)
        payload = {**self.user_json(person, request), **self.profile_fields(person)}
        del payload["social"]  # REST has them at /users/{login}/social_accounts
        payload.update(
            {
                "blog": payload["blog"] or "",
                "bio": None,
                "public_repos": person.key % 17,
                "created_at": "2015-03-02T10:00:00Z",
                "updated_at": "2024-01-01T00:00:00Z",
            }
        )
        return self.conditional(request, json.dumps(payload), {})

    @staticmethod
    def profile_fields(person: Person) -> dict[str, Any]:
        """What a profile adds to the short user object (REST's names)."""
        show_email = not person.is_bot and person.key % 3 == 0  # a third make it public
        return {
            "name": None if person.is_bot else person.name_on("github"),
            "company": person.company,
            "location": person.location,
            "email": person.email if show_email else None,
            "blog": None,
            # Some link their Reddit account on their profile (GitHub's social accounts).
            "social": [reddit_url(person)] if links_reddit(person) else [],
        }

    def on_org_repos(self, request: Request, org: str) -> Response:
        repos = [r for r in self.data.repos.values() if r.owner == org]
        if not repos:
            return self.json({"message": "Not Found"}, 404)
        host = request.host_url.rstrip("/")
        return self.page(
            request,
            repos,
            lambda r, _: {
                "id": r.id,
                "name": r.name,
                "full_name": r.full_name,
                "private": False,
                "archived": False,
                "fork": False,
                "owner": {"login": r.owner, "type": "Organization"},
                "url": f"{host}/repos/{r.full_name}",
                "html_url": f"https://github.com/{r.full_name}",
            },
        )

    def on_repo(self, request: Request, owner: str, name: str) -> Response:
        repo = self.repo_or_404(owner, name)
        return self.json(
            {
                "id": repo.id,
                "name": repo.name,
                "full_name": repo.full_name,
                "html_url": f"https://github.com/{repo.full_name}",
            }
        )

    @staticmethod
    def _since_sorted(
        request: Request, items: list[Any], default_sort: str = "created"
    ) -> list[Any]:
        since = parse_since(request.args.get("since"))
        if since is not None:
            items = [i for i in items if i.updated_at >= since]
        key = request.args.get("sort", default_sort)
        attribute = "updated_at" if key == "updated" else "created_at"
        reverse = (
            request.args.get("direction", "desc" if "sort" in request.args else "asc") == "desc"
        )
        return sorted(items, key=lambda i: (getattr(i, attribute), i.id), reverse=reverse)

    def on_issues(self, request: Request, owner: str, name: str) -> Response:
        repo = self.repo_or_404(owner, name)
        state = request.args.get("state", "open")
        items = [
            i
            for i in repo.issues.values()
            if state == "all" or (state == "closed") == (i.closed_at is not None)
        ]
        items = self._since_sorted(request, items)
        return self.page(request, items, lambda i, r: self.issue_json(repo, i, r))

    def on_issue_comments(self, request: Request, owner: str, name: str) -> Response:
        repo = self.repo_or_404(owner, name)
        items = self._since_sorted(request, repo.issue_comments)
        return self.page(request, items, lambda c, r: self.comment_json(repo, c, r))

    def on_review_comments(self, request: Request, owner: str, name: str) -> Response:
        repo = self.repo_or_404(owner, name)
        items = self._since_sorted(request, repo.review_comments)
        return self.page(request, items, lambda c, r: self.comment_json(repo, c, r))

    def on_issue_events(self, request: Request, owner: str, name: str) -> Response:
        repo = self.repo_or_404(owner, name)
        items = sorted(repo.events, key=lambda e: e.id, reverse=True)  # newest first
        return self.page(
            request,
            items,
            lambda e, r: {
                "id": e.id,
                "event": e.event,
                "actor": None if e.actor.is_deleted else self.user_json(e.actor, r),
                "created_at": iso(e.created_at),
                "commit_id": None,
                "issue": self.issue_json(repo, repo.issues[e.issue_number], r),
            },
        )

    def on_stargazers(self, request: Request, owner: str, name: str) -> Response:
        repo = self.repo_or_404(owner, name)
        stars = [(p, when) for p, when in repo.stars if not p.is_deleted]  # gone with them
        if STAR_MEDIA_TYPE in request.headers.get("Accept", ""):
            return self.page(
                request,
                stars,
                lambda s, r: {"starred_at": iso(s[1]), "user": self.user_json(s[0], r)},
                STAR_MEDIA_TYPE,
            )
        return self.page(request, stars, lambda s, r: self.user_json(s[0], r))

    def on_graphql(self, request: Request) -> Response:
        """The GraphQL queries the connector sends: pull requests with their first
        reviews, most recently updated first, and the rest of one pull request's reviews.
        Connections page the way GitHub's do (``first``, ``after``, ``pageInfo``)."""
        spec = request.get_json(force=True)
        query, variables = spec.get("query", ""), spec.get("variables") or {}
        if "nodes(ids:" in query:
            return self.graphql_nodes(variables.get("ids") or [])
        if "reviews" not in query:
            return self.json({"errors": [{"message": "fake GitHub: unsupported query"}]})
        repo = self.data.repos.get(f"{variables.get('owner')}/{variables.get('name')}")
        if repo is None:
            return self.json(
                {
                    "data": {"repository": None},
                    "errors": [
                        {"type": "NOT_FOUND", "message": "Could not resolve to a Repository"}
                    ],
                }
            )
        reviews_by_pr: dict[int, list] = {}
        for review in repo.reviews:
            reviews_by_pr.setdefault(review.pr_number, []).append(review)
        review_first = int(re.search(r"reviews\(first:\s*(\d+)", query).group(1))

        def reviews(number: int, after: str | None) -> dict:
            return _connection(
                reviews_by_pr.get(number, []),
                review_first,
                after,
                lambda rv: {
                    "databaseId": rv.id,
                    "state": rv.state,
                    "submittedAt": iso(rv.submitted_at),
                    "url": f"https://github.com/{repo.full_name}/pull/{number}"
                    f"#pullrequestreview-{rv.id}",
                    "author": self.graphql_author(rv.author),
                },
            )

        if "pullRequests" not in query:  # one pull request's further reviews
            number = int(variables.get("number"))
            found = any(i.is_pr and i.number == number for i in repo.issues.values())
            pull = {"reviews": reviews(number, variables.get("cursor"))} if found else None
            return self.json({"data": {"repository": {"pullRequest": pull}}})
        first = int(re.search(r"pullRequests\(first:\s*(\d+)", query).group(1))
        prs = sorted(
            (i for i in repo.issues.values() if i.is_pr),
            key=lambda i: (i.updated_at, i.id),
            reverse=True,
        )
        pulls = _connection(
            prs,
            first,
            variables.get("cursor"),
            lambda pr: {
                "number": pr.number,
                "updatedAt": iso(pr.updated_at),
                "url": f"https://github.com/{repo.full_name}/pull/{pr.number}",
                "reviews": reviews(pr.number, None),
            },
        )
        return self.json({"data": {"repository": {"pullRequests": pulls}}})

    def graphql_nodes(self, ids: list[str]) -> Response:
        """``nodes(ids:)``: at most 100 ids; a null node and a NOT_FOUND error for each id
        that resolves to nothing (a deleted account), as GitHub answers."""
        if len(ids) > 100:
            return self.json(
                {"errors": [{"type": "EXCESSIVE_PAGINATION", "message": "too many ids"}]}
            )
        by_node = {f"U_{p.key}": p for p in self.data.users.values() if not p.is_deleted}
        nodes, errors = [], []
        for index, node_id in enumerate(ids):
            person = by_node.get(node_id)
            if person is None:
                nodes.append(None)
                errors.append(
                    {
                        "type": "NOT_FOUND",
                        "path": ["nodes", index],
                        "message": "Could not resolve to a node with the global id of "
                        f"'{node_id}'.",
                    }
                )
                continue
            node = {
                "__typename": "Bot" if person.is_bot and not person.claims_to_be_user else "User",
                "id": node_id,
                "databaseId": 1000 + person.key,
                "login": person.login,
                "url": f"https://github.com/{person.login}",
                "avatarUrl": f"https://avatars.example/u/{1000 + person.key}",
            }
            if node["__typename"] == "User":
                fields = self.profile_fields(person)
                node.update(
                    name=fields["name"],
                    email=fields["email"] or "",  # GraphQL gives "" for a private address
                    company=fields["company"],
                    location=fields["location"],
                    websiteUrl=fields["blog"],
                    twitterUsername=None,
                    socialAccounts={
                        "nodes": [{"provider": "REDDIT", "url": url} for url in fields["social"]]
                    },
                )
            nodes.append(node)
        return self.json({"data": {"nodes": nodes}, **({"errors": errors} if errors else {})})

    def graphql_author(self, person) -> dict | None:
        """A review's author as GraphQL gives it: null for a deleted account."""
        if person.is_deleted:
            return None
        return {
            "__typename": "Bot" if person.is_bot else "User",
            "id": f"U_{person.key}",
            "login": person.login,
            "databaseId": 1000 + person.key,
        }


def _connection(items: list, first: int, after: str | None, node) -> dict:
    """A GraphQL connection over ``items``: ``first`` nodes after the opaque cursor."""
    offset = int(after or 0)
    chunk = items[offset : offset + first]
    has_next = offset + first < len(items)
    return {
        "pageInfo": {
            "hasNextPage": has_next,
            "endCursor": str(offset + first) if has_next else None,
        },
        "nodes": [node(item) for item in chunk],
    }


DEMO = DemoSource(
    port=8765,
    api=lambda community: FakeGitHub(GitHubData(community)),
    secrets={"token_env": "ACACIA_DEMO_GITHUB_TOKEN"},
    settings=lambda url: {
        "organizations": ["acacia-sample"],
        "base_url": url,
        "seconds_between_requests": 0,
    },
)
