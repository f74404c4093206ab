"""What the Stack Exchange connector reads, and how it stays incremental.

Per tag: the questions whose last activity is at or after the cursor (``sort=activity``,
``order=asc``, ``min=<cursor>``), then, for each chunk of 100 of them, their answers,
their comments and their answers' comments (vectorized calls, ids joined by ``;``), and
the profiles (location, reputation) of people not seen before. A chunk lands with the
largest activity date in it as the cursor.

StackAPI pages through ``has_more`` up to ``max_pages`` (5 by default, which would stop
early without a word); we raise it, and also loop while ``has_more`` is still true. It
sleeps the ``backoff`` the API asks for. We watch ``quota_remaining`` and stop cleanly,
with a message, before the daily quota (10,000 requests with an app key) runs out.
"""

from __future__ import annotations

import contextvars
import html
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import requests
import stackapi.stackapi as _sdk
from stackapi import StackAPI, StackAPIError

from connectors.core import clock
from connectors.core.batch import Batch, Reject, Watermark, each_stream, read_each
from connectors.core.errors import RateLimitStop, SourceError
from connectors.core.records import Activity, Identity
from connectors.core.retry import RetryPolicy
from connectors.core.source import ApiSourceSettings

log = logging.getLogger(__name__)
SOURCE = "stackexchange"
CHUNK = 100
#: Posts of deleted accounts (``owner.user_type: does_not_exist``, no ``user_id``) all
#: count for this one identity, flagged deleted.
GHOST_ID = "deleted"

TRANSIENT = {"throttle_violation", "temporarily_unavailable", "internal_error"}

_timeout: contextvars.ContextVar[float] = contextvars.ContextVar("timeout", default=30.0)


