"""Which accounts may be one person: evidence, a confidence, and the merges it decides.

Shared emails merge accounts outright (:mod:`resolve`). Between the members that leaves,
this module looks for evidence that two accounts are one person and weighs it, the way a
person reviewing them would (and the way record linkage does, in bits of evidence):

*What ties two accounts* (the strongest counts fully; a second counts half when it says
something the first does not imply: equal handles beside equal names, not a handle that
spells a name beside that name):

- ``profile_link``: a profile links to the other account;
- ``same_username``: one handle on two platforms (``asilva`` on GitHub and the forum),
  case and ``._-`` aside;
- ``username_matches_name``: a handle that spells the other's full name (``ana_silva``
  and "Ana Silva"), in either order;
- ``same_name``: one full name (accents, case and spacing aside; letters such as ``ł``
  folded); ``name_order``: the same name family name first ("Zhou Xiulan");
- ``username_matches_initials``: ``asilva`` and "Ana Silva"; ``initial_name``:
  "J. Rodríguez" and "José Rodríguez";
- ``similar_name``: names written a little differently (``Jonas Müller`` and ``Jonas
  Mueller``), scored with rapidfuzz within blocks of names that share the first two
  letters of the first and of the last word;
- ``short_name``: "Sam D." and "Sam Dubois";
- ``same_first_name``: one handle that is only a first name (``fernando``), weak.

A handle shorter than ``SHORT_HANDLE`` letters is worth less (``ivan`` is many people).

*How common a value is.* A name whose given name and surname are both common in the
world (:mod:`~pipelines.identity.common_names`) is worth ``COMMON_NAME_BITS`` less, an
initial form with a common surname ``COMMON_INITIAL_BITS`` less; a handle that spells a
common name is as common as the name. A value several people here may carry is weaker:
each extra one costs ``AMBIGUOUS_BITS``, counted as the accounts of one platform that
carry it or the different full names that give it (two "Ana Silva"s on Slack are two
people, so a third "Ana Silva" elsewhere could be either; ``akozlov`` is "Alice" or
"Amara Kozlov"). A value on more than ``COMMON`` accounts is no evidence.

*What supports or contradicts it*, between the two members' facts (all their accounts):
the same organization (from email domains and the GitHub company field), or two
different ones; the same place (a location's city, or a time zone's); two addresses at
one company's domain; time zones ``FAR_ZONES_HOURS`` or more apart.

The bits add to a prior (``PRIOR_BITS``: two accounts picked at random are rarely one
person) and become a confidence from 0 to 100. Each suggestion reads as a sentence
("same username 'asilva' on GitHub and Forum; same organization (Northwind Labs)").
Between two members only their strongest pair of accounts is kept; ids are a hash of
that pair's identity keys, so a suggestion keeps its id from one run to the next.

A suggestion is *held* (``held``: why, in words) whatever its confidence when a fact
contradicts it, or when its strongest tie is weak alone (a common name, a value several
people may carry, a first-name handle) and nothing corroborates it.

:func:`automatic_merges` picks the suggestions at or above the configured confidence to
merge without asking, strongest first, never joining two accounts of one platform into
one member, never across a pair a person rejected, and never into a member whose
accounts contradict each other (:func:`contradiction`), however the chain of merges
runs.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb
import pyarrow as pa
from rapidfuzz import fuzz, process

from connectors.core import registry
from pipelines.identity.organizations import PUBLIC_MAIL, Organization, normalize_company
from pipelines.identity.resolve import find, scratch_connection

NEAR_MATCH = 88  # token_sort_ratio at or above which two names are "close"
COMMON = 50  # a value on more identities than this is no evidence
PRIOR_BITS = -8.0  # two accounts at random: about 1 in 250 are one person
AMBIGUOUS_BITS = 4.0  # per other account of the same platform with the same value
#: What each kind of tie is worth, in bits: about log2 of how unlikely it is that a
#: different person carries the same value (a full name, a handle of seven letters or
#: more, each roughly one in ten thousand).
EVIDENCE_BITS = {
    "profile_link": 20.0,  # one profile names the other account: near certain
    "same_username": 13.0,
    "username_matches_name": 13.0,
    "same_name": 13.0,
    "name_order": 13.0,  # "Zhang Wei" and "Wei Zhang"
    "username_matches_initials": 12.5,
    "initial_name": 12.5,  # "J. Rodríguez" and "José Rodríguez"
    "similar_name": 9.0,
    "short_name": 9.0,
    "same_first_name": 4.0,  # a handle that is only a first name ("fernando")
}
#: What a common name takes off (a given name and a surname both on the world's lists
#: of the most common, :mod:`~pipelines.identity.common_names`): "Wei Zhang" is worth
#: 9 bits, not 13, and never merges without corroboration. One common part ("Elijah
#: Kim") takes little off: such a full name is still rare.
COMMON_NAME_BITS = 4.0
COMMON_PART_BITS = 0.5
#: What a common surname takes off an initial form ("A. Kumar", ``akumar``): it says
#: little more than the surname. (A short form, "Wei Z.", is weak whatever the name.)
COMMON_INITIAL_BITS = 4.0
SHORT_HANDLE = 7  # handles shorter than this are worth 2 bits less per missing letter
#: What the two members' other facts add: how much likelier each is for one person
#: than for two (a city or an organization is shared by a few percent of a community).
SUPPORT_BITS = {
    "same_organization": 4.0,
    "other_organization": -3.0,
    "same_place": 4.0,
    "two_addresses": -6.0,  # two different addresses at one company's domain
    "far_time_zones": -6.0,  # time zones FAR_ZONES_HOURS or more apart
}
#: Time zones this many hours apart (at their nearest, winter or summer) are two
#: people's, not one person's.
FAR_ZONES_HOURS = 4
#: Handles that name a role or nobody, never a person.
NOT_A_HANDLE = frozenset({"admin", "deleted", "ghost", "root", "system", "test", "user"})


@dataclass(frozen=True)
class Person:
    """What suggestions look at for one identity."""

    key: str
    member_id: str
    username: str | None = None
    name: str | None = None
    is_bot: bool = False
    email: str | None = None
    company: str | None = None
    location: str | None = None
    timezone: str | None = None
    extra: str | None = None  # the landed JSON: a profile's links to other accounts


@dataclass(frozen=True)
class Suggestion:
    suggestion_id: str
    identity_a: str
    identity_b: str
    member_a: str
    member_b: str
    rule: str  # the strongest tie: same_username, same_name, ...
    evidence: str
    score: float  # confidence, 0-100
    #: Why the pair may not merge without a person, whatever its confidence (a
    #: contradiction, or a common name without corroboration), or None.
    held: str | None = None


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
#: Letters Unicode does not decompose into a base letter and a mark, as people write
#: them without the keyboard for them ("Łukasz" is "Lukasz", "Søren" is "Soren").
_FOLDED = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ı": "i",
        "þ": "th",
        "ð": "d",
        "ħ": "h",
        "ŧ": "t",
    }
)


@functools.lru_cache(maxsize=500_000)
def normalize_name(name: str | None) -> str:
    """Lowercase, accents off (ü -> u, ł -> l), punctuation to spaces, single spaces."""
    if not name:
        return ""
    folded = unicodedata.normalize("NFKD", name.lower().translate(_FOLDED))
    ascii_text = folded.encode("ascii", "ignore").decode()
    return _NOT_ALNUM.sub(" ", ascii_text).strip()


def _strings(**columns: list) -> pa.Table:
    return pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})


def suggest(
    people: Iterable[Person],
    rejected: set[frozenset[str]] | None = None,
    organizations: list[Organization] | None = None,
    common: CommonNames | None = None,
) -> list[Suggestion]:
    """Pairs of identities of different members that may be one person, strongest
    first (``common``: the common names, the world's lists by default)."""
    people = list(people)
    con = scratch_connection()
    fields = ("key", "member_id", "username", "name", "email", "company", "location")
    table = _strings(
        **{f: [getattr(p, f) for p in people] for f in (*fields, "timezone", "extra")}
    ).append_column("is_bot", pa.array([p.is_bot for p in people], pa.bool_()))
    con.register("people_input", table)
    suggest_tables(con, "people_input", rejected or set(), organizations or [], None, common)
    rows = con.execute(
        "select suggestion_id, identity_a, identity_b, member_a, member_b, rule, evidence, "
        "score, held from suggestions order by score desc, suggestion_id"
    ).fetchall()
    return [Suggestion(*row) for row in rows]


def source_facts() -> dict[str, list]:
    from connectors.core import registry

    defined = registry.sources().values()
    return {
        "source": [d.name for d in defined],
        "label": [d.label for d in defined],
        "names_only": [d.username_is == "name" for d in defined],
        "many_per_person": [not d.one_identity_per_person for d in defined],
        "ghost_id": [d.ghost_id for d in defined],
    }


@dataclass(frozen=True)
class CommonNames:
    """The given names and surnames that are common in the world: the prior of
    :mod:`~pipelines.identity.common_names`, with a team's own additions. (What the
    community itself says of a name is how many of its accounts carry it, ``carriers``.)"""

    given: frozenset[str]
    surnames: frozenset[str]

    @classmethod
    def of(cls, config: object | None = None) -> CommonNames:
        from pipelines.identity import common_names

        settings = getattr(config, "identity", None)
        extra_given = getattr(settings, "common_given_names", None) or []
        extra_surnames = getattr(settings, "common_surnames", None) or []
        return cls(
            frozenset(common_names.GIVEN_NAMES | {normalize_name(n) for n in extra_given}),
            frozenset(common_names.SURNAMES | {normalize_name(n) for n in extra_surnames}),
        )


def _name_forms(names: list[str], common: CommonNames) -> pa.Table:
    """The forms a name is matched by: its full form (two words or more), written
    together, family name first, as initial and last word, and short (first word and
    last initial); and how common it is (``common``: how many of its given name and
    surname are common in the world).

    A name that is only an initial and a surname ("J. Rodríguez") is matched by its
    initial form alone (``initial_only``), one that is a first name and an initial
    ("Sam D.") by its short form alone (``short_only``)."""
    columns = (
        "name",
        "normalized",
        "together",
        "reversed",
        "initials",
        "short",
        "short_only",
        "initial_only",
        "first",
        "common",
        "common_given",
        "common_surname",
    )
    rows: dict[str, list] = {column: [] for column in columns}
    given, surnames = common.given, common.surnames
    for name in names:
        tokens = normalize_name(name).split()
        two = len(tokens) >= 2
        short_only = two and len(tokens[-1]) == 1
        initial_only = two and len(tokens[0]) == 1 and len(tokens[-1]) > 1
        full = two and not short_only and not initial_only
        rows["name"].append(name)
        rows["normalized"].append(" ".join(tokens) if full else None)
        rows["together"].append("".join(tokens) if full else None)
        rows["reversed"].append(tokens[-1] + "".join(tokens[:-1]) if full else None)
        rows["initials"].append(tokens[0][0] + tokens[-1] if full or initial_only else None)
        rows["short"].append(f"{tokens[0]} {tokens[-1][0]}" if full or short_only else None)
        rows["short_only"].append(short_only)
        rows["initial_only"].append(initial_only)
        rows["first"].append(tokens[0] if two else None)
        common_given = two and not initial_only and tokens[0] in given
        common_surname = two and not short_only and tokens[-1] in surnames
        rows["common"].append(common_given + common_surname)
        rows["common_given"].append(int(common_given))
        rows["common_surname"].append(int(common_surname))
    types = {
        "short_only": pa.bool_(),
        "initial_only": pa.bool_(),
        "common": pa.int8(),
        "common_given": pa.int8(),
        "common_surname": pa.int8(),
    }
    return pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in rows.items()})


