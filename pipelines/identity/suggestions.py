"""Merge suggestions: accounts that look like the same person, for a person to decide.

Never applied automatically. Three kinds of evidence, between identities of different
members and different sources:

- the same username (``adal`` on GitHub and on the forum);
- the same full name (accents, case and spacing aside);
- names written differently but close (``Ada Lovelace`` and ``Ada L.``, ``Jonas Müller``
  and ``Jonas Mueller``), scored with rapidfuzz within blocks of names that share the
  first two letters of the first name and the initial of the last, so 200,000
  identities do not mean 40 billion comparisons.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

NEAR_MATCH = 88  # token_sort_ratio at or above which two names are "close"


@dataclass(frozen=True)
class Person:
    """What suggestions look at for one identity."""

    key: str
    member_id: str
    username: str | None = None
    name: str | None = None
    is_bot: bool = False

    @functools.cached_property
    def source(self) -> str:
        return self.key.split(":", 1)[0]


@dataclass(frozen=True)
class Suggestion:
    suggestion_id: str
    identity_a: str
    identity_b: str
    member_a: str
    member_b: str
    rule: str  # same_username, same_name, similar_name
    evidence: str
    score: float


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


@functools.lru_cache(maxsize=500_000)
def normalize_name(name: str | None) -> str:
    """Lowercase, accents off (ü -> u), punctuation to spaces, single spaces."""
    if not name:
        return ""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _NOT_ALNUM.sub(" ", ascii_text.lower()).strip()


def _suggestion(a: Person, b: Person, rule: str, evidence: str, score: float) -> Suggestion:
    a, b = sorted((a, b), key=lambda p: p.key)
    # 64 bits: no collision among millions of suggestions (40 bits collided at 4.8M).
    digest = hashlib.sha256(f"{a.key}|{b.key}".encode()).hexdigest()[:16]
    return Suggestion(f"s_{digest}", a.key, b.key, a.member_id, b.member_id, rule, evidence, score)


def suggest(
    people: Iterable[Person], rejected: set[frozenset[str]] | None = None
) -> list[Suggestion]:
    """Pairs of identities (of different members and sources) that may be one person."""
    rejected = rejected or set()
    people = [p for p in people if not p.is_bot]
    found: dict[frozenset[str], Suggestion] = {}

    def offer(a: Person, b: Person, rule: str, evidence: str, score: float) -> None:
        pair = frozenset((a.key, b.key))
        if a.member_id == b.member_id or a.source == b.source or pair in rejected:
            return
        if pair not in found or found[pair].score < score:
            found[pair] = _suggestion(a, b, rule, evidence, score)

    by_username: dict[str, list[Person]] = defaultdict(list)
    by_name: dict[str, list[Person]] = defaultdict(list)
    for person in people:
        # A handle, not a display name (events and Stack Exchange have only names).
        if person.username and len(person.username) >= 3 and " " not in person.username:
            by_username[person.username.lower()].append(person)
        name = normalize_name(person.name)
        if len(name.split()) >= 2:
            by_name[name].append(person)
    for username, group in by_username.items():
        for a, b in _pairs(group):
            offer(
                a,
                b,
                "same_username",
                f"same username '{username}' on {a.source} and {b.source}",
                100.0,
            )
    for name, group in by_name.items():
        for a, b in _pairs(group):
            offer(a, b, "same_name", f"same name '{name}' on {a.source} and {b.source}", 95.0)

    # Near matches, within blocks: same two first letters, same last-name initial.
    blocks: dict[str, list[str]] = defaultdict(list)
    for name in by_name:
        tokens = name.split()
        blocks[f"{tokens[0][:2]} {tokens[-1][:1]}"].append(name)
    for names in blocks.values():
        if len(names) < 2:
            continue
        scores = process.cdist(
            names, names, scorer=fuzz.token_sort_ratio, score_cutoff=NEAR_MATCH, workers=-1
        )
        rows, cols = scores.nonzero()
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            if i >= j:
                continue
            for a in by_name[names[i]]:
                for b in by_name[names[j]]:
                    offer(
                        a,
                        b,
                        "similar_name",
                        f"similar names '{names[i]}' and '{names[j]}' on {a.source} and {b.source}",
                        float(scores[i, j]),
                    )
    return sorted(found.values(), key=lambda s: (-s.score, s.suggestion_id))


def _pairs(group: list[Person]) -> Iterable[tuple[Person, Person]]:
    if len(group) > 50:  # a common name ("admin", "John Smith"): too weak to suggest
        return
    for i, a in enumerate(group):
        for b in group[i + 1 :]:
            yield a, b
