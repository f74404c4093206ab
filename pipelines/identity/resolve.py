"""Merging identities into members, with ids that stay put from one run to the next.

Rules, in order of strength:

1. **Manual splits** (identities.yml ``split``) cut an identity off from every automatic
   link; **manual merges** (``merge``) join identities whatever else says.
2. **Shared email** (case-insensitive). An address a source declares as standing for a
   login (its ``login_address``: GitHub's ``12345+login@users.noreply.github.com``)
   joins the account with that login there.
3. **Confident evidence**: the pairs :func:`~pipelines.identity.suggestions.automatic_merges`
   chose (``automatic``), never for an identity split off.
4. Merging is transitive (connected components), so the result does not depend on the
   order identities arrive in.

Member ids: a member keeps the id it had in the previous run as long as any of its
identities are still together; when two earlier members meet, the one with more
identities (then the smaller id) keeps its id; identities split off get new ids.

The work is done in DuckDB (a million identities resolve in seconds): connected
components by label propagation over the identity-to-match-key graph, then the id
rules as window functions. ``resolve`` wraps it for lists of identities; the pipeline
calls ``resolve_tables`` on tables it has already loaded.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from connectors.core import registry


@dataclass(frozen=True)
class IdentityRef:
    """What resolution needs to know of one identity."""

    key: str  # "<source>:<source_user_id>"
    email: str | None = None
    username: str | None = None  # a login a source's login address may stand for

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


def find(parent: dict, item: Any) -> Any:
    """The root of ``item`` in the union-find ``parent`` (item -> its parent; a root is
    absent or its own parent), compressing the path so the next look-up is one step."""
    top = item
    while parent.get(top, top) != top:
        top = parent[top]
    while item != top:
        parent[item], item = top, parent[item]
    return top


def _new_id(seed: str, taken: set[str]) -> str:
    salt = 0
    while True:
        digest = hashlib.sha256(f"{seed}#{salt}".encode() if salt else seed.encode())
        candidate = "m_" + digest.hexdigest()[:16]
        if candidate not in taken:
            return candidate
        salt += 1


_local = threading.local()


def scratch_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB per thread for small resolutions (tests, the CLI): opening
    one costs more than resolving a few hundred identities."""
    if not hasattr(_local, "con"):
        _local.con = duckdb.connect()
    return _local.con


def resolve(
    identities: Iterable[IdentityRef],
    previous: Mapping[str, str] | None = None,
    manual: ManualRules | None = None,
) -> dict[str, Assignment]:
    """Assign every identity to a member. ``previous`` maps identity keys to the member
    ids of the last run."""
    refs = sorted(set(identities), key=lambda i: i.key)
    previous = previous or {}
    con = scratch_connection()
    con.register(
        "refs_input",
        pa.table(
            {
                "key": [i.key for i in refs],
                "email": [i.email for i in refs],
                "username": [i.username for i in refs],
            },
            schema=pa.schema(
                [("key", pa.string()), ("email", pa.string()), ("username", pa.string())]
            ),
        ),
    )
    con.register(
        "previous_input",
        pa.table(
            {"key": list(previous), "member_id": list(previous.values())},
            schema=pa.schema([("key", pa.string()), ("member_id", pa.string())]),
        ),
    )
    resolve_tables(con, "refs_input", "previous_input", manual or ManualRules())
    rows = con.execute("select key, member_id, rule from resolved").fetchall()
    return {key: Assignment(member_id, rule) for key, member_id, rule in rows}


def resolve_tables(
    con: duckdb.DuckDBPyConnection,
    refs: str,
    previous: str,
    manual: ManualRules,
    automatic: Iterable[tuple[str, str]] = (),
) -> int:
    """Resolve the identities of relation ``refs`` (key, email, username) against the
    member ids of relation ``previous`` (key, member_id), into the temp table
    ``resolved`` (key, member_id, rule). ``automatic`` are pairs of identities merged
    by confident evidence (:func:`~pipelines.identity.suggestions.automatic_merges`).
    Returns the number of propagation rounds."""
    rounds = link_identities(con, refs, manual)
    join_automatic(con, automatic)
    assign_member_ids(con, previous)
    return rounds


def link_identities(con: duckdb.DuckDBPyConnection, refs: str, manual: ManualRules) -> int:
    """The first pass: the identities of relation ``refs`` (key, email, username) joined
    by shared emails and the team's rules, as the temp tables ``nodes`` (each identity,
    numbered ``n``), ``edges`` (n, match key) and ``labels`` (n, label: the smallest
    ``n`` of its connected component). Returns the number of propagation rounds."""
    match_keys(con, refs, manual)
    con.execute("create or replace temp table labels as select n, n as label from nodes")
    rounds = 0
    while True:
        rounds += 1
        changed = con.execute("""
            with key_labels as (
                select e.k, min(l.label) as label from edges as e join labels as l using (n)
                group by e.k
            ),
            best as (
                select e.n, min(kl.label) as label
                from edges as e join key_labels as kl using (k) group by e.n
            )
            update labels set label = best.label from best
            where labels.n = best.n and best.label < labels.label""").fetchall()[0][0]
        if not changed:
            break
    return rounds