@functools.lru_cache(maxsize=4)
def _common_handles(common: CommonNames) -> pa.Table:
    """Handles that spell a common given name and surname (``weizhang``, ``zhangwei``,
    ``wzhang``), with how many of the two parts are common: a handle that spells a
    common name is as common as the name."""
    values: dict[str, int] = {}
    for first in common.given:
        for last in common.surnames:
            for value in (first + last, last + first):
                values[value] = 2
            values.setdefault(first[0] + last, 1)
    return pa.table(
        {
            "value": pa.array(list(values), pa.string()),
            "common": pa.array(list(values.values()), pa.int8()),
        }
    )


def _places(texts: list[str]) -> pa.Table:
    """The city a location ("Berlin, Germany") or a time zone ("Europe/Berlin") names."""
    cities = []
    for text in texts:
        part = text.rsplit("/", 1)[-1].replace("_", " ") if "/" in text else text.split(",")[0]
        cities.append(normalize_name(part) or None)
    return _strings(text=texts, city=cities)


def _organization_tables(
    con: duckdb.DuckDBPyConnection, organizations: list[Organization], companies: list[str]
) -> None:
    by_company: dict[str, str] = {}
    for org in organizations:
        for alias in (org.name, *org.aliases, *org.github_orgs):
            by_company[normalize_company(alias)] = org.name
    con.register(
        "org_domains",
        _strings(
            domain=[d.lower() for o in organizations for d in o.domains],
            organization=[o.name for o in organizations for _ in o.domains],
        ),
    )
    keys = [by_company.get(normalize_company(c), normalize_company(c)) or None for c in companies]
    con.register("company_orgs", _strings(company=companies, organization=keys))
    con.register("public_mail", _strings(domain=sorted(PUBLIC_MAIL)))


