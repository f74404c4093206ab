"""Which organization a member belongs to, and since when.

Rules, strongest first (each affiliation records the rule that produced it):

1. ``manual`` — dated affiliations in organizations.yml (a person who changed employer);
2. ``email_domain`` — an identity's email at one of the organization's domains (public
   mail providers never count);
3. ``github_org`` / ``company`` — the GitHub ``company`` field, normalized so that
   ``@acme``, ``Acme Inc.`` and ``ACME`` are one, matched against names, aliases and
   GitHub organizations.

An activity belongs to the organization the member was with on its day: a manual range
that covers the day wins, otherwise the member's strongest undated affiliation. An
unknown corporate domain shared by several members becomes a *suggested* organization.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import duckdb

PUBLIC_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "aol.com",
        "mail.ru",
        "yandex.ru",
        "qq.com",
        "163.com",
        "fastmail.com",
        "hey.com",
        "users.noreply.github.com",
        "example.org",
        "example.com",
    }
)
SUFFIXES = re.compile(
    r"\b(inc|incorporated|corp|corporation|llc|ltd|limited|gmbh|ag|sa|"
    r"bv|co|company|plc|srl)\b"
)
RULE_ORDER = ("manual", "email_domain", "github_org", "company")


@dataclass(frozen=True)
class Organization:
    name: str
    domains: tuple[str, ...] = ()
    github_orgs: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    website: str | None = None
    is_staff: bool = False


@dataclass(frozen=True)
class ManualAffiliation:
    identity: str  # an identity key or an email
    organization: str
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class Affiliation:
    member_id: str
    organization: str
    rule: str
    evidence: str
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass
class MemberFacts:
    """What affiliation looks at for one member."""

    member_id: str
    identity_keys: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)  # GitHub company fields


def normalize_company(text: str | None) -> str:
    """'@acme', 'Acme Inc.', 'ACME' -> 'acme'."""
    if not text:
        return ""
    text = text.strip().lower().lstrip("@")
    text = re.sub(r"[^\w\s-]", " ", text)
    text = SUFFIXES.sub(" ", text)
    return " ".join(text.replace("-", " ").split())


def domain_of(email: str) -> str | None:
    return email.rsplit("@", 1)[1].lower() if "@" in email else None


def affiliate(
    members: Iterable[MemberFacts],
    organizations: list[Organization],
    manual: list[ManualAffiliation],
) -> list[Affiliation]:
    """The affiliations of each member."""
    by_domain = {d.lower(): o.name for o in organizations for d in o.domains}
    by_company: dict[str, str] = {}
    for org in organizations:
        for alias in (org.name, *org.aliases):
            by_company[normalize_company(alias)] = org.name
        for github_org in org.github_orgs:
            by_company[normalize_company(github_org)] = org.name
    github_orgs = {normalize_company(g): o.name for o in organizations for g in o.github_orgs}
    manual_by_key: dict[str, list[ManualAffiliation]] = defaultdict(list)
    for entry in manual:
        manual_by_key[entry.identity.lower()].append(entry)

    affiliations: list[Affiliation] = []
    for member in members:
        found: list[Affiliation] = []
        add = found.append

        for handle in [*member.identity_keys, *member.emails]:
            for entry in manual_by_key.get(handle.lower(), []):
                add(
                    Affiliation(
                        member.member_id,
                        entry.organization,
                        "manual",
                        f"organizations.yml: {entry.identity}",
                        entry.valid_from,
                        entry.valid_to,
                    )
                )
        for email in member.emails:
            domain = domain_of(email)
            if not domain or domain in PUBLIC_MAIL:
                continue
            if domain in by_domain:
                add(
                    Affiliation(
                        member.member_id, by_domain[domain], "email_domain", f"email at {domain}"
                    )
                )
        for company in member.companies:
            normalized = normalize_company(company)
            if not normalized:
                continue
            if normalized in github_orgs and company.strip().startswith("@"):
                add(
                    Affiliation(
                        member.member_id,
                        github_orgs[normalized],
                        "github_org",
                        f"GitHub company field '{company}'",
                    )
                )
            elif normalized in by_company:
                add(
                    Affiliation(
                        member.member_id,
                        by_company[normalized],
                        "company",
                        f"GitHub company field '{company}'",
                    )
                )
        unique = {(a.organization, a.rule, a.valid_from, a.valid_to): a for a in found}
        affiliations += sorted(
            unique.values(), key=lambda a: (RULE_ORDER.index(a.rule), a.organization)
        )
    return affiliations


def suggest_organizations(
    con: duckdb.DuckDBPyConnection,
    accounts: str,
    organizations: list[Organization],
    min_members: int = 2,
) -> list[tuple[str, int]]:
    """Email domains that are no public mail provider and no organization's, shared by
    at least ``min_members`` members of relation ``accounts`` (member_id, email):
    (domain, members), most members first."""
    known = sorted({*PUBLIC_MAIL, *(d.lower() for o in organizations for d in o.domains)})
    return [
        (domain, members)
        for domain, members in con.execute(
            f"""
            select domain, count(distinct member_id) as members
            from (select member_id, regexp_extract(lower(email), '@([^@]*)$', 1) as domain
                  from {accounts} where email like '%@%')
            where domain <> '' and domain not in (select unnest(?::varchar[]))
            group by domain having count(distinct member_id) >= ?
            order by members desc, domain""",
            [known, min_members],
        ).fetchall()
    ]
