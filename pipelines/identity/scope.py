"""Which accounts a night's resolution must look at again: incremental identity
resolution that gives the full answer.

Every result of resolution for an account (its member and member id, its rule, the
suggestions it is in, its member's affiliations and attribution) depends only on the
accounts it is tied to: the accounts it shares a member with (now or in the last
build), and those a tie of evidence joins it to (a value, a close name, a profile
link). These *influence components* are kept with each account (``component`` in
identity_members). Two more things cross them, and are looked up directly for the
accounts that changed: how many accounts carry a value (a value on more than
``COMMON`` accounts is no evidence, and the accounts of one platform that carry it
weaken it), and the match keys and links that would tie a changed account to others.

So a night resolves again only the components of the accounts whose input changed
(``input_print``, a hash of what resolution reads of an account) and of the accounts
they touch; everyone else keeps their rows. What every account can be matched by is
kept beside the members (``influence_inputs.parquet``), for the next night's look-up.
The rules that name accounts (the team's decisions and identities.yml: merges, splits,
pairs that are not the same person) count as a change of the accounts they name, added
or removed since the last resolution (:func:`decided_accounts`): a decision re-resolves
the components of its accounts, not everyone. Anything that changes the rules for
everyone (organizations.yml, the identity settings, the resolution code) resolves
everything, and so does a workspace without the state of a finished resolution (a
first build, a crash half way, an account gone).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.identity import suggestions
from pipelines.identity.resolve import ManualRules, find, identity_refs, match_keys, sql_text
from pipelines.identity.suggestions import INFLUENCE_INPUTS, prepare_people

STATE = "resolution_state.json"
INPUTS = "influence_inputs"
#: What resolution reads of an account (columns of run.py's ``identities`` table).
INPUT_COLUMNS = (
    "source",
    "source_user_id",
    "username",
    "name",
    "email",
    "company",
    "location",
    "timezone",
    "extra",
    "is_staff",
    "is_bot",
)
MATCHED_KINDS = ("handle", "name", "reversed", "initials", "short")


#: SQL for an account's input print, over the columns of INPUT_COLUMNS.
INPUT_PRINT = "md5(concat_ws(chr(31), {}))".format(
    ", ".join(f"coalesce({c}::varchar, chr(30))" for c in INPUT_COLUMNS)
)


def settings_print(config: Any, *organizations: Any) -> str:
    """A print of everything that decides resolution for every account at once:
    organizations.yml (``organizations``: the loaded organizations and manual
    affiliations), the identity settings, the sources' facts and the resolution code
    itself. (The rules that name accounts are :func:`account_rules`.)"""
    code = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        code.update(path.read_bytes())
    payload = {
        "organizations": [repr(o) for o in organizations],
        "identity": config.identity.model_dump(mode="json"),
        "sources": suggestions.source_facts(),
        "code": code.hexdigest(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def account_rules(manual: ManualRules, rejected: set) -> dict[str, list]:
    """The rules in force that name accounts, as the state keeps them: each merge group,
    each split, each pair that is not the same person (sorted: the same rules give the
    same lists)."""
    return {
        "merges": sorted(sorted(group) for group in manual.merges),
        "splits": sorted(manual.splits),
        "rejected": sorted(sorted(pair) for pair in rejected),
    }


def decided_accounts(before: dict[str, list], now: dict[str, list]) -> set[str]:
    """The accounts named by a rule that was added or removed between ``before`` and
    ``now`` (:func:`account_rules`)."""
    accounts: set[str] = set()
    for kind in ("merges", "rejected"):
        old = {tuple(group) for group in before.get(kind, [])}
        new = {tuple(group) for group in now.get(kind, [])}
        for group in old ^ new:
            accounts.update(group)
    accounts.update(set(before.get("splits", [])) ^ set(now.get("splits", [])))
    return accounts


def forget_state(folder: Path) -> None:
    """Mark the resolution as under way: until :func:`save_state`, the next build
    resolves everything (a build that dies half way leaves files of two builds)."""
    (folder / STATE).unlink(missing_ok=True)


def save_state(folder: Path, settings: str, rules: dict[str, list]) -> None:
    path = folder / STATE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"settings": settings, "rules": rules}))
    tmp.replace(path)


def changed_scope(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    settings: str,
    manual: ManualRules,
    rules: dict[str, list],
) -> int | None:
    """The temp table ``scope`` (key): the accounts of ``identities`` to resolve again,
    given the last build's ``previous`` (key, member_id, input_print, component) and
    the rules that name accounts now (``rules``, :func:`account_rules`). Returns how
    many accounts changed (their input, or a rule naming them), or None when
    everything must be resolved."""
    state, inputs = folder / STATE, folder / f"{INPUTS}.parquet"
    members = folder / "identity_members.parquet"
    if not (state.exists() and inputs.exists() and members.exists()):
        return None
    saved = json.loads(state.read_text())
    if saved.get("settings") != settings or "rules" not in saved:
        return None
    if not {"input_print", "component"} <= set(pq.read_schema(members).names):
        return None
    (gone,) = con.execute(
        "select count(*) from previous anti join identities using (key)"
    ).fetchone()
    if gone:  # an account forgotten: its member's others are resolved with everyone
        return None
    con.execute(f"""
        create or replace temp table stored_inputs as
        select * from read_parquet({sql_text(inputs)})""")
    decided = sorted(decided_accounts(saved["rules"], rules))
    con.execute(
        """
        create or replace temp table changed as
        select i.* from identities as i left join previous as p using (key)
        where p.input_print is distinct from i.input_print
            or i.key in (select unnest(?::varchar[]))""",
        [decided],
    )
    (count,) = con.execute("select count(*) from changed").fetchone()
    _changed_inputs(con, manual)
    _touched(con)
    con.execute("""
        create or replace temp table scope as
        select key from touched
        union
        select key from previous where component in (
            select p.component from previous as p join touched using (key))""")
    return count


def _changed_inputs(con: duckdb.DuckDBPyConnection, manual: ManualRules) -> None:
    """``changed_inputs`` (key, kind, value): the changed accounts' inputs now; and
    ``all_inputs``: everyone's, old and new (a value a changed account dropped still
    touches those who carry it)."""
    con.execute("""
        create or replace temp view changed_people as
        select *, null::varchar as member_id from changed""")
    prepare_people(con, "changed_people")
    con.execute(f"create or replace temp view changed_refs as {identity_refs('changed')}")
    match_keys(con, "changed_refs", manual)
    con.execute(f"create or replace temp table changed_inputs as {account_inputs()}")
    con.execute("""
        create or replace temp view all_inputs as
        select key, kind, value, 'old' as era from stored_inputs
        union all
        select key, kind, value, 'new' from stored_inputs anti join changed using (key)
        union all
        select key, kind, value, 'new' from changed_inputs""")


def account_inputs() -> str:
    """SQL for every input of the accounts resolution just read (key, kind, value, each
    once): :data:`INFLUENCE_INPUTS` over prepare_people's tables, and the match keys
    over match_keys' (kind ``match``; a manual merge group's whatever the others
    present)."""
    return f"""
        select distinct * from (
            {INFLUENCE_INPUTS}
            union all
            select nodes.key, 'match' as kind, e.k as value
            from edges as e join nodes using (n)
            where e.k not like 'manual:%' and e.k not like 'automatic:%'
            union all
            select m.key, 'match', 'manual:' || m.grp
            from manual_merges as m semi join nodes using (key))"""


def _touched(con: duckdb.DuckDBPyConnection) -> None:
    """``touched`` (key): the changed accounts and every account that shares with one of
    them, then or now, a value not too common to be evidence, a match key, a link, or
    a close name."""
    kinds = ", ".join(f"'{k}'" for k in MATCHED_KINDS)
    con.execute("""
        create or replace temp table mine as
        select distinct kind, value from all_inputs semi join changed using (key)""")
    # A value counts if some kind of it was on at most COMMON accounts, then or now.
    con.execute(f"""
        create or replace temp table live_values as
        select distinct value from (
            select a.kind, a.value, a.era, count(*) as accounts
            from all_inputs as a
            where a.kind in ({kinds})
              and a.value in (select value from mine where kind in ({kinds}))
            group by all)
        where accounts <= {suggestions.COMMON}""")
    mine_names = {
        r[0] for r in con.execute("select value from mine where kind = 'full'").fetchall()
    }
    blocks = sorted({suggestions.name_block(n) for n in mine_names})
    block_names = [
        r[0]
        for r in con.execute(
            f"select distinct value from all_inputs where kind = 'full' "
            f"and {suggestions.NAME_BLOCK} in (select unnest(?::varchar[])) order by 1",
            [blocks],
        ).fetchall()
    ]
    close = suggestions.close_names(block_names)
    near = sorted({n for a, b, _ in close if a in mine_names or b in mine_names for n in (a, b)})
    con.execute("create or replace temp table near_names (value varchar)")
    if near:
        con.executemany("insert into near_names values (?)", [[n] for n in near])
    con.execute(f"""
        create or replace temp table touched as
        select key from changed
        union
        select key from all_inputs
        where (kind in ({kinds}) and value in (select value from live_values))
           or (kind = 'match' and value in (select value from mine where kind = 'match'))
           or (kind = 'linkable' and value in (select value from mine where kind = 'link'))
           or (kind = 'link' and value in (select value from mine where kind = 'linkable'))
           or (kind = 'full' and value in (select value from near_names))""")


def components(con: duckdb.DuckDBPyConnection) -> None:
    """``components`` (key, component) for the accounts of ``assigned``: the influence
    components, joined by members (now and before, ``previous``) and by the pairs of
    ``ties``; each named by its smallest account key."""
    parent: dict[str, str] = {}

    def union(a: str, b: str) -> None:
        ra, rb = find(parent, a), find(parent, b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    # Only an earlier member now split between members joins anything.
    for (members,) in con.execute("""
            select list(distinct a.member_id)
            from assigned as a join previous as p using (key)
            where p.member_id is not null
            group by p.member_id having count(distinct a.member_id) > 1""").fetchall():
        for member in members[1:]:
            union(members[0], member)
    for a, b in con.execute("""
            select distinct ma.member_id, mb.member_id
            from ties as t
            join assigned as ma on ma.key = t.identity_a
            join assigned as mb on mb.key = t.identity_b
            where ma.member_id <> mb.member_id""").fetchall():
        union(a, b)
    # A member nothing joined is a component of its own.
    joined = list(parent)
    con.register(
        "member_roots",
        pa.table(
            {
                "member_id": pa.array(joined, pa.string()),
                "root": pa.array([find(parent, m) for m in joined], pa.string()),
            }
        ),
    )
    con.execute("""
        create or replace temp table components as
        select a.key, min(a.key) over (partition by coalesce(r.root, a.member_id)) as component
        from assigned as a left join member_roots as r using (member_id)""")