def prepare_people(
    con: duckdb.DuckDBPyConnection, people: str, common: CommonNames | None = None
) -> None:
    """What the evidence reads of the accounts of relation ``people`` (key, member_id,
    username, name, email, company, location, timezone, extra, is_bot): the temp table
    ``suggest_people`` (bots, ghosts and anonymous accounts left out), the forms of their names
    (``name_forms``), the links in their profiles (``profile_links``) and every value
    they can be matched by (``raw_values``: key, source, member_id, kind, value,
    short_only, initial_only, first_name, common), before any value is found too common.
    ``common`` (how many parts of the name a value spells are common in the world) comes
    from ``common``, the world's list by default."""
    common = common or CommonNames.of()
    con.register("source_facts", pa.table(source_facts()))
    con.execute(f"""
        create or replace temp table suggest_people as
        select p.key, split_part(p.key, ':', 1) as source, p.member_id,
               -- Where the username is a display name, one without a space is a handle
               -- ("rafaelabbott" on Stack Exchange).
               lower(if(f.names_only,
                        if(coalesce(p.name, p.username) like '% %', null,
                           coalesce(p.name, p.username)),
                        p.username)) as username,
               -- A display name that only repeats the handle (Reddit's) is no name.
               if(f.names_only, coalesce(p.name, p.username),
                  if(lower(p.name) = lower(p.username), null, p.name)) as name,
               lower(trim(p.email)) as email, p.company, p.location, p.timezone, p.extra
        from {people} as p
        join source_facts as f on f.source = split_part(p.key, ':', 1)
        where not coalesce(p.is_bot, false)
          and split_part(p.key, ':', 2) is distinct from f.ghost_id
          -- An anonymous account (an attendee who asked not to be named) is nobody's
          -- name or handle: it never matches another.
          and not coalesce(try_cast(json_extract(p.extra, '$.anonymous') as boolean), false)""")
    con.register("name_forms", _name_forms(_distinct(con, "name"), common))
    con.register("common_handles", _common_handles(common))
    con.register("profile_links", _profile_links(con))
    con.execute(
        """
        create or replace temp table raw_values as
        with handles as (
            select p.key, p.source, p.member_id, 'handle' as kind,
                   regexp_replace(p.username, '[._-]', '', 'g') as value,
                   false as short_only, false as initial_only,
                   regexp_replace(p.username, '[._-]', '', 'g') = n.first as first_name
            from suggest_people as p left join name_forms as n using (name)
            where p.username is not null
        ),
        names as (
            -- How common each form is: a full name's two parts, an initial form's
            -- surname, a short form's given name.
            select p.key, p.source, p.member_id, unnest([
                {'kind': 'name', 'value': n.together, 'common': n.common},
                {'kind': 'reversed', 'value': n.reversed, 'common': n.common},
                {'kind': 'initials', 'value': n.initials, 'common': n.common_surname},
                {'kind': 'short', 'value': n.short, 'common': n.common_given}
            ]) as v, n.short_only, n.initial_only, false as first_name
            from suggest_people as p join name_forms as n using (name)
        )
        select h.*, coalesce(c.common, 0)::tinyint as common
        from handles as h left join common_handles as c using (value)
        where length(value) >= 3 and value not in (select unnest(?::varchar[]))
        union all
        select key, source, member_id, v.kind, v.value, short_only, initial_only, first_name,
               v.common
        from names
        where v.value is not null""",
        [sorted(NOT_A_HANDLE)],
    )