def login_addresses() -> dict[str, str]:
    """Each source whose addresses may stand for a login (its declared ``login_address``),
    with that address's pattern."""
    return {n: s.login_address for n, s in registry.sources().items() if s.login_address}


def sql_text(value: object) -> str:
    """``value`` as a SQL string literal (a path, a pattern), its quotes doubled."""
    return "'" + str(value).replace("'", "''") + "'"


def identity_refs(identities: str) -> str:
    """SQL for what the first pass reads of each identity of relation ``identities``
    (key, source, email, username, is_bot): its email, unless a bot's (a shared deploy
    address is not a person), and its login where a source's address may stand for it."""
    logins = ", ".join(sql_text(s) for s in login_addresses()) or "null"
    return f"""
        select key, if(is_bot, null, email) as email,
               if(source in ({logins}), username, null) as username
        from {identities}"""


def match_keys(con: duckdb.DuckDBPyConnection, refs: str, manual: ManualRules) -> None:
    """The temp tables ``nodes`` (the identities of relation ``refs``, numbered ``n``)
    and ``edges`` (n, k: each match key that joins an identity to others)."""
    # A group is named by its first account: the same name every build, whatever other
    # groups came or went (kept in the match keys of influence_inputs).
    groups = [(min(group), key) for group in manual.merges for key in group]
    con.execute("create or replace temp table manual_merges (grp varchar, key varchar)")
    con.execute("create or replace temp table manual_splits (key varchar)")
    if groups:
        con.executemany("insert into manual_merges values (?, ?)", groups)
    if manual.splits:
        con.executemany("insert into manual_splits values (?)", [[k] for k in manual.splits])
    con.execute(f"""
        create or replace temp table nodes as
        select key, split_part(key, ':', 1) as source, email, username,
               key in (select key from manual_splits) as is_split,
               (row_number() over (order by key) - 1)::bigint as n
        from (select distinct on (key) * from {refs} order by key)""")
    # Match keys: shared emails (an address a source declares as standing for a login
    # gives ``<source>-login:<login>``), the login itself in that source, and manual
    # merge groups of two or more present identities.
    logins = login_addresses()
    sources = ", ".join(sql_text(s) for s in logins) or "null"
    addresses = "".join(
        f"when regexp_matches(email, {sql_text(p)}) "
        f"then {sql_text(s + '-login:')} || regexp_extract(email, {sql_text(p)}, 1) "
        for s, p in logins.items()
    )
    con.execute(f"""
        create or replace temp table edges as
        with emails as (
            select n, is_split, source, username, lower(trim(email)) as email from nodes
        ),
        automatic as (
            select n, source || '-login:' || lower(username) as k
            from emails where source in ({sources}) and coalesce(username, '') <> ''
                and not is_split
            union all
            select n, case {addresses}
                when email like '%@%' then 'email:' || email
            end as k
            from emails where coalesce(email, '') <> '' and not is_split
        ),
        present as (
            select m.grp, nodes.n from manual_merges as m join nodes using (key)
        ),
        manual as (
            select n, 'manual:' || grp as k from present
            where grp in (select grp from present group by grp having count(distinct n) > 1)
        )
        select distinct n, k from automatic where k is not null
        union
        select n, k from manual""")


def component_members(con: duckdb.DuckDBPyConnection) -> None:
    """The temp table ``resolved`` (key, member_id) with each component's label for a
    member id: what the evidence between members needs of the first pass (which
    identities are together), without the work of stable ids."""
    con.execute("""
        create or replace temp table resolved as
        select nodes.key, 'c_' || labels.label as member_id, null::varchar as rule
        from nodes join labels using (n)""")


