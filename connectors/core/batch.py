"""What every connector yields: batches of records with the cursor state to commit."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

from connectors.core.errors import RateLimitStop, SourceError
from connectors.core.records import Activity, Feedback, Identity, Listing

log = logging.getLogger(__name__)

T = TypeVar("T")

#: What normalizing code raises on an item shaped unlike the API's documented one.
UNREADABLE = (KeyError, IndexError, TypeError, ValueError, AttributeError)


@dataclass
class Reject:
    """An item a connector could not normalize: landed raw, with why, and the stream
    goes on (one bad item never stops a sync)."""

    stream: str
    scope: str
    reason: str
    item: Any

    def as_row(self, source: str) -> dict[str, Any]:
        return {
            "source": source,
            "stream": self.stream,
            "scope": self.scope,
            "reason": self.reason,
            "item": json.dumps(self.item, sort_keys=True, default=str),
        }


def why(error: BaseException) -> str:
    """A reason a person can read: which field was missing or what was wrong."""
    if isinstance(error, KeyError):
        return f"missing field {error.args[0]!r}" if error.args else "missing field"
    if isinstance(error, AttributeError) and error.name:  # an SDK object without it
        return f"missing field {error.name!r}"
    return f"{type(error).__name__}: {error}"


def read_each(
    items: Iterable[Any], read: Callable[[Any], list[T]], stream: str, scope: str
) -> tuple[list[T], list[Reject]]:
    """``read(item)`` for each item, collected; an item it cannot read is set aside as a
    :class:`Reject` with the reason, and the others are read."""
    records: list[T] = []
    rejects: list[Reject] = []
    for item in items:
        try:
            records += read(item)
        except UNREADABLE as error:
            log.warning("set aside an item of %s %s: %s", scope, stream, why(error))
            rejects.append(Reject(stream, scope, why(error), item))
    return records, rejects


@dataclass
class Batch:
    """Records from one page, and the stream state to commit once they are landed.

    ``state`` is None for a page in the middle of a newest-first walk: such a stream only
    moves its cursor when the walk is complete, so an interrupted walk is redone.
    """

    stream: str
    scope: str
    activities: list[Activity] = field(default_factory=list)
    identities: list[Identity] = field(default_factory=list)
    state: dict[str, Any] | None = None
    rejects: list[Reject] = field(default_factory=list)
    #: Responses to events' surveys (records.Feedback).
    feedback: list[Feedback] = field(default_factory=list)
    #: Events as the source lists them (records.Listing): the event list's rows.
    listings: list[Listing] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.scope}:{self.stream}"


@dataclass(frozen=True)
class SavedState:
    """A stream's saved state, typed: each connector declares the fields of its streams'
    states as a frozen dataclass of this kind, reads them with :meth:`load` and writes
    them with :meth:`dump` (JSON in data/state/<source>.json; a field at its default is
    not written, an unknown key is ignored). Lists are kept as tuples."""

    @classmethod
    def load(cls, raw: dict[str, Any]) -> Any:
        known = {f.name: f for f in fields(cls)}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items() if k in known}
        return cls(**values)

    def dump(self, **changes: Any) -> dict[str, Any]:
        state = replace(self, **changes)
        defaults = type(self)()
        return {
            f.name: list(value) if isinstance(value, tuple) else value
            for f in fields(state)
            if (value := getattr(state, f.name)) != getattr(defaults, f.name)
        }


@dataclass
class Watermark:
    """A cursor over an inclusive ``since``: the newest time seen and the ids seen at
    exactly that time, so items repeated by the inclusive bound are not landed twice."""

    value: str | None = None
    seen: set[str] = field(default_factory=set)

    def is_new(self, at: str, item_id: str) -> bool:
        return (
            self.value is None or at > self.value or (at == self.value and item_id not in self.seen)
        )

    def advance(self, at: str, item_id: str) -> None:
        if self.value is None or at > self.value:
            self.value, self.seen = at, {item_id}
        elif at == self.value:
            self.seen.add(item_id)

    def as_state(self) -> dict[str, Any]:
        return {"cursor": self.value, "seen": sorted(self.seen)}

    def copy(self) -> Watermark:
        return Watermark(self.value, set(self.seen))


@dataclass
class NewestFirstWalk:
    """A walk from the newest item down to the cursor of the last complete walk, that
    an interruption never makes land an item twice or lose one (Slack's history,
    Discourse's posts).

    The cursor only moves when the walk is complete. Until then, each page commits the
    range it has landed so far (``pending``: from the oldest item landed to the newest
    seen); the next run skips what lies in a pending range and walks on below it. Keys
    are anything ordered the way the walk goes (Slack timestamps, post ids)."""

    cursor: Any = None
    pending: list[tuple[Any, Any]] = field(default_factory=list)
    top: Any = None
    bottom: Any = None

    @classmethod
    def resume(cls, state: dict[str, Any]) -> NewestFirstWalk:
        return cls(state.get("cursor"), [tuple(r) for r in state.get("pending", [])])

    def landed(self, key: Any) -> bool:
        """Landed by an earlier walk: at or below the cursor, or in a pending range."""
        return (self.cursor is not None and key <= self.cursor) or any(
            low <= key <= high for low, high in self.pending
        )

    def saw(self, key: Any) -> None:
        """An item met on the way (landed now or before)."""
        self.top = key if self.top is None else max(self.top, key)

    def took(self, key: Any) -> None:
        """An item landed by this walk."""
        self.saw(key)
        self.bottom = key if self.bottom is None else min(self.bottom, key)

    def progress(self) -> dict[str, Any]:
        """The state to commit with a page of the walk: the cursor unmoved, and what this
        walk has landed as one more pending range."""
        mine = [(self.bottom, self.top)] if self.bottom is not None else []
        return {"cursor": self.cursor, "pending": self.pending + mine}

    def complete(self) -> dict[str, Any]:
        """The state once the walk has reached the cursor: everything up to the newest item
        seen is landed."""
        newest = max(filter(lambda k: k is not None, [self.cursor, self.top]), default=None)
        return {"cursor": newest, "pending": []}


def each_stream(
    streams: Iterable[tuple[str, Callable[[], Iterable[Batch]]]], problems: list[SourceError]
) -> Iterator[Batch]:
    """Every stream of a sync in turn, ``(where, read)``: a stream that fails is recorded
    in ``problems``, named, and the others go on; a spent rate limit stops them all (what
    was read is landed with its cursors; the next run resumes there)."""
    for where, read in streams:
        try:
            yield from read()
        except RateLimitStop as error:
            problems.append(error.within(where))
            return
        except SourceError as error:
            log.warning("%s (skipped; the other streams go on)", error.within(where))
            problems.append(error)