#: A query over the tables :func:`prepare_people` made: each account's values that
#: another account's evidence can depend on (key, kind, value). Besides the matched
#: values (``raw_values``' kinds): ``full``, its full name (close names are looked for
#: among these); ``link``, an account a profile links to; ``linkable``, what a link to
#: the account names (``source:handle``, ``source:id``).
INFLUENCE_INPUTS = """
    select key, kind, value from raw_values
    union all
    select p.key, 'full', n.normalized
    from suggest_people as p join name_forms as n using (name)
    where n.normalized is not null
    union all
    select key, 'link', target_source || ':' || target from profile_links
    union all
    select key, 'linkable', source || ':' || username from suggest_people
    where username is not null
    union all
    select key, 'linkable', source || ':' || lower(split_part(key, ':', 2))
    from suggest_people"""


def suggest_tables(
    con: duckdb.DuckDBPyConnection,
    people: str,
    rejected: set[frozenset[str]],
    organizations: list[Organization],
    others: str | None = None,
    common: CommonNames | None = None,
) -> None:
    """Suggestions for relation ``people`` (key, member_id, username, name, email,
    company, location, timezone, extra, is_bot) into the temp table ``suggestions``
    (with ``held``: why the pair may not merge without a person, or null), and what
    each member's accounts say of where they work and live (``member_facts``).
    ``others`` (key, source, kind, value) are the values of accounts left out of
    ``people`` (an incremental resolution's untouched accounts): they count in how
    common a value is and how many accounts of one platform carry it. ``common``: the
    common given names and surnames (the world's list by default)."""
    prepare_people(con, people, common)
    distinct = functools.partial(_distinct, con)
    con.register("places", _places([*distinct("location"), *distinct("timezone")]))
    _organization_tables(con, organizations, distinct("company"))
    con.execute("create or replace temp table rejected_pairs (a varchar, b varchar)")
    pairs = [sorted(pair) for pair in rejected if len(pair) == 2]
    if pairs:
        con.executemany("insert into rejected_pairs values (?, ?)", pairs)

    # Every value an identity can be matched by, with the most accounts one platform
    # has with it (``carriers``: on a platform where each person has one account, two
    # accounts with one value are two people); a value on more than COMMON accounts
    # (of one kind) is left out.
    counted = "select key, source, kind, value from raw_values"
    # Each account's full name, to count the different names behind a value.
    fulls = """
        select p.key, n.normalized as full
        from suggest_people as p join name_forms as n using (name)
        where n.normalized is not null"""
    if others:
        counted += (
            f" union all select key, source, kind, value from {others}"
            " semi join raw_values using (value) where kind <> 'full'"
        )
        fulls += f" union all select key, value from {others} where kind = 'full'"
    con.execute(f"""
        create or replace temp table match_values as
        with counted as ({counted}),
        fulls as ({fulls}),
        -- How many different full names give a value: 'akozlov' and "A. Kozlov" stand
        -- for "Alice Kozlov" and "Amara Kozlov" alike, whatever platforms they are on.
        behind as (
            select c.value,  -- "Zhou Xiulan" and "Xiulan Zhou" are one name
                   count(distinct list_sort(string_split(f.full, ' '))) as names
            from counted as c join fulls as f using (key)
            where c.kind in ('name', 'reversed', 'initials', 'short')
            group by c.value
        ),
        carried as (
            select v.value, max(accounts) as carriers from (
                select value, source, count(distinct key) as accounts
                from counted join source_facts as f using (source)
                where not f.many_per_person group by all
            ) as v group by v.value
        ),
        common as (
            select kind, value from counted group by all having count(*) > {COMMON}
        )
        -- A value is as ambiguous as the most people who may carry it: the accounts of
        -- one platform, or the different full names that give it.
        select v.*, greatest(1, coalesce(b.names, 1), coalesce(c.carriers, 1)) as carriers
        from raw_values as v left join carried as c using (value)
        left join behind as b using (value)
        anti join common using (kind, value)""")
    full_names = [
        r[0]
        for r in con.execute(
            "select distinct n.normalized from name_forms as n join suggest_people using (name) "
            "where n.normalized is not null order by 1"
        ).fetchall()
    ]
    close = close_names(full_names)
    con.register(
        "close_names",
        _strings(name_a=[c[0] for c in close], name_b=[c[1] for c in close]).append_column(
            "score", pa.array([c[2] for c in close], pa.float64())
        ),
    )
    bits = EVIDENCE_BITS
    con.execute(f"""
        create or replace temp table ties as
        with joined as (
            select a.key as key_a, b.key as key_b, a.member_id as member_a,
                   b.member_id as member_b, a.source as source_a, b.source as source_b,
                   a.kind as kind_a, b.kind as kind_b, a.value,
                   greatest(a.carriers, b.carriers) - 1 as also_here,
                   a.short_only or b.short_only as short,
                   a.initial_only or b.initial_only as initial,
                   coalesce(a.first_name or b.first_name, false) as first_name,
                   -- A handle that spells a common name is as common as the name.
                   if(a.kind = 'handle' and b.kind = 'handle', greatest(a.common, b.common),
                      least(if(a.kind = 'handle', b.common, a.common),
                            if(b.kind = 'handle', a.common, b.common))) as common
            from match_values as a join match_values as b
              on a.value = b.value and a.key < b.key and a.member_id <> b.member_id
        ),
        named as (
            select *, case
                when kind_a = 'handle' and kind_b = 'handle' and first_name
                    then 'same_first_name'
                when kind_a = 'handle' and kind_b = 'handle' then 'same_username'
                when 'handle' in (kind_a, kind_b)
                     and ('name' in (kind_a, kind_b) or 'reversed' in (kind_a, kind_b))
                    then 'username_matches_name'
                when kind_a = 'name' and kind_b = 'name' then 'same_name'
                when 'name' in (kind_a, kind_b) and 'reversed' in (kind_a, kind_b)
                    then 'name_order'
                when 'handle' in (kind_a, kind_b) and 'initials' in (kind_a, kind_b)
                    then 'username_matches_initials'
                when kind_a = 'initials' and kind_b = 'initials' and initial
                    then 'initial_name'
                when kind_a = 'short' and kind_b = 'short' and short then 'short_name'
            end as tie
            from joined
        ),
        close as (
            select a.key as key_a, b.key as key_b, a.member_id as member_a,
                   b.member_id as member_b, a.source as source_a, b.source as source_b,
                   c.name_a || ''' and ''' || c.name_b as value, 0 as also_here,
                   'similar_name' as tie, c.score, least(na.common, nb.common) as common
            from close_names as c
            join name_forms as na on na.normalized = c.name_a
            join suggest_people as a on a.name = na.name
            join name_forms as nb on nb.normalized = c.name_b
            join suggest_people as b on b.name = nb.name
            where a.member_id <> b.member_id
        ),
        linked as (  -- a profile that links to the other account
            select l.key as key_a, t.key as key_b, a.member_id as member_a,
                   t.member_id as member_b, a.source as source_a, t.source as source_b,
                   'profile_link' as tie, l.url as value, 0 as also_here, 0 as common
            from profile_links as l
            join suggest_people as a on a.key = l.key
            join suggest_people as t on t.source = l.target_source
                and l.target in (t.username, lower(split_part(t.key, ':', 2)))
            where a.member_id <> t.member_id
        ),
        found as (
            select key_a, key_b, member_a, member_b, source_a, source_b, tie, value,
                   also_here, 100.0 as score, 99 as letters, common
            from linked
            union all
            select key_a, key_b, member_a, member_b, source_a, source_b, tie, value,
                   also_here, 100.0 as score, length(value) as letters, common
            from named where tie is not null
            union all
            select key_a, key_b, member_a, member_b, source_a, source_b, tie, value,
                   also_here, score, 99 as letters, common
            from close
        )
        select
            least(key_a, key_b) as identity_a, greatest(key_a, key_b) as identity_b,
            if(key_a < key_b, member_a, member_b) as member_a,
            if(key_a < key_b, member_b, member_a) as member_b,
            if(key_a < key_b, source_a, source_b) as source_a,
            if(key_a < key_b, source_b, source_a) as source_b,
            tie, value, also_here, common, letters,
            case tie
                when 'profile_link' then {bits["profile_link"]}
                when 'same_username' then {bits["same_username"]}
                    - 2 * greatest(0, {SHORT_HANDLE} - letters)
                when 'same_first_name' then {bits["same_first_name"]}
                when 'username_matches_name' then {bits["username_matches_name"]}
                when 'same_name' then {bits["same_name"]}
                when 'name_order' then {bits["name_order"]}
                when 'username_matches_initials' then {bits["username_matches_initials"]}
                when 'initial_name' then {bits["initial_name"]}
                when 'short_name' then {bits["short_name"]}
                else {bits["similar_name"]} * (score - {NEAR_MATCH - 12}) / {112 - NEAR_MATCH}
            end - {AMBIGUOUS_BITS} * also_here
            - case when tie in ('username_matches_initials', 'initial_name')
                       then {COMMON_INITIAL_BITS} * common
                   when common = 2 then {COMMON_NAME_BITS}
                   when common = 1 then {COMMON_PART_BITS}
                   else 0 end as bits
        from found
        qualify row_number() over (
            partition by least(key_a, key_b), greatest(key_a, key_b), tie
            order by bits desc, value, also_here
        ) = 1""")
    # Keep pairs of different platforms (or of a platform where one person can have
    # several identities), and say each tie in words.
    con.execute("""
        create or replace temp table worded_ties as
        select t.*, case t.tie
                when 'profile_link' then 'a profile links to ' || t.value
                when 'same_username' then 'same username ''' || t.value || ''''
                when 'same_first_name' then 'same first-name username ''' || t.value || ''''
                when 'username_matches_name' then 'username spells the name ''' || t.value || ''''
                when 'same_name' then 'same name'
                when 'name_order' then 'same name in another order'
                when 'username_matches_initials' then 'username is the initial and surname'
                when 'initial_name' then 'same initial and surname'
                when 'short_name' then 'same first name and initial'
                else 'similar names ''' || t.value || ''''
            end || ' on ' || if(t.source_a = t.source_b, fa.label,
                                fa.label || ' and ' || fb.label)
            || if(t.also_here > 0,
                  ' (but ' || (t.also_here + 1) || ' people here may carry it)', '')
            || if(t.common = 2, ' (a common name)', '')
            as what
        from ties as t
        join source_facts as fa on fa.source = t.source_a
        join source_facts as fb on fb.source = t.source_b
        where t.source_a <> t.source_b or fa.many_per_person""")
    # What each member's accounts say about where they work and live.
    con.register("zone_offsets", _zone_offsets(_distinct(con, "timezone")))
    con.execute("""
        create or replace temp table member_facts as
        with work_mail as (
            select member_id, split_part(p.email, '@', 2) as domain
            from suggest_people as p
            where p.email like '%@%'
              and split_part(p.email, '@', 2) not in (select domain from public_mail)
        ),
        orgs as (
            select member_id, coalesce(d.organization, w.domain) as org
            from work_mail as w left join org_domains as d using (domain)
            union
            select member_id, c.organization
            from suggest_people join company_orgs as c using (company)
            where c.organization is not null
        ),
        cities as (  -- equi-joins: an "in (location, timezone)" join is a nested loop
            select member_id, pl.city from suggest_people as p
            join places as pl on pl.text = p.location
            union
            select member_id, pl.city from suggest_people as p
            join places as pl on pl.text = p.timezone
        ),
        org_lists as (
            select member_id, list(distinct org) as orgs from orgs group by member_id
        ),
        domain_lists as (
            select member_id, list(distinct domain) as domains from work_mail group by member_id
        ),
        city_lists as (
            select member_id, list(distinct city) as cities from cities
            where city is not null group by member_id
        ),
        offset_lists as (
            select member_id, list(distinct z.hours) as offsets
            from suggest_people as p join zone_offsets as z on z.zone = p.timezone
            group by member_id
        )
        select m.member_id, o.orgs, d.domains, c.cities, z.offsets
        from (select distinct member_id from suggest_people) as m
        left join org_lists as o using (member_id)
        left join domain_lists as d using (member_id)
        left join city_lists as c using (member_id)
        left join offset_lists as z using (member_id)""")
    support = SUPPORT_BITS
    con.execute(f"""
        create or replace temp table suggestions as
        with families as (  -- a second tie adds only what the first does not imply
            select *, case
                when tie in ('same_username', 'same_first_name') then 'handles'
                when tie in ('same_name', 'name_order', 'similar_name', 'short_name',
                             'initial_name') then 'names'
                else 'both' end as family
            from worded_ties
        ),
        pair_ties as (
            select *, row_number() over (
                partition by identity_a, identity_b order by bits desc, tie, what) as rank,
                first_value(family) over (
                    partition by identity_a, identity_b order by bits desc, tie, what) as first
            from families
        ),
        pairs as (
            select identity_a, identity_b, any_value(member_a) as member_a,
                   any_value(member_b) as member_b,
                   any_value(tie) filter (where rank = 1) as rule,
                   max(bits) + coalesce(max(bits / 2) filter (
                       where rank > 1 and family <> first and 'both' not in (family, first)
                   ), 0) as tie_bits,
                   string_agg(what, '; ' order by rank) filter (where rank <= 2) as what,
                   -- The strongest tie says little alone: a common name (or a value
                   -- other accounts of one platform carry), a first-name username.
                   bool_or(rank = 1 and (tie = 'same_first_name' or common = 2
                                         or also_here > 0)) as weak,
                   bool_or(rank = 1 and also_here > 0) as ambiguous,
                   -- What corroborates it independently: a profile link, or an unusual
                   -- long username on both.
                   bool_or(tie = 'profile_link'
                           or (tie = 'same_username' and common = 0 and also_here = 0
                               and letters >= {SHORT_HANDLE})) as corroborated
            from pair_ties group by identity_a, identity_b
        ),
        supported as (
            select p.*,
                   list_intersect(fa.orgs, fb.orgs) as same_orgs,
                   list_intersect(fa.cities, fb.cities) as same_cities,
                   len(fa.orgs) > 0 and len(fb.orgs) > 0
                       and len(list_intersect(fa.orgs, fb.orgs)) = 0 as other_org,
                   -- One person uses one address at a company: two at one domain are
                   -- two people (their members would share the address otherwise).
                   list_intersect(fa.domains, fb.domains) as shared_domains,
                   list_min(list_transform(fa.offsets, lambda x: list_min(
                       list_transform(fb.offsets, lambda y: abs(x - y))))) as zone_gap
            from pairs as p
            join member_facts as fa on fa.member_id = p.member_a
            join member_facts as fb on fb.member_id = p.member_b
        ),
        scored as (
            select *,
                coalesce(zone_gap >= {FAR_ZONES_HOURS}, false) as far_zones,
                {PRIOR_BITS} + tie_bits
                + if(len(same_orgs) > 0, {support["same_organization"]}, 0)
                + if(other_org, {support["other_organization"]}, 0)
                + if(len(same_cities) > 0, {support["same_place"]}, 0)
                + if(len(shared_domains) > 0, {support["two_addresses"]}, 0)
                + if(coalesce(zone_gap >= {FAR_ZONES_HOURS}, false),
                     {support["far_time_zones"]}, 0) as bits,
                concat_ws('; ', what,
                    if(len(same_orgs) > 0,
                       'same organization (' || array_to_string(list_sort(same_orgs), ', ')
                       || ')', null),
                    if(other_org, 'different organizations', null),
                    if(len(same_cities) > 0,
                       'same place (' || array_to_string(list_sort(same_cities), ', ') || ')',
                       null),
                    if(len(shared_domains) > 0,
                       'different addresses at '
                       || array_to_string(list_sort(shared_domains), ', '), null),
                    if(coalesce(zone_gap >= {FAR_ZONES_HOURS}, false),
                       'time zones ' || round(zone_gap)::int || ' hours apart', null))
                    as evidence
            from supported
        ),
        held as (
            select *, case
                when other_org then 'different organizations'
                when coalesce(len(shared_domains), 0) > 0
                    then 'two addresses at ' || list_sort(shared_domains)[1]
                when far_zones then 'time zones far apart'
                -- A value several people here may carry needs a tie of its own (people
                -- who share a name share employers and cities too); a common name or a
                -- first-name username needs the same organization, or (a common name
                -- only) the same place.
                when weak and not corroborated
                     and (ambiguous
                          or (coalesce(len(same_orgs), 0) = 0
                              and (rule = 'same_first_name'
                                   or coalesce(len(same_cities), 0) = 0)))
                    then case
                        when rule = 'same_first_name' then 'a first-name username alone'
                        when ambiguous then 'a name or username several people here may carry'
                        else 'a common name alone' end
            end as held
            from scored
        ),
        rejected_members as (  -- a rejected pair keeps its two members apart
            select least(pa.member_id, pb.member_id) as m1,
                   greatest(pa.member_id, pb.member_id) as m2
            from rejected_pairs as r
            join suggest_people as pa on pa.key = r.a
            join suggest_people as pb on pb.key = r.b
        )
        select
            's_' || sha256(identity_a || '|' || identity_b)[1:16] as suggestion_id,
            identity_a, identity_b, member_a, member_b, rule, evidence,
            round(100.0 / (1 + pow(2, -bits)), 1) as score, held
        from held
        anti join rejected_members as r
            on r.m1 = least(member_a, member_b) and r.m2 = greatest(member_a, member_b)
        qualify row_number() over (
            partition by least(member_a, member_b), greatest(member_a, member_b)
            order by bits desc, identity_a, identity_b
        ) = 1""")


