"""The version-controlled files a team edits: identities.yml and organizations.yml.

identities.yml — manual identity rules, which win over every automatic rule::

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

IDENTITIES_HEADER = """\
# Manual identity rules for Acacia (keep this file under version control).
# They win over every automatic rule. Written by `acacia accept/reject/unmerge`;
# edit by hand too. Identity keys are <source>:<id> (see the identities mart).
"""


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


def update_identity_rules(
    path: Path,
    *,
    merge: list[str] | None = None,
    not_same: list[str] | None = None,
    unmerge: str | None = None,
) -> str:
    """Change identities.yml: add a merge or a rejection, or undo the merges of an
    identity (which also keeps it from merging automatically again). Returns what was
    done, in words."""
    rules = _load(path, IdentityFile)
    assert isinstance(rules, IdentityFile)
    if merge:
        rules.merge.append(sorted(merge))
        done = f"merged {' and '.join(sorted(merge))}"
    elif not_same:
        rules.not_same.append(sorted(not_same))
        done = f"marked {' and '.join(sorted(not_same))} as different people"
    elif unmerge:
        before = len(rules.merge)
        rules.merge = [g for g in rules.merge if unmerge not in g]
        if unmerge not in rules.split:
            rules.split.append(unmerge)
        done = (
            f"split {unmerge} off ({before - len(rules.merge)} manual merge(s) removed; "
            "it will not merge automatically again)"
        )
    else:
        raise ValueError("nothing to change")
    path.write_text(
        IDENTITIES_HEADER
        + yaml.safe_dump(rules.model_dump(), sort_keys=False, default_flow_style=None)
    )
    return done
