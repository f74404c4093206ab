"""One resolution over the warehouse's identities: members, suggestions,
organizations. Members are resolved twice: by shared emails and the team's rules, then
again with the suggestions confident enough to merge without asking (at or above
``identity.auto_merge_confidence``). Its results are Parquet files under
``data/resolution/`` that the marts read (with the team's hand-set tags, for the
member_tags mart); the previous run's member ids are read back so that ids stay
stable."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.core import clock, registry
from connectors.core.config import AcaciaConfig
from pipelines.identity import scope
from pipelines.identity.organizations import (
    RULE_ORDER,
    ManualAffiliation,
    MemberFacts,
    affiliate,
    suggest_organizations,
)
from pipelines.identity.resolve import (
    assign_member_ids,
    component_members,
    identity_refs,
    join_automatic,
    link_identities,
    sql_text,
)
from pipelines.identity.results import SCHEMAS
from pipelines.identity.rules import load_organizations, team_rules
from pipelines.identity.suggestions import (
    CommonNames,
    automatic_merges,
    member_facts,
    suggest_tables,
)
from pipelines.storage.team_store import TeamStore, store_path


@dataclass
class ResolutionReport:
    identities: int
    members: int
    merged_identities: int
    suggestions: int
    affiliations: int
    suggested_organizations: int
    resolved_again: int  # accounts resolved this time (all of them, or the changed ones')


def write_table(folder: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    """Replace ``folder/name.parquet`` atomically."""
    return _replace(
        folder,
        name,
        lambda tmp: pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[name]), tmp),
    )


def _replace(folder: Path, name: str, write: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.parquet"
    tmp = folder / f".{name}.{uuid.uuid4().hex}.tmp"
    write(tmp)
    os.replace(tmp, target)
    return target


def copy_table(con: duckdb.DuckDBPyConnection, folder: Path, name: str, query: str) -> Path:
    """Write the result of ``query`` as ``folder/name.parquet`` (atomically), with the
    columns of SCHEMAS[name]."""
    columns = ", ".join(f'"{field.name}"' for field in SCHEMAS[name])
    return _replace(
        folder,
        name,
        lambda tmp: con.execute(
            f"copy (select {columns} from ({query})) to {sql_text(tmp)} (format parquet)"
        ),
    )


def run_resolution(config: AcaciaConfig, warehouse: Path | None = None) -> ResolutionReport:
    """Resolve the identities of a built warehouse (stg_landing__identities) and write the
    results, outside dbt: for benchmarks and tests. The models run the same resolution as
    the int_identities__resolved model (:func:`resolve_for_models`)."""
    with duckdb.connect(config={"memory_limit": "2GB"}) as con:
        con.execute(
            f"attach {sql_text(warehouse or config.storage.warehouse())} as warehouse (read_only)"
        )
        return resolve_identities(con, config, "warehouse.staging.stg_landing__identities")


def resolve_for_models(session: duckdb.DuckDBPyConnection, identities: Any) -> Any:
    """The int_identities__resolved model (models/models/intermediate): resolve the
    identities of the relation ``identities`` (stg_landing__identities, in dbt's
    session), write the results beside the landing zone, and return each identity's
    member as the model's rows."""
    return resolve_arrow(identities.to_arrow_table())


def resolve_arrow(identities: pa.Table) -> pa.Table:
    """Resolve the rows of stg_landing__identities (an Arrow table, from whichever
    engine built it), write the results beside the landing zone, and return each
    identity's member: the int_identities__resolved model. The configuration and the
    batch are the running build's (pipelines/build/settings.py ``current``)."""
    from pipelines.build.settings import current

    build = current()
    # In a connection of its own, in memory, as outside dbt: in dbt's session, on the
    # warehouse file, the same work took a fifth longer at ten million activities.
    with duckdb.connect(config={"memory_limit": "2GB"}) as con:
        con.register("resolution_input", identities)
        resolve_identities(con, build.config, "resolution_input", build.settings["batch"])
        return con.sql("select * from all_members order by identity_key").to_arrow_table()