def join_automatic(con: duckdb.DuckDBPyConnection, automatic: Iterable[tuple[str, str]]) -> None:
    """Join the components of the pairs ``automatic`` (identity keys; never an identity
    split off) in ``labels``, each taking the smallest label of those it joins, as
    propagating over the pairs' edges would; the pairs are added to ``edges`` (for the
    rule of each identity). A union-find over the pairs' components: propagating again
    over every identity's edges cost seconds a million identities."""
    pairs = [(n, key) for n, pair in enumerate(automatic) for key in pair]
    # Tens of thousands of pairs: registered as one Arrow table (an insert per row is
    # slow in DuckDB).
    con.register(
        "automatic_input",
        pa.table(
            {"grp": [n for n, _ in pairs], "key": [k for _, k in pairs]},
            schema=pa.schema([("grp", pa.int64()), ("key", pa.string())]),
        ),
    )
    con.execute("""
        create or replace temp table automatic_merges as
        select a.grp, nodes.n, labels.label
        from automatic_input as a join nodes using (key) join labels using (n)
        where not nodes.is_split""")
    con.execute("""
        insert into edges
        select distinct n, 'automatic:' || grp from automatic_merges""")
    parent: dict[int, int] = {}
    by_group = con.execute(
        "select grp, list(distinct label) from automatic_merges group by grp"
    ).fetchall()
    for _, labels in by_group:
        roots = sorted({find(parent, label) for label in labels})
        for other in roots[1:]:
            parent[other] = roots[0]
    moved = [(label, find(parent, label)) for label in list(parent)]
    con.register(
        "joined_labels",
        pa.table(
            {
                "label": pa.array([m[0] for m in moved], pa.int64()),
                "joined": pa.array([m[1] for m in moved], pa.int64()),
            }
        ),
    )
    con.execute("""
        create or replace temp table labels as
        select l.n, coalesce(j.joined, l.label) as label
        from labels as l left join joined_labels as j using (label)""")


def assign_member_ids(con: duckdb.DuckDBPyConnection, previous: str) -> None:
    """Give each component of ``labels`` a member id, keeping earlier ids (relation
    ``previous``: key, member_id) where the rules say so, into the temp table
    ``resolved`` (key, member_id, rule)."""
    con.execute("""
        create or replace temp table components as
        select l.label as root, count(*) as size, bool_and(nodes.is_split) as split_off,
               min(nodes.key) as first_key
        from labels as l join nodes using (n) group by l.label""")
    # The component that keeps an old id: most of its identities, not a split-off
    # identity, the larger component, then the smallest identity key. Where earlier
    # members meet, the one with more identities here (then the smaller id) wins.
    con.execute(f"""
        create or replace temp table kept as
        with carried as (
            select l.label as root, p.member_id as old, count(*) as carried
            from labels as l join nodes using (n) join {previous} as p using (key)
            group by all
        ),
        won as (
            select c.*
            from carried as c join components as comp using (root)
            qualify row_number() over (
                partition by c.old
                order by c.carried desc, comp.split_off, comp.size desc, comp.first_key
            ) = 1
        )
        select root, old as member_id
        from won
        qualify row_number() over (partition by root order by carried desc, old) = 1""")
    con.execute("""
        create or replace temp table member_ids as
        select c.root, c.first_key, k.member_id as kept,
               'm_' || sha256(c.first_key)[1:16] as candidate
        from components as c left join kept as k using (root)""")
    clash = con.execute(f"""
        select count(*) from member_ids
        where kept is null and (
            candidate in (select member_id from {previous})
            or candidate in (select kept from member_ids where kept is not null)
            or candidate in (select candidate from member_ids where kept is null
                             group by candidate having count(*) > 1))""").fetchall()[0][0]
    if clash:
        # Salt the new ids in order of their first account. Ids themselves practically
        # never clash, but a candidate is often an earlier member's id: the first pass
        # (shared emails) splits members that evidence merged, and the part holding the
        # member's first account would get its id again. The new ids go in as one Arrow
        # table (an insert per row took minutes for a million members).
        taken = {r[0] for r in con.execute(f"select member_id from {previous}").fetchall()}
        roots, ids = [], []
        for root, first_key in con.execute(
            "select root, first_key from member_ids where kept is null order by first_key"
        ).fetchall():
            member_id = _new_id(first_key, taken)
            taken.add(member_id)
            roots.append(root)
            ids.append(member_id)
        salted = {"root": pa.array(roots, pa.int64()), "member_id": pa.array(ids, pa.string())}
        con.register("salted_ids", pa.table(salted))
        con.execute("""update member_ids set kept = salted_ids.member_id from salted_ids
                       where member_ids.root = salted_ids.root""")
    con.execute("""
        create or replace temp table resolved as
        with linked as (
            select distinct e.n, split_part(e.k, ':', 1) as kind
            from edges as e
            join (select k from edges group by k having count(distinct n) > 1) using (k)
        )
        select nodes.key, coalesce(m.kept, m.candidate) as member_id,
               case when bool_or(linked.kind = 'manual') then 'manual'
                    when bool_or(linked.kind = 'email' or linked.kind like '%-login') then 'email'
                    when bool_or(linked.kind = 'automatic') then 'automatic'
                    when any_value(c.size) = 1 then 'alone'
                    else 'automatic' end as rule
        from nodes join labels using (n)
        join member_ids as m on m.root = labels.label
        join components as c on c.root = labels.label
        left join linked using (n)
        group by nodes.key, m.kept, m.candidate""")
