"""Benchmark (not a test): identity resolution time and peak memory.

200,000 identities across six sources (a third with emails, many shared), 1,000
organizations with domains and aliases; merges, suggestions and affiliations computed as
the identity_resolution asset does. Target: under 10 seconds.
Run with `python -m tests.benchmarks.identity_resolution`.
"""

from __future__ import annotations

import random
import resource
import time

from pipelines.identity.organizations import MemberFacts, Organization, affiliate
from pipelines.identity.resolve import IdentityRef, resolve
from pipelines.identity.suggestions import Person, suggest

SOURCES = ("github", "slack", "discourse", "reddit", "stackexchange", "events")
FIRST = [f"{a}{b}" for a in "bcdfghjklmnprstvz" for b in ("ana", "eo", "ira", "ul", "en")]
LAST = [f"{a}{b}{c}" for a in "bdgklmnprst" for b in ("ar", "en", "is", "ov") for c in "aeiou"]


def synthetic(n: int, organizations: int, seed: int = 1) -> tuple[list, list, list]:
    rng = random.Random(seed)
    orgs = [
        Organization(f"Org {i}", (f"org{i}.com",), (f"org{i}",), (f"Org {i} Inc.",))
        for i in range(organizations)
    ]
    people = n // 2
    refs, persons, facts = [], [], []
    for i in range(n):
        who = rng.randrange(people)  # about two accounts per person
        source = rng.choice(SOURCES)
        # Mostly distinct names, as in a real community (a few collide).
        name = (
            f"{FIRST[who % len(FIRST)]} {LAST[(who // len(FIRST)) % len(LAST)]}"
            f"{LAST[(who // 7) % len(LAST)]}"
        )
        domain = f"org{who % organizations}.com" if who % 3 else "gmail.com"
        email = f"p{who}@{domain}" if rng.random() < 0.35 else None
        key = f"{source}:{i}"
        refs.append(IdentityRef(key, email, f"user{who}" if source == "github" else None))
        persons.append((key, f"user{who}", name))
        facts.append((key, email, f"@org{who % organizations}" if rng.random() < 0.1 else None))
    return refs, persons, facts, orgs


def main(n: int = 200_000, organizations: int = 1_000) -> None:
    refs, persons, facts, orgs = synthetic(n, organizations)
    started = time.perf_counter()
    assignments = resolve(refs)
    resolved = time.perf_counter()
    found = suggest(Person(k, assignments[k].member_id, u, name) for k, u, name in persons)
    suggested = time.perf_counter()
    members: dict[str, MemberFacts] = {}
    for key, email, company in facts:
        member = members.setdefault(
            assignments[key].member_id, MemberFacts(assignments[key].member_id)
        )
        member.identity_keys.append(key)
        if email:
            member.emails.append(email)
        if company:
            member.companies.append(company)
    affiliations, _ = affiliate(members.values(), orgs, [])
    done = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{n:,} identities, {organizations:,} organizations -> "
        f"{len({a.member_id for a in assignments.values()}):,} members, "
        f"{len(found):,} suggestions, {len(affiliations):,} affiliations"
    )
    print(
        f"  merge {resolved - started:.2f} s, suggestions {suggested - resolved:.2f} s, "
        f"organizations {done - suggested:.2f} s; total {done - started:.2f} s "
        f"(target < 10 s); peak memory {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
