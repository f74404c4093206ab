"""A fake Discourse JSON API over :class:`DiscourseData`.

Like Discourse: ``Api-Key``/``Api-Username`` headers, ``/posts.json?before=`` (the 50
newest posts below an id), ``/latest.json`` (topics by bump, 30 a page, with
``more_topics_url``), topic views of 20 posts with the full ``post_stream.stream`` of ids,
``/t/{id}/posts.json?post_ids[]=``, the solved plugin's ``accepted_answer`` and
``has_accepted_answer``, admin user lists with emails, and rate limits answering 429 with
``Retry-After`` and ``extras.wait_seconds``.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sample.base import DemoSource, FakeAPI, Fault
from sample.discourse_data import DiscourseData, ForumUser, Post, Topic
from sample.github import iso


class FakeDiscourse(FakeAPI):
    """Discourse's JSON API for the sample community. ``api_key``: the accepted key."""

    name = "discourse"

    def __init__(self, data: DiscourseData, api_key: str | None = None, admin: bool = True) -> None:
        super().__init__()
        self.data = data
        self.api_key = api_key
        self.admin = admin

    def rules(self) -> list[Rule]:
        return [
            Rule("/posts.json", endpoint="posts"),
            Rule("/latest.json", endpoint="latest"),
            Rule("/categories.json", endpoint="categories"),
            Rule("/t/<int:topic_id>.json", endpoint="topic"),
            Rule("/t/<int:topic_id>/posts.json", endpoint="topic_posts"),
            Rule("/admin/users/list/<flag>.json", endpoint="admin_users"),
            Rule("/session/current.json", endpoint="current"),
        ]

    def dispatch(self, request: Request) -> Response:
        if (
            self.api_key is not None
            and not request.path.startswith("/_fake")
            and request.headers.get("Api-Key") != self.api_key
        ):
            return self.json(
                {
                    "errors": [
                        "You are not permitted to view the requested "
                        "resource. The API username or key is invalid."
                    ],
                    "error_type": "invalid_access",
                },
                403,
            )
        return super().dispatch(request)

    def fault_response(self, fault: Fault, request: Request) -> Response | None:
        if fault.kind == "rate_limit_429":
            wait = int(fault.params.get("retry_after", 1))
            headers = {} if fault.params.get("no_header") else {"Retry-After": str(wait)}
            return self.json(
                {
                    "errors": ["You’ve performed this action too many times."],
                    "error_type": "rate_limit",
                    "extras": {"wait_seconds": wait, "time_left": f"{wait} seconds"},
                },
                429,
                headers,
            )
        return super().fault_response(fault, request)

    # -- payloads ---------------------------------------------------------------------
    def shown_user(self, user: ForumUser) -> tuple[str, str | None]:
        """Deleted users' posts stay, under an anonymized name (as Discourse does)."""
        return (f"anon{user.id}", None) if user.deleted else (user.username, user.name)

    @staticmethod
    def avatar_template(user: ForumUser, username: str) -> str:
        """As forums send them: mostly relative, letter avatars from the CDN absolute."""
        if user.id % 5 == 0:
            return f"https://avatars.discourse-cdn.com/v4/letter/{username[:1]}/8c91f0/{{size}}.png"
        return f"/user_avatar/forum/{username}/{{size}}/1.png"

    def user_json(self, user: ForumUser) -> dict[str, Any]:
        username, name = self.shown_user(user)
        return {
            "id": user.id,
            "username": username,
            "name": name,
            "avatar_template": self.avatar_template(user, username),
        }

    def post_json(self, post: Post, topic: Topic) -> dict[str, Any]:
        username, name = self.shown_user(post.user)
        return {
            "id": post.id,
            "name": name,
            "username": username,
            "user_id": post.user.id,
            "avatar_template": self.avatar_template(post.user, username),
            "created_at": iso(post.created_at),
            "updated_at": iso(post.updated_at),
            "post_number": post.post_number,
            "post_type": 1,
            "reply_to_post_number": post.reply_to_post_number,
            "topic_id": topic.id,
            "topic_slug": f"topic-{topic.id}",
            "topic_title": topic.title,
            "category_id": topic.category_id,
            "cooked": "<p>Some text</p>",
            "admin": post.user.admin,
            "moderator": post.user.moderator,
            "staff": post.user.admin or post.user.moderator,
            "trust_level": 1,
            "deleted_at": None,
            "user_deleted": False,
            "accepted_answer": post.accepted_answer,
        }

    # -- endpoints ----------------------------------------------------------------------
    def on_current(self, request: Request) -> Response:
        return self.json({"current_user": {"id": -1, "username": "system", "admin": self.admin}})

    def on_categories(self, request: Request) -> Response:
        return self.json(
            {
                "category_list": {
                    "categories": [
                        {"id": cid, "name": name, "slug": name.lower(), "subcategory_ids": []}
                        for cid, name in self.data.categories.items()
                    ]
                }
            }
        )

    def on_posts(self, request: Request) -> Response:
        before = int(request.args.get("before", 10**12))
        posts = sorted(
            (p for t in self.data.topics.values() for p in t.posts if p.id < before),
            key=lambda p: p.id,
            reverse=True,
        )[:50]
        return self.json(
            {"latest_posts": [self.post_json(p, self.data.topics[p.topic_id]) for p in posts]}
        )

    def on_latest(self, request: Request) -> Response:
        page = int(request.args.get("page", 0))
        topics = sorted(self.data.topics.values(), key=lambda t: (t.bumped_at, t.id), reverse=True)
        chunk = topics[page * 30 : page * 30 + 30]
        users: dict[int, dict] = {}
        rows = []
        for topic in chunk:
            op = topic.posts[0].user
            if topic.id % 7:  # the listing does not always carry the users it mentions
                users[op.id] = self.user_json(op)
            rows.append(
                {
                    "id": topic.id,
                    "title": topic.title,
                    "slug": f"topic-{topic.id}",
                    "category_id": topic.category_id,
                    "posts_count": len(topic.posts),
                    "created_at": iso(topic.posts[0].created_at),
                    "bumped": True,
                    "bumped_at": iso(topic.bumped_at),
                    "last_posted_at": iso(topic.posts[-1].created_at),
                    "has_accepted_answer": topic.accepted is not None,
                    "posters": [
                        {"extras": None, "description": "Original Poster", "user_id": op.id}
                    ],
                }
            )
        more = f"/latest?page={page + 1}" if page * 30 + 30 < len(topics) else None
        topic_list: dict[str, Any] = {"can_create_topic": True, "per_page": 30, "topics": rows}
        if more:
            topic_list["more_topics_url"] = more
        return self.json({"users": list(users.values()), "topic_list": topic_list})

    def on_topic(self, request: Request, topic_id: int) -> Response:
        topic = self.data.topics.get(topic_id)
        if topic is None:
            return self.json(
                {
                    "errors": ["The requested URL or resource could not be found."],
                    "error_type": "not_found",
                },
                404,
            )
        accepted = topic.accepted
        return self.json(
            {
                "id": topic.id,
                "title": topic.title,
                "category_id": topic.category_id,
                "posts_count": len(topic.posts),
                "post_stream": {
                    "posts": [self.post_json(p, topic) for p in topic.posts[:20]],
                    "stream": [p.id for p in topic.posts],
                },
                "details": {
                    "created_by": self.user_json(topic.posts[0].user),
                    "last_poster": self.user_json(topic.posts[-1].user),
                },
                "accepted_answer": {
                    "post_number": accepted.post_number,
                    "username": self.shown_user(accepted.user)[0],
                }
                if accepted
                else None,
            }
        )

    def on_topic_posts(self, request: Request, topic_id: int) -> Response:
        topic = self.data.topics[topic_id]
        wanted = {int(i) for i in request.args.getlist("post_ids[]")}
        return self.json(
            {
                "post_stream": {
                    "posts": [self.post_json(p, topic) for p in topic.posts if p.id in wanted]
                }
            }
        )

    def on_admin_users(self, request: Request, flag: str) -> Response:
        if not self.admin:
            return self.json(
                {
                    "errors": ["You are not permitted to view the requested resource."],
                    "error_type": "invalid_access",
                },
                403,
            )
        page = int(request.args.get("page", 1))
        users = sorted(
            (u for u in self.data.users.values() if u.id > 0 and not u.deleted), key=lambda u: u.id
        )[(page - 1) * 100 : page * 100]
        show = request.args.get("show_emails") == "true"
        return self.json(
            [
                {
                    "id": u.id,
                    "username": u.username,
                    "name": u.name,
                    "admin": u.admin,
                    "moderator": u.moderator,
                    **({"email": u.email} if show and u.email else {}),
                }
                for u in users
            ]
        )


DEMO = DemoSource(
    port=8767,
    api=lambda community: FakeDiscourse(DiscourseData(community)),
    secrets={"api_key_env": "ACACIA_DEMO_DISCOURSE_KEY"},
    settings=lambda url: {"base_url": url},
)
