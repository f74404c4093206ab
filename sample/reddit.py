"""A fake Reddit API (OAuth token endpoint and listings) over :class:`RedditData`.

Like Reddit: praw first POSTs ``/api/v1/access_token`` (client credentials) and then calls
the listing endpoints with a bearer token; listings are newest first, page with
``after`` (older) and ``before`` (newer, the ``limit`` items just above the anchor), stop
at about 1,000 items, and carry the ``x-ratelimit-*`` headers prawcore paces itself by.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sample.base import DemoSource, FakeAPI, Fault
from sample.reddit_data import RedditData, Thing

LISTING_CAP = 1000


class FakeReddit(FakeAPI):
    """Reddit for the sample community (serves both reddit_url and oauth_url)."""

    name = "reddit"

    def __init__(self, data: RedditData, client_id: str | None = None) -> None:
        super().__init__()
        self.data = data
        self.client_id = client_id
        self.used = 0

    def rules(self) -> list[Rule]:
        return [
            Rule("/api/v1/access_token", endpoint="token", methods=["POST"]),
            Rule("/r/<sub>/new", endpoint="new"),
            Rule("/r/<sub>/comments", endpoint="comments"),
        ]

    def extra_headers(self, request: Request, response: Response) -> None:
        self.used += 1
        response.headers.update(
            {
                "x-ratelimit-remaining": str(max(1000 - self.used, 0)),
                "x-ratelimit-used": str(self.used),
                "x-ratelimit-reset": "1",
            }
        )

    def fault_response(self, fault: Fault, request: Request) -> Response | None:
        if fault.kind == "rate_limit_429":
            return Response(
                "Too Many Requests",
                status=429,
                headers={"retry-after": str(fault.params.get("retry_after", 1))},
            )
        return super().fault_response(fault, request)

    def on_token(self, request: Request) -> Response:
        if self.client_id is not None and (
            request.authorization is None or request.authorization.username != self.client_id
        ):
            return self.json({"error": 401, "message": "Unauthorized"}, 401)
        return self.json(
            {
                "access_token": "fake-bearer-token",
                "token_type": "bearer",
                "expires_in": 86400,
                "scope": "*",
            }
        )

    def _thing_json(self, thing: Thing) -> dict[str, Any]:
        author = thing.author
        data = {
            "id": thing.id,
            "name": thing.fullname,
            "created_utc": thing.created.timestamp(),
            "author": author.name if author else "[deleted]",
            "subreddit": self.data.subreddit,
            "score": 1,
            "permalink": f"/r/{self.data.subreddit}/comments/{thing.post_id}/"
            + ("" if thing.kind == "t3" else f"_/{thing.id}/"),
        }
        if author:
            data["author_fullname"] = f"t2_{author.id}"
        if thing.kind == "t3":
            data.update({"title": thing.title, "num_comments": 0, "selftext": "", "is_self": True})
        else:
            data.update(
                {
                    "link_id": f"t3_{thing.post_id}",
                    "parent_id": thing.parent,
                    "link_title": thing.title,
                    "body": "Same here.",
                }
            )
        return {"kind": thing.kind, "data": data}

    def _listing(self, request: Request, kind: str) -> Response:
        if not request.headers.get("Authorization", "").startswith("bearer "):
            return self.json({"message": "Unauthorized", "error": 401}, 401)
        things = sorted(
            (t for t in self.data.things if t.kind == kind),
            key=lambda t: (t.created, t.id),
            reverse=True,
        )[:LISTING_CAP]
        names = [t.fullname for t in things]
        limit = min(int(request.args.get("limit", 25)), 100)
        if request.args.get("before"):
            anchor = names.index(request.args["before"]) if request.args["before"] in names else 0
            chunk = things[max(anchor - limit, 0) : anchor]
        else:
            after = request.args.get("after")
            start = names.index(after) + 1 if after in names else 0
            chunk = things[start : start + limit]
        return self.json(
            {
                "kind": "Listing",
                "data": {
                    "after": chunk[-1].fullname if chunk else None,
                    "before": chunk[0].fullname if chunk else None,
                    "dist": len(chunk),
                    "children": [self._thing_json(t) for t in chunk],
                },
            }
        )

    def on_new(self, request: Request, sub: str) -> Response:
        return self._listing(request, "t3")

    def on_comments(self, request: Request, sub: str) -> Response:
        return self._listing(request, "t1")


DEMO = DemoSource(
    port=8768,
    api=lambda community: FakeReddit(RedditData(community)),
    secrets={
        "client_id_env": "ACACIA_DEMO_REDDIT_ID",
        "client_secret_env": "ACACIA_DEMO_REDDIT_SECRET",
    },
    settings=lambda url: {"subreddits": ["acacia"], "oauth_url": url, "reddit_url": url},
)