def _zone_offsets(zones: list[str]) -> pa.Table:
    """(zone, hours): each time zone's offsets from UTC in January and in July (both:
    two zones are as near as their nearest offsets); zones Python does not know are
    left out."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    rows: dict[str, list] = {"zone": [], "hours": []}
    for zone in zones:
        try:
            info = ZoneInfo(zone)
        except (ValueError, KeyError, OSError):  # not an IANA name, or no such zone
            continue
        for month in (1, 7):
            offset = datetime(2024, month, 15, 12, tzinfo=info).utcoffset()
            if offset is not None:
                rows["zone"].append(zone)
                rows["hours"].append(offset.total_seconds() / 3600)
    return pa.table(
        {
            "zone": pa.array(rows["zone"], pa.string()),
            "hours": pa.array(rows["hours"], pa.float64()),
        }
    )


@functools.cache
def account_links() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Links to an account in a profile (a blog or social accounts): each source that
    declares its ``profile_link``, with the pattern whose first group names the account."""
    return tuple(
        (name, re.compile(source.profile_link, re.IGNORECASE))
        for name, source in registry.sources().items()
        if source.profile_link
    )


def _profile_links(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """(key, url, target_source, target) for every link to another account in the
    identities' landed extras."""
    import json

    rows: dict[str, list] = {"key": [], "url": [], "target_source": [], "target": []}
    found = con.execute(
        "select key, extra from suggest_people where extra like '%http%'"
    ).fetchall()
    for key, extra in found:
        try:
            values = json.loads(extra).values()
        except (ValueError, AttributeError):
            continue
        urls = [u for v in values for u in (v if isinstance(v, list) else [v])]
        for url in (u for u in urls if isinstance(u, str)):
            for source, pattern in account_links():
                if match := pattern.search(url):
                    rows["key"].append(key)
                    rows["url"].append(url)
                    rows["target_source"].append(source)
                    rows["target"].append(match.group(1).lower())
    return _strings(**rows)


def _distinct(con: duckdb.DuckDBPyConnection, column: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            f"select distinct {column} from suggest_people where {column} is not null"
        ).fetchall()
    ]