class _RequestsWithTimeout:
    """StackAPI calls ``requests.get`` with no timeout, so a server that accepts the
    connection and never answers would hang the sync for ever. StackAPI's module sees
    this instead of ``requests``: the same, with the connector's timeout on ``get``."""

    def __getattr__(self, name: str) -> Any:
        return getattr(requests, name)

    @staticmethod
    def get(*args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", _timeout.get())
        return requests.get(*args, **kwargs)


_sdk.requests = _RequestsWithTimeout()  # type: ignore[assignment]


class _Transient(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _text(value: str | None) -> str | None:
    """The API's text fields are HTML-encoded (``J&#246;rg``, ``&quot;``)."""
    return html.unescape(value) if value else None


def _reason(error: BaseException) -> str:
    """What kind of failure, without the text (which quotes the URL and its key)."""
    if isinstance(error, StackAPIError):
        text = str(error.error)
        if "Expecting value" in text or "JSON" in text:
            return "the answer was not JSON: a proxy's error page or a cut-off body"
        if "timed out" in text.lower():
            return "timed out"
        return "could not connect"
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        return "could not connect"
    return type(error).__name__


@dataclass(frozen=True)
class StackExchangeSettings:
    site: str = "stackoverflow"
    key: str | None = None
    base_url: str = "https://api.stackexchange.com"
    max_pages: int = 25
    quota_reserve: int = 100
    retries: int = ApiSourceSettings.default("request_retries")
    backoff: float = ApiSourceSettings.default("retry_backoff_seconds")
    timeout: float = ApiSourceSettings.default("request_timeout_seconds")


class StackExchangeConnector:
    """Reads tagged questions incrementally and yields :class:`Batch` es."""

    def __init__(
        self,
        settings: StackExchangeSettings,
        *,
        tags: list[str],
        backfill_days: int = 365,
        known_users: set[str] | None = None,
        now: datetime | None = None,
    ) -> None:
        self.settings = settings
        self.tags = tags
        self.floor = int(((now or clock.now()) - timedelta(days=backfill_days)).timestamp())
        self.known_users = set(known_users or ())
        self.requests = 0
        self.quota_remaining: int | None = None
        self.problems: list[SourceError] = []
        self.api: StackAPI | None = None
        # StackAPI itself sleeps the ``backoff`` a body asks for.
        self.policy = RetryPolicy(SOURCE, settings.retries, settings.backoff)

    # -- requests ---------------------------------------------------------------------
    @contextmanager
    def _patience(self) -> Iterator[None]:
        token = _timeout.set(self.settings.timeout)
        try:
            yield
        finally:
            _timeout.reset(token)

    def connect(self) -> StackAPI:
        """StackAPI for the site (its constructor reads /sites), with retries."""
        for attempt in range(self.settings.retries + 1):
            try:
                return self._connect()
            except _Transient as error:
                if attempt == self.settings.retries:
                    raise self._unreachable("sites", error.reason) from None
                self.policy.pause(attempt + 1, "sites", error.reason)
        raise AssertionError("unreachable")

    def _connect(self) -> StackAPI:
        self.requests += 1
        try:
            with self._patience():
                api = StackAPI(
                    self.settings.site,
                    key=self.settings.key,
                    base_url=self.settings.base_url.rstrip("/"),
                    max_pages=self.settings.max_pages,
                    page_size=100,
                )
        except requests.RequestException as error:
            raise _Transient(type(error).__name__) from None
        except ValueError:
            raise SourceError(
                SOURCE,
                f"{self.settings.site!r} is not a Stack Exchange site.",
                "Use the site's API name in sources.stackexchange.site, e.g. "
                "'stackoverflow' or 'superuser'.",
            ) from None
        except StackAPIError as error:
            if not str(error.error).isdigit():  # no API answer: connection, bad body
                raise _Transient(_reason(error)) from None
            if error.code in TRANSIENT:  # a throttle answer: back off and ask again
                raise _Transient(f"{error.code}: {error.message}") from None
            raise self._error("sites", error) from None
        self.api = api
        return api

    def fetch(self, endpoint: str, **params: Any) -> dict[str, Any]:
        """One StackAPI fetch (all its pages), with retries and the quota watched."""
        if self.quota_remaining is not None and self.quota_remaining < self.settings.quota_reserve:
            raise RateLimitStop(
                SOURCE,
                f"the daily Stack Exchange quota is nearly spent "
                f"({self.quota_remaining} requests left, keeping {self.settings.quota_reserve}"
                " in reserve).",
                "Nothing is lost: the next sync (after the daily reset) "
                "resumes from here. An app key (sources.stackexchange.key_env) raises the "
                "quota to 10,000 requests a day.",
            )
        assert self.api is not None
        for attempt in range(self.settings.retries + 1):
            self.requests += 1
            try:
                with self._patience():
                    result = self.api.fetch(endpoint, **params)
            except (StackAPIError, requests.RequestException) as error:
                answered = isinstance(error, StackAPIError) and str(error.error).isdigit()
                transient = not answered or error.code in TRANSIENT
                if not transient:
                    raise self._error(endpoint, error) from None
                if attempt == self.settings.retries:
                    if answered:
                        raise self._error(endpoint, error) from None
                    raise self._unreachable(endpoint, _reason(error)) from None
                reason = str(getattr(error, "code", None)) if answered else _reason(error)
                self.policy.pause(attempt + 1, endpoint, reason)
                continue
            if result.get("quota_remaining", -1) >= 0:
                self.quota_remaining = result["quota_remaining"]
            return result
        raise AssertionError("unreachable")

    def fetch_all(self, endpoint: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of an endpoint: goes on past StackAPI's max_pages while the API
        says ``has_more`` (a vectorized call for 100 questions can return more answers
        than max_pages holds)."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            result = self.fetch(endpoint, page=page, **params)
            items += result["items"]
            if not result.get("has_more"):
                return items
            page = result["page"] + 1

    def _unreachable(self, endpoint: str, reason: str) -> SourceError:
        return SourceError(
            SOURCE,
            f"{endpoint}: no usable answer from {self.settings.base_url} after "
            f"{self.settings.retries} retries ({reason}).",
            "Check sources.stackexchange.base_url and this machine's network; the next "
            "run resumes from the last saved cursor.",
        )

    @staticmethod
    def _error(endpoint: str, error: StackAPIError) -> SourceError:
        # StackAPIError's URL carries the key: never show it (redaction would hide it
        # anyway; the URL says nothing a person needs).
        key = "Check the app key in the variable named by sources.stackexchange.key_env."
        fix = {
            "bad_parameter": key
            if error.message == "key"
            else "Check sources.stackexchange (site, tags).",
            "key_required": key,
            "access_denied": key,
            "throttle_violation": "Too many requests from this address; the next run resumes.",
        }.get(str(error.code), "Check sources.stackexchange; the next run retries.")
        return SourceError(SOURCE, f"{endpoint} failed: {error.code} ({error.message}).", fix)

    # -- sync -----------------------------------------------------------------------------
    def sync(self, state: dict[str, dict[str, Any]]) -> Iterator[Batch]:
        try:
            self.connect()
        except SourceError as error:
            self.problems.append(error)
            return
        yield from each_stream(
            (
                (f"[{tag}]", partial(self._tag, tag, state.get(f"{tag}:questions", {})))
                for tag in self.tags
            ),
            self.problems,
        )

    def _tag(self, tag: str, state: dict[str, Any]) -> Iterator[Batch]:
        mark = Watermark(state.get("cursor"), set(state.get("seen", [])))
        while True:
            since = int(mark.value) if mark.value else self.floor
            result = self.fetch("questions", tagged=tag, sort="activity", order="asc", min=since)
            # The same question can come back on two pages of one fetch (its activity
            # moved while we paged): it is read once.
            readable, rejects = read_each(
                result["items"],
                lambda q: [(f"{int(q['last_activity_date']):012d}", int(q["question_id"]), q)],
                "questions",
                tag,
            )
            unique = {question_id: (at, q) for at, question_id, q in readable}
            fresh = [(at, q) for at, q in unique.values() if mark.is_new(at, str(q["question_id"]))]
            for start in range(0, len(fresh), CHUNK):
                chunk = fresh[start : start + CHUNK]
                activities, owners, set_aside = self._chunk(tag, [q for _, q in chunk])
                for at, question in chunk:
                    mark.advance(at, str(question["question_id"]))
                yield Batch(
                    "questions",
                    tag,
                    activities,
                    self._identities(owners),
                    mark.as_state(),
                    rejects + set_aside,
                )
                rejects = []
            if rejects:
                yield Batch("questions", tag, rejects=rejects)
            if not result.get("has_more") or not fresh:
                return

    def _chunk(
        self, tag: str, questions: list[dict[str, Any]]
    ) -> tuple[list[Activity], dict[str, dict[str, Any]], list[Reject]]:
        ids = [q["question_id"] for q in questions]
        # Titles come HTML-encoded (&quot;, &#231;); each question carries its own link
        # (the site's host is not always "<site>.com": pt.stackoverflow.com, askubuntu.com).
        titles = {q["question_id"]: html.unescape(q.get("title") or "") for q in questions}
        links = {q["question_id"]: q.get("link") for q in questions}
        answers = self.fetch_all("questions/{ids}/answers", ids=ids)
        comments = self.fetch_all("questions/{ids}/comments", ids=ids)
        answer_ids = [a["answer_id"] for a in answers if a.get("answer_id") is not None]
        for start in range(0, len(answer_ids), CHUNK):
            chunk_ids = answer_ids[start : start + CHUNK]
            comments += self.fetch_all("answers/{ids}/comments", ids=chunk_ids)
        question_of = {a.get("answer_id"): a.get("question_id") for a in answers}
        question_of.update({q: q for q in ids})
        owners: dict[str, dict[str, Any]] = {}
        activities: list[Activity] = []

        def add(
            kind: str, item_id: str, item: dict[str, Any], question: int, parent: str | None = None
        ) -> None:
            owner = item.get("owner") or {}
            # A deleted account ("does_not_exist", no user_id) counts for the ghost.
            user = str(owner["user_id"]) if "user_id" in owner else GHOST_ID
            owners[user] = owner
            activities.append(
                Activity(
                    SOURCE,
                    item_id,
                    kind,
                    datetime.fromtimestamp(item["creation_date"], UTC),
                    user,
                    tag,
                    url=links.get(question) or f"{self.site_url}/questions/{question}",
                    title=titles.get(question),
                    thread_id=f"question:{question}",
                    parent_id=parent,
                )
            )

        def question_read(q: dict[str, Any]) -> list[None]:
            add("question", f"question:{q['question_id']}", q, q["question_id"])
            return []

        def answer_read(a: dict[str, Any]) -> list[None]:
            question = a["question_id"]
            add("answer", f"answer:{a['answer_id']}", a, question, f"question:{question}")
            if a.get("is_accepted"):
                add(
                    "answer_accepted",
                    f"accepted:{a['answer_id']}",
                    a,
                    question,
                    f"answer:{a['answer_id']}",
                )
            return []

        def comment_read(c: dict[str, Any]) -> list[None]:
            question = question_of.get(c["post_id"], c["post_id"])
            kind = "question" if c["post_id"] == question else "answer"
            add("comment", f"comment:{c['comment_id']}", c, question, f"{kind}:{c['post_id']}")
            return []

        rejects = []
        for items, read, stream in (
            (questions, question_read, "questions"),
            (answers, answer_read, "answers"),
            (comments, comment_read, "comments"),
        ):
            rejects += read_each(items, read, stream, tag)[1]
        return activities, owners, rejects

    @property
    def site_url(self) -> str:
        return (
            f"https://{self.settings.site}.com"
            if "." not in self.settings.site
            else f"https://{self.settings.site}"
        )

    def _identities(self, owners: dict[str, dict[str, Any]]) -> list[Identity]:
        """Profiles (location, reputation) of owners not seen before, 100 per request."""
        new = [user for user in owners if user not in self.known_users]
        profiles: dict[str, dict[str, Any]] = {}
        asked = [user for user in new if user != GHOST_ID]
        for start in range(0, len(asked), CHUNK):
            for user in self.fetch_all("users/{ids}", ids=asked[start : start + CHUNK]):
                profiles[str(user["user_id"])] = user
        self.known_users.update(new)
        identities = []
        for user in new:
            if user == GHOST_ID:
                identities.append(Identity(SOURCE, GHOST_ID, "deleted user", is_deleted=True))
                continue
            profile = profiles.get(user) or owners[user]
            identities.append(
                Identity(
                    SOURCE,
                    user,
                    _text(profile.get("display_name")) or user,
                    display_name=_text(profile.get("display_name")),
                    location=_text(profile.get("location")),
                    profile_url=profile.get("link"),
                    avatar_url=profile.get("profile_image"),
                    has_profile=user in profiles,
                    # A site's moderators are its staff (user_type: moderator).
                    is_staff=profile.get("user_type") == "moderator",
                    extra={"reputation": profile.get("reputation")},
                )
            )
        return identities
