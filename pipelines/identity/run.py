"""One resolution pass over the warehouse's identities: members, suggestions,
organizations. Its results are Parquet files under ``data/resolution/`` that the marts
read; the previous pass's member ids are read back so that ids stay stable."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.config import AcaciaConfig
from pipelines.identity.organizations import MemberFacts, affiliate
from pipelines.identity.resolve import IdentityRef, resolve
from pipelines.identity.rules import load_identity_rules, load_organizations
from pipelines.identity.suggestions import Person, suggest

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
}


@dataclass
class ResolutionReport:
    identities: int
    members: int
    merged_identities: int
    suggestions: int
    affiliations: int
    suggested_organizations: int


def write_table(folder: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    """Replace ``folder/name.parquet`` atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.parquet"
    tmp = folder / f".{name}.{uuid.uuid4().hex}.tmp"
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[name]), tmp)
    os.replace(tmp, target)
    return target


def previous_members(folder: Path) -> dict[str, str]:
    path = folder / "identity_members.parquet"
    if not path.exists():
        return {}
    table = pq.read_table(path, columns=["identity_key", "member_id"])
    return dict(zip(table["identity_key"].to_pylist(), table["member_id"].to_pylist(), strict=True))


def read_identities(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select source, source_user_id, username, display_name, email, company, is_bot "
            "from intermediate.int_identities__unioned"
        ).fetchall()


def run_resolution(config: AcaciaConfig, rows: list[tuple] | None = None) -> ResolutionReport:
    """Resolve the identities in the warehouse (or ``rows``) and write the results."""
    rows = read_identities(config.storage.warehouse()) if rows is None else rows
    folder = config.storage.resolution()
    manual, rejected = load_identity_rules(config.identity.rules_file)
    organizations, manual_affiliations = load_organizations(config.identity.organizations_file)
    bots = {name.lower() for name in config.identity.bots}

    refs, people, facts_rows = [], [], []
    for source, user_id, username, name, email, company, is_bot in rows:
        key = f"{source}:{user_id}"
        bot = bool(is_bot) or (username or "").lower() in bots or (username or "").endswith("[bot]")
        # Bots never merge by email: a shared deploy address is not a person.
        refs.append(
            IdentityRef(key, None if bot else email, username if source == "github" else None)
        )
        facts_rows.append((key, email, company, bot, username, name))
    assignments = resolve(refs, previous_members(folder), manual)

    identity_rows, facts = [], {}
    for (key, email, company, bot, username, name), (source, user_id, *_rest) in zip(
        facts_rows, rows, strict=True
    ):
        assignment = assignments[key]
        identity_rows.append(
            {
                "identity_key": key,
                "source": source,
                "source_user_id": user_id,
                "member_id": assignment.member_id,
                "rule": assignment.rule,
                "is_bot": bot,
            }
        )
        people.append(Person(key, assignment.member_id, username, name, bot))
        member = facts.setdefault(assignment.member_id, MemberFacts(assignment.member_id))
        member.identity_keys.append(key)
        if email:
            member.emails.append(email.lower())
        if company and source == "github":
            member.companies.append(company)
    write_table(folder, "identity_members", identity_rows)

    suggestions = suggest(people, rejected)
    write_table(folder, "identity_suggestions", [vars(s) for s in suggestions])

    affiliations, suggested_orgs = affiliate(facts.values(), organizations, manual_affiliations)
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
    members = {a.member_id for a in assignments.values()}
    return ResolutionReport(
        identities=len(identity_rows),
        members=len(members),
        merged_identities=len(identity_rows) - len(members),
        suggestions=len(suggestions),
        affiliations=len(affiliations),
        suggested_organizations=len(suggested_orgs),
    )