def automatic_merges(
    suggestions: Iterable[tuple[str, str, str, str, float]],
    members: Mapping[str, str],
    threshold: float,
    single: set[str],
    rejected: set[frozenset[str]],
    frozen: set[str] = frozenset(),
    facts: Mapping[str, Facts] | None = None,
    held: dict[str, str] | None = None,
) -> list[tuple[str, str, str]]:
    """The suggestions (id, identity_a, identity_b, score, ...) to merge without asking:
    at or above ``threshold``, strongest first, unless the merge would put two
    identities of one platform where a person has one (``single`` sources) in one
    member, or join two members a rejected pair keeps apart, or touch an identity a
    person split off (``frozen``), or form a member whose accounts contradict each
    other (``facts``: each member's organizations, company domains and time-zone
    offsets; see :func:`contradiction`), however the chain of merges runs.
    ``members`` maps every identity key of the members these suggestions name to its
    member. The suggestions a contradiction held back are added to ``held`` (id ->
    why). Returns (suggestion id, identity_a, identity_b) of the merges made."""
    facts = facts or {}
    known: dict[str, Facts] = {}  # each group's facts, by its root
    parent: dict[str, str] = {}
    apart: dict[str, set[str]] = defaultdict(set)
    for pair in rejected:
        if len(pair) == 2:
            a, b = sorted(pair)
            apart[a].add(b)
            apart[b].add(a)
    # Each member's keys are only needed to keep rejected pairs apart.
    keys_of: dict[str, set[str]] = defaultdict(set)
    if apart:
        for key, member in members.items():
            keys_of[member].add(key)
    # The platforms (of ``single``) each member already has an account on.
    platforms: dict[str, set[str]] = defaultdict(set)
    for key, member in members.items():
        source = key.split(":", 1)[0]
        if source in single:
            platforms[member].add(source)

    made = []
    ordered = sorted(suggestions, key=lambda s: (-s[3], s[0]))
    for suggestion_id, a, b, score, *_ in ordered:
        if score < threshold:
            break
        if a in frozen or b in frozen or a not in members or b not in members:
            continue
        ra, rb = find(parent, members[a]), find(parent, members[b])
        if ra == rb or platforms[ra] & platforms[rb]:
            continue
        if apart and any(apart[k] & keys_of[rb] for k in keys_of[ra] if k in apart):
            continue
        fa, fb = known.get(ra) or facts.get(ra), known.get(rb) or facts.get(rb)
        if fa and fb and (why := contradiction(fa, fb)):
            if held is not None:
                held[suggestion_id] = f"the member it would form has {why}"
            continue
        # The larger group absorbs the smaller (which one keeps the name does not change
        # what merges: every check reads both groups).
        if len(keys_of[ra]) + len(platforms[ra]) < len(keys_of[rb]) + len(platforms[rb]):
            ra, rb = rb, ra
        if fa or fb:
            known[ra] = Facts.joined(fa, fb)
        parent[rb] = ra
        keys_of[ra] |= keys_of.pop(rb, set())
        platforms[ra] |= platforms.pop(rb, set())
        made.append((suggestion_id, a, b))
    return made


