"""What the Discourse connector reads, and how it stays incremental.

- **posts**: ``/posts.json?before=<id>`` gives the 50 newest public posts below an id; we
  page down to the newest post id already landed. Post 1 of a topic is
  ``topic_created``, any other ``post_reply``. An interrupted walk commits the id ranges
  it landed, so resuming never lands a post twice.
- **topics**: ``/latest.json`` lists topics by bump time; we read it down to the last
  bump we saw. Each bumped topic's ``topic_created`` is landed again (so edited titles
  and category moves show up), and a topic that newly ``has_accepted_answer`` is opened
  (its 20-post pages completed through ``post_stream.stream``) to credit the accepted
  post's author with ``solution_accepted``.
- **users**: with an admin key, the active-user list gives emails (for matching
  identities); otherwise identities come from the posts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from connectors.core import clock
from connectors.core.batch import Batch, NewestFirstWalk, SavedState, read_each
from connectors.core.clock import utc
from connectors.core.errors import SourceError
from connectors.core.records import Activity, Identity
from connectors.sources.discourse.client import DiscourseClient

SOURCE = "discourse"
TOPIC_PAGE = 20


@dataclass(frozen=True)
class TopicsState(SavedState):
    """The topics stream's saved state (``forum:topics``)."""

    #: The newest ``bumped_at`` read: topics bumped since are read again (edits).
    cursor: str | None = None
    #: Topics whose accepted solution is landed (read once each).
    accepted: tuple[int, ...] = ()


#: Posts whose author was deleted keep the post with no ``user_id`` (Discourse's
#: UserDestroyer, posts kept). They all count for this one identity, flagged deleted.
GHOST_ID = "deleted"


def user_id_of(item: dict[str, Any]) -> str:
    """The author of a post or answer, or :data:`GHOST_ID` when the user is gone."""
    user_id = item.get("user_id")
    return GHOST_ID if user_id is None else str(user_id)


