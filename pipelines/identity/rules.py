"""The version-controlled files a team edits: identities.yml and organizations.yml.

identities.yml — manual identity rules kept under version control (the decisions made in
the dashboard or with the command line live in the team's store, pipelines/storage/team_store.py;
``team_rules`` reads both), which win over every automatic rule::

    merge:      # these identities are one person
      - [github:1234, slack:U0123ABC]
    split:      # never merge this identity automatically
      - slack:U0999XYZ
    not_same:   # suggestions a person rejected
      - [github:77, discourse:12]

organizations.yml — organizations and dated affiliations::

    organizations:
      - name: Acme
        domains: [acme.com]
        github_orgs: [acme]
        aliases: [ACME Inc., Acme Corporation]
        website: https://acme.example
        staff: false          # true for the project's own organization
    affiliations:             # people whose employer changed, or who the rules miss
      - identity: ada@acme.com        # an identity key (github:1234) or an email
        organization: Acme
        from: 2025-01-01
        until: 2026-05-31
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipelines.identity.organizations import ManualAffiliation, Organization
from pipelines.identity.resolve import ManualRules


class RulesError(Exception):
    """A rules file is invalid; the message names the file, the key and the fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentityFile(_Strict):
    merge: list[list[str]] = Field(default_factory=list)
    split: list[str] = Field(default_factory=list)
    not_same: list[list[str]] = Field(default_factory=list)


class OrganizationEntry(_Strict):
    name: str
    domains: list[str] = Field(default_factory=list)
    github_orgs: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    website: str | None = None
    staff: bool = False


class AffiliationEntry(_Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    identity: str
    organization: str
    valid_from: date | None = Field(None, alias="from")
    valid_to: date | None = Field(None, alias="until")


class OrganizationsFile(_Strict):
    organizations: list[OrganizationEntry] = Field(default_factory=list)
    affiliations: list[AffiliationEntry] = Field(default_factory=list)


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(path: Path, model: type[BaseModel]) -> BaseModel:
    if not path.exists():
        return model()
    try:
        # libyaml's loader: organizations.yml can list thousands of organizations (1,000
        # took 1.5 s with the pure-Python one).
        data = yaml.load(path.read_text(), Loader=SAFE_LOADER) or {}
        return model.model_validate(data)
    except yaml.YAMLError as error:
        raise RulesError(f"{path}: not valid YAML ({error}).") from error
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise RulesError(
            f"{path}: {problems}. Fix the file (see README, Identity and organizations)."
        ) from None


def load_identity_rules(path: Path) -> tuple[ManualRules, set[frozenset[str]]]:
    """The manual merges and splits, and the rejected pairs."""
    rules = _load(path, IdentityFile)
    assert isinstance(rules, IdentityFile)
    return (
        ManualRules(merges=[list(g) for g in rules.merge], splits=set(rules.split)),
        {frozenset(pair) for pair in rules.not_same if len(pair) == 2},
    )


def team_rules(config: object) -> tuple[ManualRules, set[frozenset[str]]]:
    """The manual identity rules in force: identities.yml (kept under version control)
    and the decisions the team made in the dashboard or with the command line (the
    team's store, pipelines/storage/team_store.py). A split in either wins over a merge
    in the file."""
    from pipelines.storage.team_store import TeamStore, store_path

    manual, rejected = load_identity_rules(config.identity.rules_file)
    for decision in TeamStore(store_path(config)).decisions():
        if decision.kind == "merge":
            manual.merges.append([decision.identity_a, decision.identity_b])
        elif decision.kind == "not_same":
            rejected.add(frozenset((decision.identity_a, decision.identity_b)))
        else:
            manual.splits.add(decision.identity_a)
    manual.merges = [g for g in manual.merges if not manual.splits & set(g)]
    return manual, rejected


def load_organizations(path: Path) -> tuple[list[Organization], list[ManualAffiliation]]:
    data = _load(path, OrganizationsFile)
    assert isinstance(data, OrganizationsFile)
    names = {o.name for o in data.organizations}
    for entry in data.affiliations:
        if entry.organization not in names:
            raise RulesError(
                f"{path}: affiliations: {entry.identity} points at "
                f"'{entry.organization}', which is not in organizations. Fix: "
                "add it, or correct the name."
            )
    organizations = [
        Organization(
            o.name, tuple(o.domains), tuple(o.github_orgs), tuple(o.aliases), o.website, o.staff
        )
        for o in data.organizations
    ]
    manual = [
        ManualAffiliation(a.identity, a.organization, a.valid_from, a.valid_to)
        for a in data.affiliations
    ]
    return organizations, manual
