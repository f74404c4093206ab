"""Benchmark (not a test): identity resolution time and peak memory.

200,000 identities across six sources (a third with emails, many shared), 1,000
organizations with domains and aliases; merges, suggestions and affiliations computed as
the identity_resolution asset does (from the warehouse's identities to the Parquet files).
Target: under 10 seconds. Then a night with 1% new accounts (of people already there
and of newcomers), resolved incrementally: how long, and how many accounts it resolved
again.
Run with `python -m tests.benchmarks.identity_resolution`.
"""

from __future__ import annotations

import random
import resource
import time

from pipelines.identity.organizations import Organization
from pipelines.identity.resolve import IdentityRef

LOCATIONS = ("Berlin, Germany", "Lagos", "Toronto, Canada", None, None)
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
    """Resolve the synthetic accounts as the identity_resolution asset does: from the
    warehouse's identities table to the Parquet files the marts read."""
    import tempfile
    from pathlib import Path

    import duckdb
    import yaml

    from connectors.core.config import load_config
    from pipelines.build.identity_step import run_resolution

    refs, persons, facts, orgs = synthetic(n, organizations)
    names = {key: (username, name) for key, username, name in persons}
    companies = {key: company for key, _, company in facts}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        warehouse = root / "warehouse.duckdb"
        with duckdb.connect(str(warehouse)) as con:
            con.execute(
                "create schema staging; create table staging.stg_landing__identities "
                "(source varchar, source_user_id varchar, username varchar, "
                "display_name varchar, email varchar, company varchar, is_bot boolean, "
                "location varchar, timezone varchar, extra varchar, is_staff boolean)"
            )
            con.executemany(
                "insert into staging.stg_landing__identities "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false)",
                [
                    (
                        ref.key.split(":")[0],
                        ref.key.split(":")[1],
                        ref.username or names[ref.key][0],
                        names[ref.key][1],
                        ref.email,
                        companies[ref.key],
                        False,
                        LOCATIONS[int(ref.key.split(":")[1]) % len(LOCATIONS)],
                        None,
                        "{}",
                    )
                    for ref in refs
                ],
            )
        (root / "organizations.yml").write_text(
            yaml.safe_dump(
                {
                    "organizations": [
                        {
                            "name": o.name,
                            "domains": list(o.domains),
                            "github_orgs": list(o.github_orgs),
                            "aliases": list(o.aliases),
                        }
                        for o in orgs
                    ]
                }
            )
        )
        (root / "acacia.yml").write_text(yaml.safe_dump({"storage": {"data_dir": "data"}}))
        config = load_config(root / "acacia.yml")
        started = time.perf_counter()
        report = run_resolution(config, warehouse)
        done = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # A night: 1% new accounts, half of people already there, half of newcomers.
        new_refs, new_persons, new_facts, _ = synthetic(n // 100, organizations, seed=2)
        rng = random.Random(3)
        with duckdb.connect(str(warehouse)) as con:
            con.executemany(
                "insert into staging.stg_landing__identities "
                "values (?, ?, ?, ?, ?, ?, false, null, null, '{}', false)",
                [
                    (
                        ref.key.split(":")[0],
                        f"night-{ref.key.split(':')[1]}",
                        username if rng.random() < 0.5 else f"newcomer{username}",
                        name,
                        ref.email,
                        company,
                    )
                    for ref, (_, username, name), (_, _, company) in zip(
                        new_refs, new_persons, new_facts, strict=True
                    )
                ],
            )
        night_started = time.perf_counter()
        night = run_resolution(config, warehouse)
        night_done = time.perf_counter()
    print(
        f"{n:,} identities, {organizations:,} organizations -> {report.members:,} members, "
        f"{report.suggestions:,} suggestions, {report.affiliations:,} affiliations"
    )
    print(f"  total {done - started:.2f} s (target < 10 s); peak memory {peak:.0f} MB")
    print(
        f"  a night with {n // 100:,} new accounts: {night_done - night_started:.2f} s, "
        f"{night.resolved_again:,} accounts resolved again of {night.identities:,}"
    )


if __name__ == "__main__":
    main()
