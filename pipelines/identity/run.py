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
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from connectors import registry
from pipelines.config import AcaciaConfig
from pipelines.identity.organizations import ManualAffiliation, MemberFacts, affiliate
from pipelines.identity.resolve import resolve_tables
from pipelines.identity.rules import load_organizations, team_rules
from pipelines.identity.suggestions import automatic_merges, suggest_tables
from pipelines.team import TeamStore, store_path

_S, _B, _D, _F, _I = pa.string(), pa.bool_(), pa.date32(), pa.float64(), pa.int64()
SCHEMAS = {
    "identity_members": pa.schema(
        [
            ("identity_key", _S),
            ("source", _S),
            ("source_user_id", _S),
            ("member_id", _S),
            ("rule", _S),
            ("is_bot", _B),
        ]
    ),
    "identity_suggestions": pa.schema(
        [
            ("suggestion_id", _S),
            ("identity_a", _S),
            ("identity_b", _S),
            ("member_a", _S),
            ("member_b", _S),
            ("rule", _S),
            ("evidence", _S),
            ("score", _F),
            ("decision", _S),
        ]
    ),
    "member_organizations": pa.schema(
        [
            ("member_id", _S),
            ("organization", _S),
            ("rule", _S),
            ("evidence", _S),
            ("valid_from", _D),
            ("valid_to", _D),
        ]
    ),
    "organizations": pa.schema(
        [
            ("organization", _S),
            ("domains", _S),
            ("github_orgs", _S),
            ("aliases", _S),
            ("website", _S),
            ("is_staff", _B),
        ]
    ),
    "organization_suggestions": pa.schema([("domain", _S), ("members", _I)]),
    # The tags the team set by hand (pipelines/team.py), for the member_tags mart.
    "team_tags": pa.schema(
        [("identity_key", _S), ("tag", _S), ("author", _S), ("tagged_at", pa.timestamp("s", "UTC"))]
    ),
}


@dataclass
class ResolutionReport:
    identities: int
    members: int
    merged_identities: int
    suggestions: int
    affiliations: int
    suggested_organizations: int


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


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
            f"copy (select {columns} from ({query})) to {_quote(tmp)} (format parquet)"
        ),
    )


def run_resolution(config: AcaciaConfig, warehouse: Path | None = None) -> ResolutionReport:
    """Resolve the identities of a built warehouse (int_identities__unioned) and write the
    results, outside dbt: for benchmarks and tests. The models run the same resolution as
    the int_identities__resolved model (:func:`resolve_for_models`)."""
    with duckdb.connect(config={"memory_limit": "2GB"}) as con:
        con.execute("set file_search_path = ?", [str(config.storage.data_dir)])
        con.execute(
            f"attach {_quote(warehouse or config.storage.warehouse())} as warehouse (read_only)"
        )
        return resolve_identities(con, config, "warehouse.intermediate.int_identities__unioned")


def resolve_for_models(session: duckdb.DuckDBPyConnection, identities: Any) -> Any:
    """The int_identities__resolved model (models/models/intermediate): resolve the
    identities of the relation ``identities`` (int_identities__unioned) in dbt's own
    DuckDB session, write the results beside the landing zone, and return each
    identity's member as the model's rows. The configuration is the one the pipeline
    named in ``ACACIA_CONFIG``."""
    from pipelines.config import load_config

    resolve_identities(session, load_config(), f"({identities.sql_query()})")
    columns = ", ".join(f.name for f in SCHEMAS["identity_members"])
    return session.sql(
        f"select {columns} from (select key as identity_key, * from assigned) order by 1"
    )


