"""How right identity resolution is, against a truth of who is who.

Pairwise figures, the usual measure for entity resolution: of the pairs of accounts put
in one member, the share that are truly one person (precision), and of the pairs that
are truly one person, the share put in one member (recall). Only accounts the truth
knows count (bots and ghosts are nobody).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


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


def namesake_quality(
    members: Mapping[str, str], truth: Mapping[str, int], names: Mapping[int, str]
) -> tuple[PairQuality, int]:
    """The pairwise figures of ``members`` (identity key -> member or cluster) over the
    accounts of people who share their full name (``names``: person -> name) with
    someone, and how many members join two different people who share a name."""
    shared = {n for n, count in Counter(names.values()).items() if count > 1}
    keys = {k for k, person in truth.items() if names.get(person) in shared}
    people_of: dict[str, set[int]] = {}
    for key, member in members.items():
        if key in truth:
            people_of.setdefault(member, set()).add(truth[key])
    joined = sum(
        1 for people in people_of.values() if len({names.get(p) for p in people}) < len(people)
    )
    return pairwise({k: m for k, m in members.items() if k in keys}, truth), joined


@dataclass(frozen=True)
class ResolutionQuality:
    """The figures of one resolution against the truth."""

    email_only: PairQuality  # shared emails and the manual rules alone
    automatic: PairQuality  # the members as resolved (confident merges applied)
    queue_precision: float  # the share of suggestions waiting for review that are right
    queue_size: int
    all_accepted: PairQuality  # the members if every waiting suggestion were accepted
    #: The accounts of people who share their full name with someone else only.
    namesakes: PairQuality | None = None
    #: Members that join two different people who share a full name.
    namesake_members: int = 0
    #: Waiting suggestions at or above confidence 80: how many, and how many wrong.
    queue_above_80: tuple[int, int] = (0, 0)
    #: Per rule (the strongest tie): automatic merges made and right, suggestions
    #: waiting and right.
    per_rule: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        above, wrong = self.queue_above_80
        lines = [
            f"email-only merges:      {self.email_only}",
            f"automatic merges:       {self.automatic}",
            f"review queue:           {self.queue_size} suggestions, "
            f"precision {self.queue_precision:.3f}; {above} at confidence 80 or more, "
            f"{wrong} of them wrong",
            f"queue all accepted:     {self.all_accepted}",
        ]
        if self.namesakes is not None:
            lines += [
                f"namesakes only:         {self.namesakes}",
                f"members joining two namesakes: {self.namesake_members}",
            ]
        for rule, (made, right, waiting, waiting_right) in sorted(self.per_rule.items()):
            lines.append(
                f"  rule {rule:26} merged {made:4} ({right} right), "
                f"waiting {waiting:3} ({waiting_right} right)"
            )
        return lines


def measure(
    config: object, truth: Mapping[str, int], names: Mapping[int, str] | None = None
) -> ResolutionQuality:
    """Measure the resolution last written for ``config`` (its Parquet results, and the
    warehouse's identities for the email-only rule) against ``truth``; with ``names``
    (person -> full name), the figures of the people who share a name too."""
    import duckdb

    from pipelines.identity.resolve import IdentityRef, login_addresses, resolve
    from pipelines.identity.rules import load_identity_rules

    folder = config.storage.resolution()
    with duckdb.connect() as con:
        members = dict(
            con.execute(
                "select identity_key, member_id from read_parquet(?) where not is_bot",
                [str(folder / "identity_members.parquet")],
            ).fetchall()
        )
        suggestions = con.execute(
            "select identity_a, identity_b, decision, rule, score from read_parquet(?)",
            [str(folder / "identity_suggestions.parquet")],
        ).fetchall()
    queue = [(a, b) for a, b, decision, *_ in suggestions if decision == "review"]
    logins = login_addresses()
    with duckdb.connect(str(config.storage.warehouse()), read_only=True) as con:
        refs = [
            IdentityRef(key, email, username if source in logins else None)
            for key, source, email, username in con.execute(
                "select source || ':' || source_user_id, source, email, username "
                "from staging.stg_landing__identities"
            ).fetchall()
        ]
    manual, _ = load_identity_rules(config.identity.rules_file)
    email_only = {k: a.member_id for k, a in resolve(refs, manual=manual).items() if k in members}
    per_rule: dict[str, list[int]] = {}
    above = wrong = 0
    for a, b, decision, rule, score in suggestions:
        if a not in truth or b not in truth:
            continue
        right = truth[a] == truth[b]
        counts = per_rule.setdefault(rule, [0, 0, 0, 0])
        column = 0 if decision == "automatic" else 2
        counts[column] += 1
        counts[column + 1] += right
        if decision == "review" and score >= 80:
            above += 1
            wrong += not right
    namesakes, joined = (None, 0) if names is None else namesake_quality(members, truth, names)
    return ResolutionQuality(
        email_only=pairwise(email_only, truth),
        automatic=pairwise(members, truth),
        queue_precision=pair_precision(queue, truth),
        queue_size=len(queue),
        all_accepted=pairwise(merged(members, queue), truth),
        namesakes=namesakes,
        namesake_members=joined,
        queue_above_80=(above, wrong),
        per_rule={rule: tuple(counts) for rule, counts in per_rule.items()},
    )
