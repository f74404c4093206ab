"""What the Reddit connector reads, and how it stays incremental.

Per subreddit, two listings: ``/r/{sub}/new`` (posts) and ``/r/{sub}/comments``.

- **First run**: walk back with ``after`` (newest first) to ``backfill_days`` ago. Reddit
  listings stop at about 1,000 items, so a busy subreddit's older history is out of
  reach; the nightly cadence keeps it complete from then on.
- **Then**: ``before=<newest fullname seen>`` returns the items just above it, oldest
  chunk first; each page's newest item becomes the cursor, so every page commits.

praw makes the requests (OAuth, prawcore's pacing from the ``x-ratelimit-*`` headers,
two retries of 5xx); a 429 raises in praw and is handled here: wait ``retry-after`` and
go on, or stop cleanly when that is longer than ``max_rate_limit_wait``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import praw
import prawcore

from connectors.core import clock
from connectors.core.batch import Batch, Reject, SavedState, each_stream, read_each
from connectors.core.errors import RateLimitStop, SourceError
from connectors.core.records import Activity, Identity
from connectors.core.retry import RetryPolicy
from connectors.core.source import ApiSourceSettings

log = logging.getLogger(__name__)
SOURCE = "reddit"
LISTINGS = {"posts": "new", "comments": "comments"}


@dataclass(frozen=True)
class ListingState(SavedState):
    """A listing's saved state (``"<subreddit>:<stream>"``)."""

    #: The fullname of the newest item landed; newer ones are read with ``before``.
    cursor: str | None = None
    #: A first walk back in progress: the newest item it started from, and the fullname
    #: it had reached (``after``); the cursor is set once it is done.
    top: str | None = None
    after: str | None = None


#: Items of deleted accounts (``author: "[deleted]"``, no ``author_fullname``) all count
#: for this one identity, flagged deleted.
GHOST_ID = "[deleted]"


@dataclass(frozen=True)
class RedditSettings:
    client_id: str
    client_secret: str
    user_agent: str = "acacia-community-analytics/0.1 (read-only)"
    oauth_url: str = "https://oauth.reddit.com"
    reddit_url: str = "https://www.reddit.com"
    timeout: float = ApiSourceSettings.default("request_timeout_seconds")
    max_rate_limit_wait: float = ApiSourceSettings.default("max_rate_limit_wait")
    retries: int = ApiSourceSettings.default("request_retries")
    backoff: float = ApiSourceSettings.default("retry_backoff_seconds")


class TimedRequestor(prawcore.Requestor):
    """prawcore's requestor, every request with the source's timeout: praw reads a
    ``timeout`` setting but hands it to no request, and prawcore's sessions ask for its
    own default (16 s, or the ``prawcore_timeout`` variable when it was imported).
    praw's documented way to change how requests are made is a requestor class."""

    def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        return super().request(*args, timeout=self.timeout, **kwargs)


def make_reddit(settings: RedditSettings) -> praw.Reddit:
    """A read-only praw client (client credentials) for ``settings``' endpoints."""
    return praw.Reddit(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        user_agent=settings.user_agent,
        oauth_url=settings.oauth_url,
        reddit_url=settings.reddit_url,
        short_url=settings.reddit_url,
        check_for_updates=False,
        check_for_async=False,
        requestor_class=TimedRequestor,
        requestor_kwargs={"timeout": settings.timeout},
    )