def resolve_identities(
    con: duckdb.DuckDBPyConnection, config: AcaciaConfig, identities: str
) -> ResolutionReport:
    """Resolve the identities of relation ``identities`` on ``con`` and write the results
    (leaving the temp table ``assigned``: every identity with its member).

    Everything per identity happens in DuckDB; Python sees only the members that have
    something to be affiliated by."""
    folder = config.storage.resolution()
    manual, rejected = team_rules(config)
    organizations, manual_affiliations = load_organizations(config.identity.organizations_file)
    bots = sorted({name.lower() for name in config.identity.bots})
    # Bots never merge by email: a shared deploy address is not a person.
    con.execute(
        f"""
        create or replace temp table identities as
        select source || ':' || source_user_id as key, source, source_user_id, username,
               display_name as name, email, company, location, timezone, extra,
               coalesce(
                   is_bot or lower(username) in (select unnest(?::varchar[]))
                   or username like '%[bot]', false) as is_bot
        from {identities}""",
        [bots],
    )
    previous = folder / "identity_members.parquet"
    if previous.exists():
        con.execute(
            "create or replace temp table previous as select identity_key as key, member_id "
            f"from read_parquet({_quote(previous)})"
        )
    else:
        con.execute("create or replace temp table previous (key varchar, member_id varchar)")
    con.execute("""
        create or replace temp view refs as
        select key, if(is_bot, null, email) as email,
               if(source = 'github', username, null) as username
        from identities""")
    # Shared emails and the manual rules first; then the evidence between the
    # members that leaves, merging what is confident enough without asking.
    resolve_tables(con, "refs", "previous", manual)
    con.execute("""
        create or replace temp table first_pass as
        select i.*, r.member_id from identities as i join resolved as r using (key)""")
    suggest_tables(con, "first_pass", rejected, organizations)
    merged = automatic_merges(
        con.execute(
            "select suggestion_id, identity_a, identity_b, score from suggestions"
        ).fetchall(),
        dict(con.execute("select key, member_id from first_pass").fetchall()),
        config.identity.auto_merge_confidence,
        single={s.name for s in registry.sources().values() if s.one_identity_per_person},
        rejected=rejected,
        frozen=manual.splits,
    )
    resolve_tables(con, "refs", "previous", manual, [(a, b) for _, a, b in merged])
    con.execute("""
        create or replace temp table assigned as
        select i.*, r.member_id, r.rule from identities as i join resolved as r using (key)""")
    copy_table(
        con,
        folder,
        "identity_members",
        "select key as identity_key, *, from assigned order by key",
    )
    # The suggestions between members that are still apart wait for a person; the
    # merged ones stay listed, to be undone.
    con.register(
        "merged_input",
        pa.table({"suggestion_id": pa.array([m[0] for m in merged], pa.string())}),
    )
    con.execute("""
        create or replace temp table decided as
        select s.suggestion_id, s.identity_a, s.identity_b, a.member_id as member_a,
               b.member_id as member_b, s.rule, s.evidence, s.score,
               if(s.suggestion_id in (select suggestion_id from merged_input),
                  'automatic', 'review') as decision
        from suggestions as s
        join assigned as a on a.key = s.identity_a
        join assigned as b on b.key = s.identity_b
        where a.member_id <> b.member_id
           or s.suggestion_id in (select suggestion_id from merged_input)""")
    copy_table(
        con,
        folder,
        "identity_suggestions",
        "select * from decided order by score desc, suggestion_id",
    )

    affiliations, suggested_orgs = affiliate(
        _member_facts(con, manual_affiliations), organizations, manual_affiliations
    )
    counts = con.execute("select count(*), count(distinct member_id) from assigned").fetchall()[0]
    (suggestions,) = con.execute(
        "select count(*) from decided where decision = 'review'"
    ).fetchall()[0]
    write_table(folder, "member_organizations", [vars(a) for a in affiliations])
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
    write_table(
        folder, "organization_suggestions", [{"domain": d, "members": n} for d, n in suggested_orgs]
    )
    write_table(
        folder,
        "team_tags",
        [
            {"identity_key": k, "tag": t, "author": a, "tagged_at": datetime.fromisoformat(at)}
            for k, t, a, at in TeamStore(store_path(config)).rows("tags")
        ],
    )
    identity_count, member_count = counts
    return ResolutionReport(
        identities=identity_count,
        members=member_count,
        merged_identities=identity_count - member_count,
        suggestions=suggestions,
        affiliations=len(affiliations),
        suggested_organizations=len(suggested_orgs),
    )


def _member_facts(
    con: duckdb.DuckDBPyConnection, manual: list[ManualAffiliation]
) -> list[MemberFacts]:
    """What affiliation needs of each member that has an email, a GitHub company, or an
    entry in organizations.yml (the others cannot be affiliated)."""
    handles = sorted({entry.identity.lower() for entry in manual})
    rows = con.execute(
        """
        select member_id, list(key order by key), list(lower(email) order by key)
                   filter (where email is not null),
               list(company order by key) filter (where company is not null and source = 'github')
        from assigned
        group by member_id
        having count(email) > 0 or count(company) filter (where source = 'github') > 0
            or bool_or(lower(key) in (select unnest(?::varchar[])))
        order by member_id""",
        [handles],
    ).fetchall()
    return [
        MemberFacts(member_id, keys, emails or [], companies or [])
        for member_id, keys, emails, companies in rows
    ]