@dataclass(frozen=True)
class Facts:
    """What a member's accounts say of where the person works and lives: organizations,
    company address domains, time-zone offsets in hours (``member_facts``)."""

    orgs: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    offsets: frozenset[float] = frozenset()

    @classmethod
    def joined(cls, a: Facts | None, b: Facts | None) -> Facts:
        a, b = a or cls(), b or cls()
        return cls(a.orgs | b.orgs, a.domains | b.domains, a.offsets | b.offsets)


def contradiction(a: Facts, b: Facts) -> str | None:
    """Why two members' accounts cannot be one person's, in words, or None: different
    organizations, two addresses at one company's domain, time zones far apart."""
    if a.orgs and b.orgs and not a.orgs & b.orgs:
        return f"different organizations ({', '.join(sorted(a.orgs | b.orgs))})"
    if shared := a.domains & b.domains:
        return f"two addresses at {min(shared)}"
    if a.offsets and b.offsets:
        gap = min(abs(x - y) for x in a.offsets for y in b.offsets)
        if gap >= FAR_ZONES_HOURS:
            return f"time zones {gap:.0f} hours apart"
    return None


def member_facts(con: duckdb.DuckDBPyConnection, members: str) -> dict[str, Facts]:
    """The ``member_facts`` (made by :func:`suggest_tables`) of the members in relation
    ``members`` (member_id)."""
    rows = con.execute(f"""
        select member_id, orgs, domains, offsets from member_facts
        semi join {members} using (member_id)""").fetchall()
    return {
        member: Facts(frozenset(orgs or ()), frozenset(domains or ()), frozenset(offsets or ()))
        for member, orgs, domains, offsets in rows
        if orgs or domains or offsets
    }


def name_block(name: str) -> str:
    """The block a full name is compared within: the first two letters of its first
    and of its last word (:data:`NAME_BLOCK` says the same in SQL)."""
    tokens = name.split()
    return f"{tokens[0][:2]} {tokens[-1][:2]}"


#: :func:`name_block` in SQL, of a column ``value``.
NAME_BLOCK = "string_split(value, ' ')[1][1:2] || ' ' || string_split(value, ' ')[-1][1:2]"


def close_names(names: list[str]) -> list[tuple[str, str, float]]:
    """Pairs of distinct names scoring at least NEAR_MATCH, compared within blocks (the
    same first two letters of the first and of the last word); each pair in the order
    of ``names`` (sorted, so a suggestion's words are the same at every run)."""
    blocks: dict[str, list[str]] = defaultdict(list)
    for name in names:
        blocks[name_block(name)].append(name)
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