def resolve_identities(
    con: duckdb.DuckDBPyConnection, config: AcaciaConfig, identities: str, batch: int = 0
) -> ResolutionReport:
    """Resolve the identities of relation ``identities`` on ``con`` and write the results
    (leaving the temp table ``all_members``: every identity with its member, as in
    identity_members). ``batch`` is
    the build's number: what changed an account's attribution is marked with it.

    Only the accounts whose input changed since the last resolution, and those they can
    influence, are resolved again (:mod:`pipelines.identity.scope`); the others keep
    their rows, which is what resolving them again would give. Everything per identity
    happens in DuckDB; Python sees only the members that have something to be
    affiliated by."""
    folder = config.storage.resolution()
    manual, rejected = team_rules(config)
    organizations, manual_affiliations = load_organizations(config.identity.organizations_file)
    bots = sorted({name.lower() for name in config.identity.bots})
    # Bots never merge by email: a shared deploy address is not a person.
    con.execute(
        f"""
        create or replace temp table identities as
        select *, {scope.INPUT_PRINT} as input_print from (
            select source || ':' || source_user_id as key, source, source_user_id, username,
                   display_name as name, email, company, location, timezone, extra,
                   coalesce(is_staff, false) as is_staff,
                   coalesce(
                       is_bot or lower(username) in (select unnest(?::varchar[]))
                       or username like '%[bot]', false) as is_bot
            from {identities})""",
        [bots],
    )
    _previous_members(con, folder / "identity_members.parquet")
    settings = scope.settings_print(config, *organizations, *manual_affiliations)
    rules = scope.account_rules(manual, rejected)
    changed = scope.changed_scope(con, folder, settings, manual, rules)
    scope.forget_state(folder)
    if changed is None:
        con.execute("create or replace temp view work as select * from identities")
    else:
        con.execute(
            "create or replace temp table work as select * from identities semi join scope "
            "using (key)"
        )
        kinds = ", ".join(f"'{k}'" for k in scope.MATCHED_KINDS)
        con.execute(f"""
            create or replace temp table other_values as
            select key, split_part(key, ':', 1) as source, kind, value
            from stored_inputs anti join scope using (key) where kind in ({kinds}, 'full')""")
    con.execute(f"create or replace temp view refs as {identity_refs('work')}")
    # Shared emails and the manual rules first; then the evidence between the
    # members that leaves, merging what is confident enough without asking. The first
    # pass's members are its components (the evidence only needs to know which
    # identities are together); member ids are given once, at the end.
    link_identities(con, "refs", manual)
    component_members(con)
    con.execute("""
        create or replace temp table first_pass as
        select i.*, r.member_id from work as i join resolved as r using (key)""")
    suggest_tables(
        con,
        "first_pass",
        rejected,
        organizations,
        None if changed is None else "other_values",
        CommonNames.of(config),
    )
    # Only the suggestions confident enough can merge, and only the accounts of their
    # members matter to the rules (a platform twice, a rejected pair): the rest of a
    # million accounts stays in DuckDB.
    threshold = config.identity.auto_merge_confidence
    con.execute(
        "create or replace temp table confident as select suggestion_id, identity_a, "
        "identity_b, score, member_a, member_b from suggestions "
        "where score >= ? and held is null",
        [threshold],
    )
    con.execute("""
        create or replace temp view confident_members as
        select member_a as member_id from confident union select member_b from confident""")
    held: dict[str, str] = {}
    merged = automatic_merges(
        # In the order they are weighed (sorting a million tuples in Python took seconds).
        con.execute(
            "select suggestion_id, identity_a, identity_b, score from confident "
            "order by score desc, suggestion_id"
        ).fetchall(),
        dict(
            con.execute(
                "select key, member_id from first_pass semi join confident_members "
                "using (member_id)"
            ).fetchall()
        ),
        threshold,
        single={s.name for s in registry.sources().values() if s.one_identity_per_person},
        rejected=rejected,
        frozen=manual.splits,
        facts=member_facts(con, "confident_members"),
        held=held,
    )
    join_automatic(con, [(a, b) for _, a, b in merged])
    assign_member_ids(con, "previous")
    con.execute("""
        create or replace temp table assigned as
        select i.*, r.member_id, r.rule from work as i join resolved as r using (key)""")
    affiliations = affiliate(
        _member_facts(con, manual_affiliations), organizations, manual_affiliations
    )
    _attribute(con, affiliations, organizations, batch)
    scope.components(con)
    moved = con.sql(f"""
        select a.key as identity_key, p.member_id as old_member_id, a.member_id,
               {int(batch)}::bigint as batch
        from assigned as a join previous as p using (key)
        where p.member_id <> a.member_id order by 1""").to_arrow_table()
    if moved.num_rows:
        # Written before the members: a build that dies in between only recounts more.
        _replace(folder / "moves", str(batch), lambda tmp: pq.write_table(moved, tmp))

    # The accounts resolved again, and the others as the last build left them.
    columns = ", ".join(f.name for f in SCHEMAS["identity_members"])
    con.execute(f"""
        create or replace temp table resolved_again as
        select {columns} from (
            select a.key as identity_key, a.*, c.component
            from assigned as a join components as c using (key))""")
    kept = {"members": "select * from resolved_again where false", "suggestions": ""}
    if changed is not None:
        previous_file = {n: sql_text(folder / f"{n}.parquet") for n in SCHEMAS}
        con.execute(f"""
            create or replace temp table kept_members as
            select {columns} from read_parquet({previous_file["identity_members"]})
            where identity_key not in (select key from scope)""")
        kept["members"] = "select * from kept_members"
        # A suggestion's two accounts are in one influence component.
        kept["suggestions"] = (
            f"union all select * from read_parquet({previous_file['identity_suggestions']}) "
            "where identity_a not in (select key from scope)"
        )
    con.execute(f"""
        create or replace temp table all_members as
        select * from resolved_again union all {kept["members"]}""")
    copy_table(con, folder, "identity_members", "select * from all_members order by identity_key")
    # The suggestions between members that are still apart wait for a person; the
    # merged ones stay listed, to be undone.
    con.register(
        "merged_input",
        pa.table({"suggestion_id": pa.array([m[0] for m in merged], pa.string())}),
    )
    # Why a pair confident enough waits for a person all the same.
    con.register(
        "held_input",
        pa.table(
            {
                "suggestion_id": pa.array(list(held), pa.string()),
                "why": pa.array(list(held.values()), pa.string()),
            }
        ),
    )
    pairs = sorted(sorted(pair) for pair in rejected if len(pair) == 2)
    con.register(
        "rejected_input",
        pa.table(
            {
                "a": pa.array([p[0] for p in pairs], pa.string()),
                "b": pa.array([p[1] for p in pairs], pa.string()),
            }
        ),
    )
    # The queue holds one suggestion per pair of members (the most confident, with what
    # the other pairs of their accounts say), and none between members a rejected pair
    # keeps apart; each automatic merge stays listed, to be undone.
    con.execute(
        f"""
        create or replace temp table decided as
        with candidates as (
            select s.suggestion_id, s.identity_a, s.identity_b, a.member_id as member_a,
                   b.member_id as member_b, s.rule,
                   s.evidence || coalesce(if(
                       s.score >= ?,
                       '; not merged without a person: ' || coalesce(h.why, s.held),
                       null), '') as evidence,
                   s.score,
                   if(s.suggestion_id in (select suggestion_id from merged_input),
                      'automatic', 'review') as decision
            from suggestions as s
            join assigned as a on a.key = s.identity_a
            join assigned as b on b.key = s.identity_b
            left join held_input as h using (suggestion_id)
            where a.member_id <> b.member_id
               or s.suggestion_id in (select suggestion_id from merged_input)
            {kept["suggestions"]}
        ),
        waiting as (
            select *, least(member_a, member_b) as m1, greatest(member_a, member_b) as m2
            from candidates where decision = 'review'
        ),
        rejected_between as (
            select least(ma.member_id, mb.member_id) as m1,
                   greatest(ma.member_id, mb.member_id) as m2
            from rejected_input as r
            join all_members as ma on ma.identity_key = r.a
            join all_members as mb on mb.identity_key = r.b
        ),
        ranked as (
            select w.*, row_number() over (
                partition by w.m1, w.m2 order by w.score desc, w.suggestion_id) as rank
            from waiting as w anti join rejected_between as r using (m1, m2)
        ),
        also as (
            select m1, m2, string_agg(split_part(evidence, '; ', 1), '; '
                                      order by score desc, suggestion_id) as said
            from ranked where rank > 1 group by m1, m2
        )
        select r.suggestion_id, r.identity_a, r.identity_b, r.member_a, r.member_b, r.rule,
               r.evidence || coalesce('; between their other accounts: ' || o.said, '')
                   as evidence,
               r.score, r.decision
        from ranked as r left join also as o using (m1, m2)
        where r.rank = 1
        union all
        select * from candidates where decision = 'automatic'""",
        [threshold],
    )
    copy_table(
        con,
        folder,
        "identity_suggestions",
        "select * from decided order by score desc, suggestion_id",
    )
    _write_affiliations(con, folder, affiliations, changed is not None)
    write_table(
        folder,
        "organizations",
        [
            {
                "organization": o.name,
                "domains": ", ".join(o.domains),
                "github_orgs": ", ".join(o.github_orgs),
                "aliases": ", ".join(o.aliases),
                "website": o.website,
                "is_staff": o.is_staff,
            }
            for o in organizations
        ],
    )
    con.execute("""
        create or replace temp view member_emails as
        select m.member_id, i.email from identities as i
        join all_members as m on m.identity_key = i.key""")
    suggested_orgs = suggest_organizations(con, "member_emails", organizations)
    write_table(
        folder, "organization_suggestions", [{"domain": d, "members": n} for d, n in suggested_orgs]
    )
    store = TeamStore(store_path(config))
    write_table(
        folder,
        "team_tags",
        [
            {"identity_key": k, "tag": t, "author": a, "tagged_at": clock.utc(at)}
            for k, t, a, at in store.rows("tags")
        ],
    )
    write_table(
        folder,
        "team_follow_ups",
        [
            {"identity_key": k, "status": s, "author": a, "set_at": clock.utc(at)}
            for k, s, a, at in store.rows("follow_up_history")
        ],
    )
    kept_inputs = (
        ""
        if changed is None
        else ("union all select * from stored_inputs where key not in (select key from scope)")
    )
    copy_table(
        con,
        folder,
        scope.INPUTS,
        # From the tables the resolution made (not kept aside: millions of rows), unsorted
        # (only looked up by value; sorting took seconds).
        f"{scope.account_inputs()} {kept_inputs}",
    )
    scope.save_state(folder, settings, rules)

    identity_count, member_count = con.execute(
        "select count(*), count(distinct member_id) from all_members"
    ).fetchall()[0]
    (suggestions,) = con.execute(
        "select count(*) from decided where decision = 'review'"
    ).fetchall()[0]
    (affiliation_count,) = con.execute(
        f"select count(*) from read_parquet({sql_text(folder / 'member_organizations.parquet')})"
    ).fetchall()[0]
    return ResolutionReport(
        identities=identity_count,
        members=member_count,
        merged_identities=identity_count - member_count,
        suggestions=suggestions,
        affiliations=affiliation_count,
        suggested_organizations=len(suggested_orgs),
        resolved_again=identity_count
        if changed is None
        else con.execute("select count(*) from scope").fetchall()[0][0],
    )


