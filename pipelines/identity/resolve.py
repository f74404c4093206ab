"""Merging identities into members, with ids that stay put from one run to the next.

Rules, in order of strength:

1. **Manual splits** (identities.yml ``split``) cut an identity off from every automatic
   link; **manual merges** (``merge``) join identities whatever else says.
2. **Shared email** (case-insensitive). A GitHub noreply address
   (``12345+login@users.noreply.github.com``) stands for that GitHub login.
3. Merging is transitive (connected components), so the result does not depend on the
   order identities arrive in.

Member ids: a member keeps the id it had in the previous run as long as any of its
identities are still together; when two earlier members meet, the one with more
identities (then the smaller id) keeps its id; identities split off get new ids.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

NOREPLY = re.compile(r"^(?:\d+\+)?([a-z0-9-]+)@users\.noreply\.github\.com$")


@dataclass(frozen=True)
class IdentityRef:
    """What resolution needs to know of one identity."""

    key: str  # "<source>:<source_user_id>"
    email: str | None = None
    username: str | None = None  # only used for GitHub noreply matching

    @property
    def source(self) -> str:
        return self.key.split(":", 1)[0]


@dataclass
class ManualRules:
    merges: list[list[str]] = field(default_factory=list)
    splits: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Assignment:
    member_id: str
    rule: str  # why this identity is in its member: "alone", "email", "manual", ...


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent.setdefault(item, item)
        if parent != item:
            parent = self.parent[item] = self.find(parent)
        return parent

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            # The smaller root wins: the structure does not depend on the order of unions.
            low, high = sorted((root_a, root_b))
            self.parent[high] = low


def email_key(identity: IdentityRef) -> str | None:
    """The matching key of an identity's email, or None. Noreply maps to the login."""
    if not identity.email:
        return None
    email = identity.email.strip().lower()
    noreply = NOREPLY.match(email)
    if noreply:
        return f"github-login:{noreply.group(1)}"
    return f"email:{email}" if "@" in email else None


def _new_id(seed: str, taken: set[str]) -> str:
    salt = 0
    while True:
        digest = hashlib.sha256(f"{seed}#{salt}".encode() if salt else seed.encode())
        candidate = "m_" + digest.hexdigest()[:16]
        if candidate not in taken:
            return candidate
        salt += 1


def resolve(
    identities: Iterable[IdentityRef],
    previous: Mapping[str, str] | None = None,
    manual: ManualRules | None = None,
) -> dict[str, Assignment]:
    """Assign every identity to a member. ``previous`` maps identity keys to the member
    ids of the last run."""
    previous = previous or {}
    manual = manual or ManualRules()
    identities = sorted(set(identities), key=lambda i: i.key)
    keys = {i.key for i in identities}
    links = _UnionFind()
    rule: dict[str, str] = {}
    for identity in identities:
        links.find(identity.key)

    # Automatic: shared email keys (GitHub logins stand for their noreply addresses).
    by_email: dict[str, list[str]] = defaultdict(list)
    for identity in identities:
        if identity.key in manual.splits:
            continue
        if identity.source == "github" and identity.username:
            by_email[f"github-login:{identity.username.lower()}"].append(identity.key)
        if (key := email_key(identity)) is not None:
            by_email[key].append(identity.key)
    for group in by_email.values():
        for other in group[1:]:
            links.union(group[0], other)
            rule[other] = rule[group[0]] = "email"

    # Manual merges win over everything (splits included).
    for group in manual.merges:
        present = [k for k in group if k in keys]
        for other in present[1:]:
            links.union(present[0], other)
        for k in present if len(present) > 1 else []:
            rule[k] = "manual"

    components: dict[str, list[str]] = defaultdict(list)
    for key in sorted(keys):
        components[links.find(key)].append(key)
    return _stable_ids(components, previous, manual.splits, rule)


def _stable_ids(
    components: dict[str, list[str]],
    previous: Mapping[str, str],
    splits: set[str],
    rule: dict[str, str],
) -> dict[str, Assignment]:
    """Give each component a member id, keeping earlier ids where the rules say so."""
    counts: dict[str, dict[str, int]] = {}  # root -> old id -> identities carrying it
    claims: dict[str, list[tuple[tuple, str]]] = defaultdict(list)
    for root, members in components.items():
        counts[root] = defaultdict(int)
        for key in members:
            if key in previous:
                counts[root][previous[key]] += 1
        split_off = all(k in splits for k in members)
        for old_id, count in counts[root].items():
            # The component that keeps an old id: most of its identities, not a split-off
            # identity, the larger component, then the smallest identity key.
            claims[old_id].append(((-count, split_off, -len(members), members[0]), root))
    won: dict[str, list[str]] = defaultdict(list)
    for old_id, contenders in claims.items():
        won[min(contenders)[1]].append(old_id)
    # Where earlier members meet, the one with more identities here (then the smaller
    # id) keeps its id.
    kept = {root: min(ids, key=lambda old: (-counts[root][old], old)) for root, ids in won.items()}
    taken = set(previous.values())
    result: dict[str, Assignment] = {}
    for root, members in sorted(components.items()):
        member_id = kept.get(root) or _new_id(members[0], taken)
        taken.add(member_id)
        for key in members:
            how = rule.get(key, "alone" if len(members) == 1 else "email")
            result[key] = Assignment(member_id, how)
    return result
