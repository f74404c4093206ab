"""What every connector yields: batches of records with the cursor state to commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.records import Activity, Identity


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

    @property
    def key(self) -> str:
        return f"{self.scope}:{self.stream}"


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