def _write_affiliations(
    con: duckdb.DuckDBPyConnection, folder: Path, affiliations: list[Any], incremental: bool
) -> None:
    """member_organizations: the affiliations of the members resolved again, and of the
    others as the last build left them, by member and rule."""
    con.register(
        "work_affiliations",
        pa.Table.from_pylist(
            [vars(a) for a in affiliations], schema=SCHEMAS["member_organizations"]
        ),
    )
    kept = ""
    if incremental:
        kept = (
            "union all select * from read_parquet("
            f"{sql_text(folder / 'member_organizations.parquet')}) "
            "where member_id in (select member_id from kept_members)"
        )
    copy_table(
        con,
        folder,
        "member_organizations",
        f"""select * from (select * from work_affiliations {kept})
            order by member_id, list_position({list(RULE_ORDER)}, rule),
                organization, valid_from nulls first, valid_to nulls first""",
    )


def _previous_members(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """The temp table ``previous``: the last build's member, attribution and the batch
    that changed it, input print and influence component, of every identity (none on a
    first build; files from before the attribution was kept count as changed)."""
    columns = {
        "member_id": "varchar",
        "attribution": "varchar",
        "changed_batch": "bigint",
        "input_print": "varchar",
        "component": "varchar",
    }
    if not path.exists():
        typed = ", ".join(f"{name} {kind}" for name, kind in columns.items())
        con.execute(f"create or replace temp table previous (key varchar, {typed})")
        return
    present = set(pq.read_schema(path).names)
    selected = ", ".join(
        f"{name if name in present else 'null'}::{kind} as {name}" for name, kind in columns.items()
    )
    con.execute(
        f"create or replace temp table previous as select identity_key as key, {selected} "
        f"from read_parquet({sql_text(path)})"
    )


def _attribute(
    con: duckdb.DuckDBPyConnection,
    affiliations: list[Any],
    organizations: list[Any],
    batch: int,
) -> None:
    """Add to ``assigned`` what decides where each account's activities count (its
    member, bot flag, the member's staff flag and its affiliations, with the staff flag
    of each organization) as a hash, and the batch that last changed it: the last
    build's when the hash is the same, else ``batch``."""
    staff_orgs = {o.name for o in organizations if o.is_staff}
    by_member: dict[str, list[str]] = {}
    for a in affiliations:
        by_member.setdefault(a.member_id, []).append(
            f"{a.organization}|{a.rule}|{a.valid_from}|{a.valid_to}|{a.organization in staff_orgs}"
        )
    con.register(
        "affiliation_prints",
        pa.table(
            {
                "member_id": pa.array(list(by_member), pa.string()),
                "print": pa.array([";".join(sorted(v)) for v in by_member.values()], pa.string()),
            }
        ),
    )
    con.execute(f"""
        create or replace temp table attributed as
        with staff as (
            select member_id, bool_or(is_staff) as member_is_staff from assigned group by 1
        ),
        printed as (
            select a.*, md5(concat_ws('|', a.member_id, a.is_bot, s.member_is_staff,
                                      coalesce(f.print, ''))) as attribution
            from assigned as a
            join staff as s using (member_id)
            left join affiliation_prints as f using (member_id)
        )
        select n.*, if(p.attribution is not distinct from n.attribution
                       and p.changed_batch is not null,
                       p.changed_batch, {int(batch)})::bigint as changed_batch
        from printed as n left join previous as p using (key)""")
    con.execute("create or replace temp table assigned as select * from attributed")
    con.execute("drop table attributed")


def _member_facts(
    con: duckdb.DuckDBPyConnection, manual: list[ManualAffiliation]
) -> list[MemberFacts]:
    """What affiliation needs of each member that has an email, a company (an account's
    declared company: GitHub's profile field), or an
    entry in organizations.yml (the others cannot be affiliated)."""
    handles = sorted({entry.identity.lower() for entry in manual})
    rows = con.execute(
        """
        select member_id, list(key order by key), list(lower(email) order by key)
                   filter (where email is not null),
               list(company order by key) filter (where company is not null)
        from assigned
        group by member_id
        having count(email) > 0 or count(company) > 0
            or bool_or(lower(key) in (select unnest(?::varchar[])))
        order by member_id""",
        [handles],
    ).fetchall()
    return [
        MemberFacts(member_id, keys, emails or [], companies or [])
        for member_id, keys, emails, companies in rows
    ]