def avatar_url(forum: str, template: str | None, size: int = 96) -> str | None:
    """An avatar from Discourse's ``avatar_template``: relative to the forum (with or
    without a leading slash; a subfolder forum's templates carry the subfolder),
    protocol-relative, or absolute (an avatar CDN)."""
    if not template:
        return None
    return urljoin(forum.rstrip("/") + "/", template.replace("{size}", str(size)))


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class DiscourseConnector:
    """Reads a forum incrementally and yields :class:`Batch` es of normalized records.

    ``categories``: names to read (empty: all). ``admin_emails``: read emails from the
    admin user list (needs an admin API key). ``known_users``: user ids already landed.
    ``unidentified``: landed users still without a full identity (from an interrupted run).
    """

    def __init__(
        self,
        client: DiscourseClient,
        *,
        categories: list[str] | None = None,
        backfill_days: int = 365,
        admin_emails: bool = False,
        known_users: set[str] | None = None,
        unidentified: set[str] | None = None,
        now: datetime | None = None,
    ) -> None:
        self.client = client
        self.only = {c.lower() for c in categories or []}
        self.floor = iso((now or clock.now()) - timedelta(days=backfill_days))
        self.admin_emails = admin_emails
        self.known_users = set(known_users or ())
        self.problems: list[SourceError] = []
        self.categories: dict[int, str] = {}
        self.unidentified = set(unidentified or ())
        self._seen_users: dict[str, dict[str, Any]] = {}
        self._queued: list[Identity] = []

    @property
    def requests(self) -> int:
        return self.client.requests

    @property
    def forum(self) -> str:
        return self.client.settings.base_url.rstrip("/")

    def sync(self, state: dict[str, dict[str, Any]]) -> Iterator[Batch]:
        try:
            listing = self.client.get("/categories.json", {"include_subcategories": "true"})
            self.categories = {c["id"]: c["name"] for c in listing["category_list"]["categories"]}
            yield from self._posts(state.get("forum:posts", {}))
            yield from self._topics(state.get("forum:topics", {}))
            yield from self._users()
        except SourceError as error:
            self.problems.append(error)

    def _wanted(self, category_id: int | None) -> bool:
        return not self.only or self.categories.get(category_id, "").lower() in self.only

    # -- posts ------------------------------------------------------------------------
    def _posts(self, state: dict[str, Any]) -> Iterator[Batch]:
        walk = NewestFirstWalk.resume(state)  # cursor: the newest post id of the last walk
        before = None
        while True:
            page = self.client.get("/posts.json", {"before": before} if before else None)
            posts = page.get("latest_posts") or []
            done = not posts
            walked = []
            for post in posts:
                post_id, created = post.get("id"), post.get("created_at")
                known = post_id is not None and created is not None
                below = walk.cursor is not None and known and post_id <= walk.cursor
                if below or (known and created < self.floor):
                    done = True
                    break
                walked.append(post)

            def read(post: dict[str, Any]) -> list[Activity]:
                post_id = int(post["id"])
                if walk.landed(post_id):
                    walk.saw(post_id)
                    return []
                activity = self._post_activity(post)
                walk.took(post_id)
                self._note_user(post)
                return [activity] if self._wanted(post.get("category_id")) else []

            activities, rejects = read_each(walked, read, "posts", "forum")
            yield Batch("posts", "forum", activities, self._drain(), walk.progress(), rejects)
            ids = [p["id"] for p in posts if isinstance(p.get("id"), int)]
            if done or not ids:
                break
            before = min(ids)
        yield Batch("posts", "forum", state=walk.complete())

    def _post_activity(self, post: dict[str, Any]) -> Activity:
        first = post["post_number"] == 1
        topic = post["topic_id"]
        return Activity(
            SOURCE,
            f"topic:{topic}" if first else f"post:{post['id']}",
            "topic_created" if first else "post_reply",
            utc(post["created_at"]),
            user_id_of(post),
            self.categories.get(post.get("category_id"), "uncategorized"),
            url=f"{self.forum}/t/{post.get('topic_slug', topic)}/{topic}"
            + ("" if first else f"/{post['post_number']}"),
            title=post.get("topic_title"),
            thread_id=f"topic:{topic}",
            parent_id=None if first else f"topic:{topic}#{post.get('reply_to_post_number') or 1}",
            # The text: tag rules read it; it lands only with store_bodies (ingest).
            body=post.get("cooked"),
            extra={"post_number": post["post_number"], "staff": bool(post.get("staff"))},
        )

    # -- topics -----------------------------------------------------------------------
    def _topics(self, state: dict[str, Any]) -> Iterator[Batch]:
        saved = TopicsState.load(state)
        cursor = saved.cursor or self.floor
        accepted = set(saved.accepted)
        top, page_number = None, 0
        while True:
            listing = self.client.get("/latest.json", {"order": "activity", "page": page_number})
            users = {u["id"]: u for u in listing.get("users", []) if "id" in u}
            topics = listing["topic_list"]["topics"]
            done, walked = False, []
            for topic in topics:
                bumped = topic.get("bumped_at")
                if bumped is not None and bumped <= cursor:
                    if topic.get("pinned"):
                        continue  # pinned topics sit on top whatever their age
                    done = True
                    break
                walked.append(topic)

            def read(topic: dict[str, Any], users: dict = users) -> list[Activity]:
                nonlocal top
                bumped = topic["bumped_at"]
                if not self._wanted(topic.get("category_id")):
                    top = max(top or bumped, bumped)
                    return []
                found = self._topic_created(topic, users)
                if topic.get("has_accepted_answer") and topic["id"] not in accepted:
                    found += self._solution(topic)
                    accepted.add(topic["id"])
                top = max(top or bumped, bumped)
                return found

            activities, rejects = read_each(walked, read, "topics", "forum")
            yield Batch(
                "topics",
                "forum",
                activities,
                self._drain(),
                saved.dump(accepted=tuple(sorted(accepted))),
                rejects,
            )
            if done or not listing["topic_list"].get("more_topics_url"):
                break
            page_number += 1
        yield Batch(
            "topics",
            "forum",
            state=saved.dump(
                cursor=max(filter(None, [saved.cursor, top]), default=None),
                accepted=tuple(sorted(accepted)),
            ),
        )

    def _topic_created(self, topic: dict[str, Any], users: dict[int, Any]) -> list[Activity]:
        """The topic as it is now (title and category may have been edited since)."""
        op = next(
            (
                p["user_id"]
                for p in topic.get("posters", [])
                if "Original Poster" in (p.get("description") or "")
            ),
            None,
        )
        if op is None:
            return []
        if op in users or str(op) in self.known_users or str(op) in self._seen_users:
            self._note_user({"user_id": op, **users.get(op, {})})
        else:
            # The listing left its creator out of ``users``: the topic names them.
            view = self.client.get(f"/t/{topic['id']}.json")
            creator = (view.get("details") or {}).get("created_by") or {}
            self._note_user({**creator, "user_id": op})
        return [
            Activity(
                SOURCE,
                f"topic:{topic['id']}",
                "topic_created",
                utc(topic["created_at"]),
                str(op),
                self.categories.get(topic.get("category_id"), "uncategorized"),
                url=f"{self.forum}/t/{topic['slug']}/{topic['id']}",
                title=topic.get("title"),
                thread_id=f"topic:{topic['id']}",
            )
        ]

    def _solution(self, topic: dict[str, Any]) -> list[Activity]:
        """The accepted answer of a topic: read the topic, completing its 20-post pages."""
        view = self.client.get(f"/t/{topic['id']}.json")
        posts = view["post_stream"]["posts"]
        answer = next((p for p in posts if p.get("accepted_answer")), None)
        missing = [i for i in view["post_stream"]["stream"] if i not in {p["id"] for p in posts}]
        while answer is None and missing:
            chunk, missing = missing[:TOPIC_PAGE], missing[TOPIC_PAGE:]
            more = self.client.get(
                f"/t/{topic['id']}/posts.json", [("post_ids[]", i) for i in chunk]
            )
            answer = next(
                (p for p in more["post_stream"]["posts"] if p.get("accepted_answer")), None
            )
        if answer is None:
            return []
        self._note_user(answer)
        return [
            Activity(
                SOURCE,
                f"solution:{topic['id']}",
                "solution_accepted",
                utc(answer["created_at"]),
                user_id_of(answer),
                self.categories.get(topic.get("category_id"), "uncategorized"),
                url=f"{self.forum}/t/{topic['slug']}/{topic['id']}/{answer['post_number']}",
                title=topic.get("title"),
                thread_id=f"topic:{topic['id']}",
                parent_id=f"post:{answer['id']}",
            )
        ]

    # -- people -----------------------------------------------------------------------
    def _note_user(self, post: dict[str, Any]) -> None:
        """Queue a short identity for a user first seen in this run; it lands with the
        batch that mentions them, so no activity ever lands without its identity."""
        user_id = user_id_of(post)
        if user_id in self.known_users or user_id in self._seen_users:
            return
        self._seen_users[user_id] = post
        self._queued.append(self._identity(user_id, post, {}))

    def _drain(self) -> list[Identity]:
        queued, self._queued = self._queued, []
        return queued

    def _identity(self, user_id: str, seen: dict[str, Any], full: dict[str, Any]) -> Identity:
        if user_id == GHOST_ID:
            return Identity(SOURCE, GHOST_ID, GHOST_ID, is_deleted=True)
        username = full.get("username") or seen.get("username")
        avatar = full.get("avatar_template") or seen.get("avatar_template")
        return Identity(
            SOURCE,
            user_id,
            username or f"user {user_id}",
            display_name=full.get("name") or seen.get("name"),
            email=full.get("email"),
            is_bot=user_id.lstrip("-").isdigit() and int(user_id) <= 0,  # system, discobot
            is_staff=any(
                bool(d.get(k)) for d in (full, seen) for k in ("admin", "moderator", "staff")
            ),
            profile_url=f"{self.forum}/u/{username}" if username else None,
            avatar_url=avatar_url(self.forum, avatar),
            has_profile=bool(full),
        )

    def _users(self) -> Iterator[Batch]:
        """With an admin key, when someone new was seen: full identities (with emails) for
        them, and for anyone landed earlier without one (an interrupted run)."""
        if not (self.admin_emails and self._seen_users):
            return
        wanted = set(self._seen_users) | self.unidentified
        found: list[Identity] = []
        page = 1
        while True:
            rows = self.client.get(
                "/admin/users/list/active.json", {"show_emails": "true", "page": page}
            )
            found += [
                self._identity(str(u["id"]), self._seen_users.get(str(u["id"]), {}), u)
                for u in rows
                if str(u["id"]) in wanted
            ]
            if len(rows) < 100:
                break
            page += 1
        yield Batch("users", "forum", [], found)
