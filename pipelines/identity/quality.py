"""How right identity resolution is, against a truth of who is who.

Pairwise figures, the usual measure for entity resolution: of the pairs of accounts put
in one member, the share that are truly one person (precision), and of the pairs that
are truly one person, the share put in one member (recall). Only accounts the truth
knows count (bots and ghosts are nobody).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PairQuality:
    precision: float
    recall: float
    found: int  # pairs of accounts in one member
    true: int  # pairs of accounts of one person
    correct: int  # pairs both

    def __str__(self) -> str:
        return (
            f"precision {self.precision:.3f}, recall {self.recall:.3f} "
            f"({self.correct} of {self.found} pairs found right, of {self.true} true pairs)"
        )


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(members: Mapping[str, str], truth: Mapping[str, int]) -> PairQuality:
    """Precision and recall of ``members`` (identity key -> member id) against ``truth``
    (identity key -> person)."""
    keys = [k for k in members if k in truth]
    found = sum(_pairs(n) for n in Counter(members[k] for k in keys).values())
    true = sum(_pairs(n) for n in Counter(truth[k] for k in keys).values())
    correct = sum(_pairs(n) for n in Counter((members[k], truth[k]) for k in keys).values())
    return PairQuality(
        precision=correct / found if found else 1.0,
        recall=correct / true if true else 1.0,
        found=found,
        true=true,
        correct=correct,
    )


def pair_precision(pairs: Iterable[tuple[str, str]], truth: Mapping[str, int]) -> float:
    """The share of suggested pairs (of accounts the truth knows) that are one person."""
    known = [(a, b) for a, b in pairs if a in truth and b in truth]
    return sum(truth[a] == truth[b] for a, b in known) / len(known) if known else 1.0


def merged(members: Mapping[str, str], pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``members`` with the members of every pair joined (every suggestion accepted)."""
    parent = {m: m for m in members.values()}

    def root(m: str) -> str:
        while parent[m] != m:
            parent[m] = parent[parent[m]]
            m = parent[m]
        return m

    for a, b in pairs:
        if a in members and b in members:
            ra, rb = root(members[a]), root(members[b])
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {k: root(m) for k, m in members.items()}


@dataclass(frozen=True)
class ResolutionQuality:
    """The figures of one resolution against the truth."""

    email_only: PairQuality  # shared emails and the manual rules alone
    automatic: PairQuality  # the members as resolved (confident merges applied)
    queue_precision: float  # the share of suggestions waiting for review that are right
    queue_size: int
    all_accepted: PairQuality  # the members if every waiting suggestion were accepted

    def lines(self) -> list[str]:
        return [
            f"email-only merges:      {self.email_only}",
            f"automatic merges:       {self.automatic}",
            f"review queue:           {self.queue_size} suggestions, "
            f"precision {self.queue_precision:.3f}",
            f"queue all accepted:     {self.all_accepted}",
        ]


def measure(config: object, truth: Mapping[str, int]) -> ResolutionQuality:
    """Measure the resolution last written for ``config`` (its Parquet results, and the
    warehouse's identities for the email-only rule) against ``truth``."""
    import duckdb

    from pipelines.identity.resolve import IdentityRef, resolve
    from pipelines.identity.rules import load_identity_rules

    folder = config.storage.resolution()
    with duckdb.connect() as con:
        members = dict(
            con.execute(
                "select identity_key, member_id from read_parquet(?) where not is_bot",
                [str(folder / "identity_members.parquet")],
            ).fetchall()
        )
        queue = con.execute(
            "select identity_a, identity_b from read_parquet(?) where decision = 'review'",
            [str(folder / "identity_suggestions.parquet")],
        ).fetchall()
    with duckdb.connect(str(config.storage.warehouse()), read_only=True) as con:
        refs = [
            IdentityRef(key, email, username if source == "github" else None)
            for key, source, email, username in con.execute(
                "select source || ':' || source_user_id, source, email, username "
                "from staging.stg_landing__identities"
            ).fetchall()
        ]
    manual, _ = load_identity_rules(config.identity.rules_file)
    email_only = {k: a.member_id for k, a in resolve(refs, manual=manual).items() if k in members}
    return ResolutionQuality(
        email_only=pairwise(email_only, truth),
        automatic=pairwise(members, truth),
        queue_precision=pair_precision(queue, truth),
        queue_size=len(queue),
        all_accepted=pairwise(merged(members, queue), truth),
    )