class RedditConnector:
    """Reads subreddits incrementally and yields :class:`Batch` es."""

    def __init__(
        self,
        reddit: praw.Reddit,
        settings: RedditSettings,
        *,
        subreddits: list[str],
        backfill_days: int = 365,
        store_bodies: bool = False,
        known_users: set[str] | None = None,
        now: datetime | None = None,
    ) -> None:
        self.reddit = reddit
        self.settings = settings
        self.subreddits = subreddits
        self.floor = ((now or clock.now()) - timedelta(days=backfill_days)).timestamp()
        self.store_bodies = store_bodies
        self.known_users = set(known_users or ())
        self.requests = 0
        self.problems: list[SourceError] = []

    def sync(self, state: dict[str, dict[str, Any]]) -> Iterator[Batch]:
        pairs = [(sub, stream) for sub in self.subreddits for stream in LISTINGS]
        yield from each_stream(
            (
                (
                    f"r/{sub} {stream}",
                    partial(self._listing, sub, stream, state.get(f"{sub}:{stream}", {})),
                )
                for sub, stream in pairs
            ),
            self.problems,
        )

    # -- requests -----------------------------------------------------------------------
    def get(self, path: str, params: dict[str, Any]) -> Any:
        policy = RetryPolicy(
            SOURCE, self.settings.retries, self.settings.backoff, self.settings.max_rate_limit_wait
        )
        for attempt in policy.tries():
            self.requests += 1
            try:
                return self.reddit.get(path, params=params)
            except prawcore.TooManyRequests as error:
                policy.honour(float(error.retry_after) if error.retry_after else None, path)
            except (prawcore.ServerError, prawcore.BadJSON, ValueError, TypeError) as error:
                # 5xx (after prawcore's own two retries), a truncated body (the token
                # endpoint's raises JSONDecodeError), or a body praw cannot read.
                if attempt == self.settings.retries + 1:
                    what = (
                        "a malformed answer"
                        if isinstance(error, ValueError | TypeError | prawcore.BadJSON)
                        else str(error)
                    )
                    raise SourceError(
                        SOURCE,
                        f"Reddit kept failing on {path} ({what}).",
                        "Usually Reddit is having a bad moment; the next run resumes here.",
                    ) from None
                policy.pause(attempt, path, type(error).__name__)
            except (prawcore.NotFound, prawcore.Redirect, prawcore.Forbidden) as error:
                raise SourceError(
                    SOURCE,
                    f"{path} answered {type(error).__name__}.",
                    "Check the subreddit names in sources.reddit.subreddits "
                    "(private or banned subreddits cannot be read).",
                ) from None
            except (prawcore.OAuthException, prawcore.ResponseException) as error:
                status = getattr(getattr(error, "response", None), "status_code", None)
                if status in (400, 401, 403) or isinstance(error, prawcore.OAuthException):
                    raise SourceError(
                        SOURCE,
                        f"Reddit refused the app credentials (HTTP {status}).",
                        "Check the variables named by sources.reddit.client_id_env and "
                        "client_secret_env (an app of type 'script' or 'web').",
                    ) from None
                raise SourceError(
                    SOURCE, f"{path} answered HTTP {status}.", "The next run retries."
                ) from None
            except prawcore.RequestException as error:
                raise SourceError(
                    SOURCE,
                    f"Could not reach Reddit ({type(error).__name__}).",
                    "Check sources.reddit.oauth_url and the network.",
                ) from None
        raise RateLimitStop(
            SOURCE,
            f"Reddit kept rate-limiting {path}.",
            "Nothing is lost: the next run resumes from the last landed page.",
        )

    # -- one listing ----------------------------------------------------------------------
    def _listing(self, subreddit: str, stream: str, state: dict[str, Any]) -> Iterator[Batch]:
        path = f"/r/{subreddit}/{LISTINGS[stream]}"
        saved = ListingState.load(state)
        cursor = saved.cursor
        if cursor is None:
            yield from self._backfill(subreddit, stream, path, state)
            return
        while True:
            listing = self.get(path, {"before": cursor, "limit": 100})
            things = [t for t in listing.children if t.fullname != cursor]
            if not things:
                return
            cursor = max(things, key=lambda t: t.created_utc).fullname
            activities, identities, rejects = self._records(subreddit, stream, things)
            state = saved.dump(cursor=cursor)
            yield Batch(stream, subreddit, activities, identities, state, rejects)

    def _backfill(
        self, subreddit: str, stream: str, path: str, state: dict[str, Any]
    ) -> Iterator[Batch]:
        """Walk back from the newest item; the cursor is set once the walk is done."""
        saved = ListingState.load(state)
        top, after = saved.top, saved.after
        while True:
            listing = self.get(path, {"limit": 100, **({"after": after} if after else {})})
            things = [t for t in listing.children if t.created_utc >= self.floor]
            if not listing.children:
                break
            top = top or listing.children[0].fullname
            after = listing.children[-1].fullname
            done = len(things) < len(listing.children) or not listing.after
            activities, identities, rejects = self._records(subreddit, stream, things)
            yield Batch(
                stream,
                subreddit,
                activities,
                identities,
                saved.dump(cursor=top if done else None, top=top, after=after),
                rejects,
            )
            if done:
                return
        yield Batch(stream, subreddit, state=ListingState(cursor=top).dump())

    def _records(
        self, subreddit: str, stream: str, things: list[Any]
    ) -> tuple[list[Activity], list[Identity], list[Reject]]:
        """A page's activities, its new identities, and the things that could not be read."""
        identities: list[Identity] = []

        def read(thing: Any) -> list[Activity]:
            activity, identity = self._record(subreddit, thing)
            if identity is not None:
                identities.append(identity)
            return [activity]

        activities, rejects = read_each(things, read, stream, subreddit)
        for reject in rejects:  # the thing's fields as Reddit sent them, not praw's object
            reject.item = {
                k: v if isinstance(v, str | int | float | bool | None) else str(v)
                for k, v in vars(reject.item).items()
                if not k.startswith("_")
            }
        return activities, identities, rejects

    def _record(self, subreddit: str, thing: Any) -> tuple[Activity, Identity | None]:
        # vars(): a missing attribute on a praw object triggers a fetch of the object.
        fields = vars(thing)
        author_id = fields.get("author_fullname")
        if fields.get("author") is None or author_id is None:
            author_id = GHOST_ID  # a deleted account: its activity still counts
        is_post = thing.fullname.startswith("t3_")
        post = thing.fullname if is_post else thing.link_id
        activity = Activity(
            SOURCE,
            thing.fullname,
            "post" if is_post else "comment",
            datetime.fromtimestamp(thing.created_utc, UTC),
            author_id,
            subreddit,
            url=f"https://www.reddit.com{thing.permalink}",
            title=fields.get("title") if is_post else fields.get("link_title"),
            thread_id=post,
            parent_id=None if is_post else thing.parent_id,
            body=fields.get("selftext" if is_post else "body") if self.store_bodies else None,
        )
        if author_id in self.known_users:
            return activity, None
        self.known_users.add(author_id)
        if author_id == GHOST_ID:
            return activity, Identity(SOURCE, GHOST_ID, GHOST_ID, is_deleted=True)
        name = thing.author.name
        identity = Identity(
            SOURCE,
            author_id,
            name,
            display_name=name,
            profile_url=f"https://www.reddit.com/user/{name}",
            is_bot=name.lower() in {"automoderator"} or name.lower().endswith("bot"),
            has_profile=True,
        )
        return activity, identity
