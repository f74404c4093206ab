"""A fake Stack Exchange API 2.3 over :class:`StackExchangeData`.

Like the real one: ``/2.3/sites`` (StackAPI checks the site there), ``questions`` by tag
with ``sort=activity``/``order``/``min``, vectorized ``questions/{ids}/answers``,
``.../comments``, ``answers/{ids}/comments`` and ``users/{ids}``; every body carries
``has_more``, ``quota_max`` and ``quota_remaining``; ``backoff`` and errors
(``error_id``, ``error_name``, ``error_message``) on demand.
"""

from __future__ import annotations

import html
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sample.base import DemoSource, FakeAPI, Fault
from sample.stackexchange_data import (
    Answer,
    Comment,
    Question,
    SEUser,
    StackExchangeData,
)


class FakeStackExchange(FakeAPI):
    """Stack Exchange's API for the sample community (site ``stackoverflow``)."""

    name = "stackexchange"

    def __init__(
        self, data: StackExchangeData, quota: int = 10_000, key: str | None = None
    ) -> None:
        super().__init__()
        self.data = data
        self.quota = quota
        #: When set, a request with another app key is refused as the API refuses one:
        #: HTTP 400, ``bad_parameter``, the parameter's name as the message.
        self.key = key
        self.backoff_next: int | None = None

    def dispatch(self, request: Request) -> Response:
        given = request.args.get("key")
        if self.key and given is not None and given != self.key:
            return self.json(
                {"error_id": 400, "error_name": "bad_parameter", "error_message": "key"}, 400
            )
        return super().dispatch(request)

    def rules(self) -> list[Rule]:
        return [
            Rule("/2.3/sites", endpoint="sites"),
            Rule("/2.3/info", endpoint="info"),
            Rule("/2.3/questions", endpoint="questions"),
            Rule("/2.3/questions/<ids>/answers", endpoint="answers"),
            Rule("/2.3/questions/<ids>/comments", endpoint="question_comments"),
            Rule("/2.3/answers/<ids>/comments", endpoint="answer_comments"),
            Rule("/2.3/users/<ids>", endpoint="users"),
        ]

    def fault_response(self, fault: Fault, request: Request) -> Response | None:
        if fault.kind == "throttle":
            return self.json(
                {
                    "error_id": 502,
                    "error_name": "throttle_violation",
                    "error_message": "too many requests from this IP",
                },
                400,
            )
        if fault.kind == "backoff":
            self.backoff_next = int(fault.params.get("seconds", 1))
            return None
        if fault.kind == "quota_low":
            self.quota = int(fault.params.get("remaining", 5))
            return None
        return super().fault_response(fault, request)

    def _wrap(self, request: Request, items: list[Any]) -> Response:
        self.quota = max(self.quota - 1, 0)
        size = min(int(request.args.get("pagesize", 30)), 100)
        page = int(request.args.get("page", 1))
        chunk = items[(page - 1) * size : page * size]
        if page > 1 and chunk and request.path == "/2.3/questions":
            # Activity-sorted pages repeat an item whose activity moved between two page
            # requests: the last question of the page before comes again.
            chunk = [items[(page - 1) * size - 1], *chunk]
        body: dict[str, Any] = {
            "items": chunk,
            "has_more": page * size < len(items),
            "quota_max": 10_000,
            "quota_remaining": self.quota,
        }
        if self.backoff_next:
            body["backoff"], self.backoff_next = self.backoff_next, None
        return self.json(body)

    @staticmethod
    def _owner(user: SEUser) -> dict[str, Any]:
        if user.deleted:  # the API's shape for a deleted account: no id, no link
            return {"user_type": "does_not_exist", "display_name": f"user{user.user_id}"}
        return {
            "user_id": user.user_id,
            "display_name": html.escape(user.display_name),
            "reputation": user.reputation,
            "user_type": "registered",
            "link": f"https://stackoverflow.com/users/{user.user_id}",
            "profile_image": f"https://avatars.example/se/{user.user_id}.png",
        }

    def _question(self, q: Question) -> dict[str, Any]:
        accepted = next((a.answer_id for a in q.answers if a.accepted), None)
        payload = {
            "question_id": q.question_id,
            "title": html.escape(q.title),  # text fields come HTML-encoded
            "tags": q.tags,
            "owner": self._owner(q.owner),
            "creation_date": int(q.created.timestamp()),
            "last_activity_date": int(q.last_activity.timestamp()),
            "answer_count": len(q.answers),
            "is_answered": bool(q.answers),
            "link": f"https://stackoverflow.com/questions/{q.question_id}",
        }
        if accepted:
            payload["accepted_answer_id"] = accepted
        return payload

    def _answer(self, a: Answer) -> dict[str, Any]:
        return {
            "answer_id": a.answer_id,
            "question_id": a.question_id,
            "owner": self._owner(a.owner),
            "is_accepted": a.accepted,
            "creation_date": int(a.created.timestamp()),
            "last_activity_date": int(a.created.timestamp()),
        }

    def _comment(self, c: Comment) -> dict[str, Any]:
        return {
            "comment_id": c.comment_id,
            "post_id": c.post_id,
            "owner": self._owner(c.owner),
            "creation_date": int(c.created.timestamp()),
        }

    @staticmethod
    def _ids(ids: str) -> set[int]:
        return {int(i) for i in ids.split(";") if i}

    # -- endpoints ------------------------------------------------------------------------
    def on_sites(self, request: Request) -> Response:
        return self._wrap(
            request,
            [
                {
                    "api_site_parameter": "stackoverflow",
                    "name": "Stack Overflow",
                    "site_url": "https://stackoverflow.com",
                }
            ],
        )

    def on_info(self, request: Request) -> Response:
        return self._wrap(
            request, [{"total_questions": len(self.data.questions), "api_revision": "fake"}]
        )

    def on_questions(self, request: Request) -> Response:
        tagged = set(filter(None, request.args.get("tagged", "").split(";")))
        low = int(request.args.get("min", 0))
        questions = [
            q
            for q in self.data.questions.values()
            if (not tagged or tagged & set(q.tags)) and int(q.last_activity.timestamp()) >= low
        ]
        questions.sort(
            key=lambda q: (q.last_activity, q.question_id),
            reverse=request.args.get("order", "desc") == "desc",
        )
        return self._wrap(request, [self._question(q) for q in questions])

    def on_answers(self, request: Request, ids: str) -> Response:
        wanted = self._ids(ids)
        return self._wrap(
            request,
            [
                self._answer(a)
                for q in self.data.questions.values()
                if q.question_id in wanted
                for a in q.answers
            ],
        )

    def on_question_comments(self, request: Request, ids: str) -> Response:
        wanted = self._ids(ids)
        return self._wrap(
            request,
            [
                self._comment(c)
                for q in self.data.questions.values()
                if q.question_id in wanted
                for c in q.comments
            ],
        )

    def on_answer_comments(self, request: Request, ids: str) -> Response:
        wanted = self._ids(ids)
        return self._wrap(
            request,
            [
                self._comment(c)
                for q in self.data.questions.values()
                for a in q.answers
                if a.answer_id in wanted
                for c in a.comments
            ],
        )

    def on_users(self, request: Request, ids: str) -> Response:
        wanted = self._ids(ids)
        return self._wrap(
            request,
            [
                {**self._owner(u), "location": u.location}
                for u in self.data.users.values()
                if u.user_id in wanted and not u.deleted
            ],
        )


DEMO = DemoSource(
    port=8769,
    api=lambda community: FakeStackExchange(StackExchangeData(community)),
    secrets={"key_env": "ACACIA_DEMO_STACKEXCHANGE_KEY"},
    settings=lambda url: {"tags": ["acacia"], "base_url": url},
)
