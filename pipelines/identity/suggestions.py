"""Merge suggestions: accounts that look like the same person, for a person to decide.

Never applied automatically. Three kinds of evidence, between identities of different
members and different sources:

- the same username (``adal`` on GitHub and on the forum);
- the same full name (accents, case and spacing aside);
- names written differently but close (``Jonas Müller`` and ``Jonas Mueller``,
  ``Ada Lovelace`` and ``Ada Lovelance``), scored with rapidfuzz within blocks of names
  that share the first two letters of the first and of the last word, so 200,000
  identities do not mean 40 billion comparisons (a typo in those letters goes
  unnoticed).

A username or name shared by more than ``COMMON`` identities ("admin", "John Smith") is
too weak to suggest anything. Pairs are found with DuckDB joins (a million identities
take seconds); only the near-match scoring runs in Python, over distinct names. Between
two identities the strongest evidence wins (same username, then same name, then the
closest similar name); ids are a hash of the two identity keys, so a suggestion keeps
its id from one run to the next.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pyarrow as pa
from rapidfuzz import fuzz, process

from pipelines.identity.resolve import scratch_connection

NEAR_MATCH = 88  # token_sort_ratio at or above which two names are "close"
COMMON = 50  # a username or name on more identities than this suggests nothing


@dataclass(frozen=True)
class Person:
    """What suggestions look at for one identity."""

    key: str
    member_id: str
    username: str | None = None
    name: str | None = None
    is_bot: bool = False


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


def _strings(**columns: list) -> pa.Table:
    return pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})


def suggest(
    people: Iterable[Person], rejected: set[frozenset[str]] | None = None
) -> list[Suggestion]:
    """Pairs of identities (of different members and sources) that may be one person,
    strongest first."""
    people = list(people)
    con = scratch_connection()
    table = _strings(
        key=[p.key for p in people],
        member_id=[p.member_id for p in people],
        username=[p.username for p in people],
        name=[p.name for p in people],
    ).append_column("is_bot", pa.array([p.is_bot for p in people], pa.bool_()))
    con.register("people_input", table)
    suggest_tables(con, "people_input", rejected or set())
    rows = con.execute(
        "select suggestion_id, identity_a, identity_b, member_a, member_b, rule, evidence, "
        "score from suggestions order by score desc, suggestion_id"
    ).fetchall()
    return [Suggestion(*row) for row in rows]


def suggest_tables(
    con: duckdb.DuckDBPyConnection, people: str, rejected: set[frozenset[str]]
) -> None:
    """Suggestions for relation ``people`` (key, member_id, username, name, is_bot) into
    the temp table ``suggestions``."""
    con.execute(f"""
        create or replace temp table suggest_people as
        select key, split_part(key, ':', 1) as source, member_id,
               lower(username) as username, name
        from {people} where not coalesce(is_bot, false)""")
    names = [
        row[0]
        for row in con.execute(
            "select distinct name from suggest_people where name is not null"
        ).fetchall()
    ]
    con.register(
        "normalized_names",
        _strings(name=names, normalized=[normalize_name(n) for n in names]),
    )
    con.execute("create or replace temp table rejected_pairs (a varchar, b varchar)")
    pairs = [sorted(pair) for pair in rejected if len(pair) == 2]
    if pairs:
        con.executemany("insert into rejected_pairs values (?, ?)", pairs)
    # Handles (events and Stack Exchange have only names, with spaces) and full names of
    # two words or more.
    con.execute(f"""
        create or replace temp table by_username as
        select key, source, member_id, username as value from suggest_people
        where length(username) >= 3 and username not like '% %'
        qualify count(*) over (partition by username) <= {COMMON}""")
    con.execute(f"""
        create or replace temp table by_name as
        select p.key, p.source, p.member_id, n.normalized as value
        from suggest_people as p join normalized_names as n using (name)
        where n.normalized like '% %'
        qualify count(*) over (partition by n.normalized) <= {COMMON}""")
    distinct_names = con.execute("select distinct value from by_name").fetchall()
    close = _close_names([row[0] for row in distinct_names])
    con.register(
        "close_names",
        _strings(name_a=[c[0] for c in close], name_b=[c[1] for c in close]).append_column(
            "score", pa.array([c[2] for c in close], pa.float64())
        ),
    )
    con.execute("""
        create or replace temp table suggestions as
        with found as (
            select a.key as key_a, b.key as key_b, a.member_id as member_a,
                   b.member_id as member_b, a.source as source_a, b.source as source_b,
                   'same_username' as rule, 1 as priority, 100.0 as score,
                   'same username ''' || a.value || '''' as what
            from by_username as a join by_username as b
              on a.value = b.value and a.key < b.key
            union all
            select a.key, b.key, a.member_id, b.member_id, a.source, b.source,
                   'same_name', 2, 95.0, 'same name ''' || a.value || ''''
            from by_name as a join by_name as b on a.value = b.value and a.key < b.key
            union all
            select a.key, b.key, a.member_id, b.member_id, a.source, b.source,
                   'similar_name', 3, c.score,
                   'similar names ''' || c.name_a || ''' and ''' || c.name_b || ''''
            from close_names as c
            join by_name as a on a.value = c.name_a
            join by_name as b on b.value = c.name_b
        ),
        ordered as (  -- each pair once, its identities in key order
            select
                least(key_a, key_b) as identity_a, greatest(key_a, key_b) as identity_b,
                if(key_a < key_b, member_a, member_b) as member_a,
                if(key_a < key_b, member_b, member_a) as member_b,
                if(key_a < key_b, source_a, source_b) as source_a,
                if(key_a < key_b, source_b, source_a) as source_b,
                rule, priority, score, what
            from found
            where member_a <> member_b and source_a <> source_b
        )
        select
            's_' || sha256(identity_a || '|' || identity_b)[1:16] as suggestion_id,
            identity_a, identity_b, member_a, member_b, rule,
            what || ' on ' || source_a || ' and ' || source_b as evidence, score
        from ordered
        anti join rejected_pairs as r on r.a = identity_a and r.b = identity_b
        qualify row_number() over (
            partition by identity_a, identity_b order by score desc, priority
        ) = 1""")


def _close_names(names: list[str]) -> list[tuple[str, str, float]]:
    """Pairs of distinct names scoring at least NEAR_MATCH, compared within blocks (the
    same first two letters of the first and of the last word)."""
    blocks: dict[str, list[str]] = defaultdict(list)
    for name in names:
        tokens = name.split()
        blocks[f"{tokens[0][:2]} {tokens[-1][:2]}"].append(name)
    close = []
    for block in blocks.values():
        if len(block) < 2:
            continue
        # token_sort_ratio is the ratio of the token-sorted strings: sort once per name.
        sorted_tokens = [" ".join(sorted(name.split())) for name in block]
        scores = process.cdist(
            sorted_tokens, sorted_tokens, scorer=fuzz.ratio, score_cutoff=NEAR_MATCH, workers=1
        )
        rows, cols = scores.nonzero()
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            if i < j:
                close.append((block[i], block[j], float(scores[i, j])))
    return close
