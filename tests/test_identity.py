"""Identity resolution: the merge rules (property-based), suggestions, organizations, and
the sample community's hard cases landing right."""

from __future__ import annotations

import random
from datetime import date
from types import SimpleNamespace

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.identity.organizations import (
    ManualAffiliation,
    MemberFacts,
    Organization,
    affiliate,
    normalize_company,
    suggest_organizations,
)
from pipelines.identity.quality import measure
from pipelines.identity.resolve import IdentityRef, ManualRules, resolve
from pipelines.identity.rules import RulesError, load_identity_rules
from pipelines.identity.suggestions import (
    CommonNames,
    Facts,
    Person,
    automatic_merges,
    normalize_name,
    suggest,
)
from pipelines.storage.snapshot import current_snapshot
from sample.community import SECONDMENTS
from sample.truth import true_people

SOURCES = ("github", "slack", "discourse", "events")
EMAILS = ("ada@acme.com", "ADA@acme.com", "bo@x.org", "cy@y.net", None)

identities_strategy = st.lists(
    st.builds(
        lambda source, n, email: IdentityRef(f"{source}:{n}", email),
        st.sampled_from(SOURCES),
        st.integers(0, 30),
        st.sampled_from(EMAILS),
    ),
    max_size=40,
    unique_by=lambda i: i.key,
)


def groups(assignments: dict) -> set[frozenset[str]]:
    by_member: dict[str, set[str]] = {}
    for key, assignment in assignments.items():
        by_member.setdefault(assignment.member_id, set()).add(key)
    return {frozenset(keys) for keys in by_member.values()}


@settings(max_examples=60, deadline=None)
@given(identities_strategy, st.randoms(use_true_random=False))
def test_order_does_not_matter(identities, rnd):
    shuffled = list(identities)
    rnd.shuffle(shuffled)
    assert resolve(identities) == resolve(shuffled)


@settings(max_examples=60, deadline=None)
@given(identities_strategy)
def test_shared_email_merges_and_merging_is_transitive(identities):
    result = resolve(identities)
    for a in identities:
        for b in identities:
            if a.email and b.email and a.email.lower() == b.email.lower():
                assert result[a.key].member_id == result[b.key].member_id
    # Transitive: a chain a~b~c puts a and c together even with no direct link.
    chain = [
        IdentityRef("github:1", "x@a.com"),
        IdentityRef("slack:2", "x@a.com"),
        IdentityRef("discourse:3", None),
        IdentityRef("events:4", None),
    ]
    manual = ManualRules(merges=[["discourse:3", "slack:2"], ["events:4", "discourse:3"]])
    assert len({a.member_id for a in resolve(chain, manual=manual).values()}) == 1


@settings(max_examples=60, deadline=None)
@given(identities_strategy, identities_strategy)
def test_adding_identities_never_changes_an_existing_members_id(before, added):
    first = resolve(before)
    previous = {k: a.member_id for k, a in first.items()}
    keys = {i.key for i in before}
    second = resolve(before + [i for i in added if i.key not in keys], previous)
    for group in groups(first):
        # Each earlier member keeps its id unless it merged with a larger earlier member.
        new_ids = {second[k].member_id for k in group}
        assert len(new_ids) == 1
        new_id = new_ids.pop()
        if new_id != first[next(iter(group))].member_id:
            absorbed_by = {k for k, a in first.items() if a.member_id == new_id}
            assert len(absorbed_by) >= len(group)


@settings(max_examples=60, deadline=None)
@given(identities_strategy, st.data())
def test_manual_rules_win_over_automatic_ones(identities, data):
    if len(identities) < 2:
        return
    keys = [i.key for i in identities]
    a, b = data.draw(st.sampled_from(keys)), data.draw(st.sampled_from(keys))
    merged = resolve(identities, manual=ManualRules(merges=[[a, b]]))
    assert merged[a].member_id == merged[b].member_id
    split = resolve(identities, manual=ManualRules(splits={a}))
    assert {k for k, x in split.items() if x.member_id == split[a].member_id} == {a}


def test_a_split_gives_a_new_id_only_to_what_was_split_off():
    people = [
        IdentityRef("github:1", "a@x.com"),
        IdentityRef("slack:1", "a@x.com"),
        IdentityRef("discourse:1", "a@x.com"),
    ]
    first = resolve(people)
    previous = {k: a.member_id for k, a in first.items()}
    after = resolve(people, previous, ManualRules(splits={"slack:1"}))
    assert (
        after["github:1"].member_id == after["discourse:1"].member_id == first["github:1"].member_id
    )
    assert after["slack:1"].member_id != first["github:1"].member_id
    assert after["slack:1"].member_id not in previous.values()


def test_github_noreply_address_maps_to_the_login():
    result = resolve(
        [
            IdentityRef("github:1001", None, "adal"),
            IdentityRef("discourse:7", "1001+AdaL@users.noreply.github.com"),
        ]
    )
    assert result["github:1001"].member_id == result["discourse:7"].member_id


def test_suggestions_carry_evidence_and_skip_same_member_and_rejected():
    people = [
        Person("github:1", "m1", "adal", "Ada Lovelace"),
        Person("slack:U1", "m2", "adal", "Ada L."),
        Person("discourse:5", "m3", "ada_l", "Ada Lovelace"),
        Person("events:p1", "m4", None, "Jonas Müller"),
        Person("slack:U2", "m5", "jonas", "Jonas Mueller"),
        Person("reddit:t2_a", "m1", "adal", "Ada Lovelace"),
        Person("stackexchange:7", "m6", None, "Ada Lovelace"),
    ]
    found = suggest(people, rejected={frozenset({"discourse:5", "reddit:t2_a"})})
    by_pair = {frozenset((s.identity_a, s.identity_b)): s for s in found}
    # The strongest tie names the suggestion; a second one is in the evidence too.
    ada = by_pair[frozenset({"github:1", "slack:U1"})]
    assert ada.rule == "short_name"
    assert "same username 'adal' on GitHub and Slack" in ada.evidence
    assert by_pair[frozenset({"github:1", "stackexchange:7"})].rule == "same_name"
    assert by_pair[frozenset({"events:p1", "slack:U2"})].rule == "similar_name"
    assert frozenset({"github:1", "reddit:t2_a"}) not in by_pair  # already one member
    # Rejected: those two accounts are different people, and so are their members.
    assert frozenset({"discourse:5", "reddit:t2_a"}) not in by_pair
    assert frozenset({"discourse:5", "github:1"}) not in by_pair
    assert normalize_name("  José  GARCÍA-López ") == "jose garcia lopez"


def test_company_names_are_normalized():
    assert (
        normalize_company("@acme")
        == normalize_company("Acme Inc.")
        == normalize_company("ACME")
        == "acme"
    )


def test_affiliation_rules_and_dated_moves():
    orgs = [
        Organization("Acme", ("acme.com",), ("acme",), ("Acme Inc.",)),
        Organization("Globex", ("globex.com",)),
    ]
    members = [
        MemberFacts("m1", ["github:1"], ["ada@acme.com"], []),
        MemberFacts("m2", ["github:2"], ["bo@gmail.com"], ["@acme"]),
        MemberFacts("m3", ["github:3"], ["cy@initrode.io"], []),
        MemberFacts("m4", ["github:4"], ["di@initrode.io"], ["Nobody Ltd"]),
        MemberFacts("m5", ["github:5"], ["ed@acme.com"], []),
    ]
    manual = [ManualAffiliation("ed@acme.com", "Globex", date(2026, 6, 1), None)]
    affiliations = affiliate(members, orgs, manual)
    rules = {(a.member_id, a.organization, a.rule) for a in affiliations}
    assert ("m1", "Acme", "email_domain") in rules
    assert ("m2", "Acme", "github_org") in rules  # gmail.com never counts
    assert not any(a.member_id in ("m3", "m4") for a in affiliations)
    accounts = pa.table(
        {
            "member_id": [m.member_id for m in members for _ in m.emails] + ["m6"],
            "email": [e for m in members for e in m.emails] + ["Bo@Initrode.IO"],
        }
    )
    con = duckdb.connect()
    con.register("accounts", accounts)
    # gmail.com is public, acme.com is Acme's; initrode.io has three members.
    assert suggest_organizations(con, "accounts", orgs) == [("initrode.io", 3)]
    assert suggest_organizations(con, "accounts", orgs, min_members=4) == []
    moved = [a for a in affiliations if a.member_id == "m5"]
    assert [(a.organization, a.rule, a.valid_from) for a in moved] == [
        ("Globex", "manual", date(2026, 6, 1)),
        ("Acme", "email_domain", None),
    ]


def test_the_rules_file_is_read_and_checked(tmp_path):
    path = tmp_path / "identities.yml"
    path.write_text("merge:\n  - [github:1, slack:U1]\nnot_same:\n  - [github:2, slack:U9]\n")
    manual, rejected = load_identity_rules(path)
    assert manual.merges == [["github:1", "slack:U1"]]
    assert rejected == {frozenset({"github:2", "slack:U9"})}
    path.write_text("merge: [github:1]\nmerged: []\n")
    with pytest.raises(RulesError, match=r"identities\.yml"):
        load_identity_rules(path)


# -- the sample community's hard cases, through the whole pipeline -------------------------
def member_rows(synced) -> dict[str, str]:
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return dict(con.execute("select identity_key, member_id from identities").fetchall())


def keys_of(synced, person) -> set[str]:
    """The identity keys of one drawn person in every source's data."""
    data, keys = synced["data"], set()
    if any(p.key == person.key for _, p, _ in data["github"].activities()):
        keys.add(f"github:{1000 + person.key}")
    slack = data["slack"].by_person.get(person.key)
    if slack and any(u is slack for _, u, _ in data["slack"].activities()):
        keys.add(f"slack:{slack.id}")
    forum = data["discourse"].by_person.get(person.key)
    if forum and any(u is forum for _, u, _ in data["discourse"].activities()):
        keys.add(f"discourse:{forum.id}")
    return keys


@pytest.mark.slow
@pytest.mark.dates
def test_hard_cases_land_right(synced):
    members = member_rows(synced)
    cases = synced["data"]["github"].community.hard_cases

    # A forum account registered with a GitHub noreply address joins the GitHub account.
    noreply = keys_of(synced, cases["noreply"])
    assert {k.split(":")[0] for k in noreply} >= {"github", "discourse"}
    assert len({members[k] for k in noreply if not k.startswith("slack")}) == 1

    # Two addresses: no email ties the Slack account (personal address) to the work
    # accounts, the evidence does: it joins them automatically, listed with its evidence
    # to be undone.
    two = cases["two_emails"]
    slack_key = f"slack:{synced['data']['slack'].by_person[two.key].id}"
    work = {k for k in keys_of(synced, two) if not k.startswith("slack")}
    assert work and all(members[k] == members[slack_key] for k in work)
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        pairs = {
            frozenset(r)
            for r in con.execute(
                "select identity_a, identity_b from identity_suggestions "
                "where decision = 'automatic'"
            ).fetchall()
        }
        rule = con.execute(
            "select merge_rule from identities where identity_key = ?", [slack_key]
        ).fetchone()[0]
        bot = con.execute(
            "select bool_and(is_bot) from identities where username = ?", [cases["fake_user_bot"]]
        ).fetchone()[0]
        mover, moved_on, old, new = cases["changed_employer"]
        member = members[f"github:{1000 + mover.key}"]
        credited = con.execute(
            "select activity_date, organization from activities where member_id = ?", [member]
        ).fetchall()
        staff = con.execute(
            "select bool_and(is_staff_organization) from members "
            "where organization = 'Acacia Foundation'"
        ).fetchone()[0]
    assert any(slack_key in pair and pair & work for pair in pairs) and rule == "automatic"

    # Two people with the same name are never merged.
    twin_a, twin_b = cases["same_name"]
    keys_a, keys_b = keys_of(synced, twin_a), keys_of(synced, twin_b)
    assert not {members[k] for k in keys_a} & {members[k] for k in keys_b}

    # A bot whose account says "User" is marked by the configured list.
    assert bot is True

    # The person who changed employer: activities before the move belong to the old
    # organization, after it to the new one; while seconded before the move (a dated
    # start beats the old employer's open start) to the secondment; while seconded after
    # it still to the new one (both dated: the name decides).
    (before, *seconded_before), (after, *seconded_after) = SECONDMENTS
    assert new < after and seconded_before[1] < 0 < seconded_after[0]  # as the rules need

    def seconded(day: date, days: list[int]) -> bool:
        return days[0] <= (day - moved_on).days <= days[1]

    def expected(day: date) -> str:
        if seconded(day, seconded_before):
            return before
        return old if day < moved_on else new

    assert [org for _, org in credited] == [expected(day) for day, _ in credited]
    assert {org for _, org in credited} == {old, new, before}
    assert any(seconded(day, seconded_after) for day, _ in credited)
    assert staff is True


def test_random_communities_resolve_deterministically():
    rng = random.Random(3)
    refs = [IdentityRef(f"{rng.choice(SOURCES)}:{n}", rng.choice(EMAILS)) for n in range(60)]
    assert resolve(refs) == resolve(list(reversed(refs)))


def score_of(people: list[Person], a: str, b: str) -> float:
    found = {frozenset((s.identity_a, s.identity_b)): s for s in suggest(people)}
    return found[frozenset((a, b))].score


def test_confidence_grows_with_evidence_and_falls_with_ambiguity():
    alone = [
        Person("github:1", "m1", "asilva-dev", "Ana Silva"),
        Person("discourse:2", "m2", "asilva-dev", None),
    ]
    # The same handle, then the same handle, name, place and organization.
    handle_only = score_of(alone, "github:1", "discourse:2")
    everything = [
        Person(
            "github:1",
            "m1",
            "asilva-dev",
            "Ana Silva",
            location="Berlin, Germany",
            email="ana@northwind.io",
        ),
        Person(
            "slack:U2",
            "m2",
            "asilva-dev",
            "Ana Silva",
            timezone="Europe/Berlin",
            company="Northwind Labs",
        ),
    ]
    orgs = [Organization("Northwind Labs", ("northwind.io",))]
    found = suggest(everything, organizations=orgs)[0]
    assert found.score > handle_only > 50
    assert "same place (berlin)" in found.evidence
    assert "same organization (Northwind Labs)" in found.evidence
    # A name two accounts of one platform carry is weaker; different time zones count
    # against.
    shared = [
        Person("slack:U1", "m1", "ana.s", "Ana Silva", timezone="Europe/Berlin"),
        Person("slack:U2", "m2", "anasilva2", "Ana Silva"),
        Person("discourse:3", "m3", "anas", "Ana Silva"),
    ]
    unique = [shared[0], shared[2]]
    assert score_of(shared, "slack:U1", "discourse:3") < score_of(unique, "slack:U1", "discourse:3")
    apart = [shared[0], Person("github:4", "m4", "x", "Ana Silva", location="Tokyo, Japan")]
    near = [shared[0], Person("github:4", "m4", "x", "Ana Silva", location="Berlin")]
    assert score_of(apart, "slack:U1", "github:4") < score_of(near, "slack:U1", "github:4")
    # Scores spread: a short name is weaker than a full one, a handle that is only a
    # first name weaker still than a real one.
    short = [shared[0], Person("stackexchange:9", "m9", None, "Ana S.")]
    assert score_of(short, "slack:U1", "stackexchange:9") < score_of(
        unique, "slack:U1", "discourse:3"
    )
    first = [Person("slack:U1", "m1", "ana", "Ana Silva"), Person("reddit:t2_a", "m2", "ana")]
    assert score_of(first, "slack:U1", "reddit:t2_a") < handle_only


def test_a_profile_link_to_another_account_is_near_certain():
    people = [
        Person(
            "github:1",
            "m1",
            "ana-s",
            "Ana Silva",
            extra='{"social_accounts": ["https://www.reddit.com/user/Jana93"]}',
        ),
        Person("reddit:t2_x", "m2", "jana93"),
        Person("reddit:t2_y", "m3", "jana94"),
    ]
    found = suggest(people)
    assert [(s.identity_a, s.identity_b, s.rule) for s in found] == [
        ("github:1", "reddit:t2_x", "profile_link")
    ]
    assert found[0].score > 99
    assert "a profile links to https://www.reddit.com/user/Jana93" in found[0].evidence


def pair_of(people: list[Person], a: str, b: str, **options: object):
    found = {frozenset((s.identity_a, s.identity_b)): s for s in suggest(people, **options)}
    return found[frozenset((a, b))]


NORTHWIND = [Organization("Northwind Labs", ("northwind.io",))]


def test_a_common_name_alone_does_not_merge_corroborated_it_does():
    # "Wei Zhang" is common in the world: the same name alone waits for a person, at a
    # lower confidence than a rare name; the same organization corroborates it.
    alone = [
        Person("github:1", "m1", "wz-dev", "Wei Zhang"),
        Person("slack:U1", "m2", "w", "Wei Zhang"),
    ]
    common = pair_of(alone, "github:1", "slack:U1")
    assert common.held == "a common name alone" and "(a common name)" in common.evidence
    rare = [
        Person("github:1", "m1", "ti-dev", "Teodora Ilić"),
        Person("slack:U1", "m2", "t", "Teodora Ilic"),
    ]
    assert pair_of(rare, "github:1", "slack:U1").held is None
    assert pair_of(rare, "github:1", "slack:U1").score > common.score
    # The same place corroborates a common name only where no other account of one
    # platform carries it.
    placed = [
        Person("github:1", "m1", "wz-dev", "Wei Zhang", location="Tokyo, Japan"),
        Person("slack:U1", "m2", "w", "Wei Zhang", timezone="Asia/Tokyo"),
    ]
    assert pair_of(placed, "github:1", "slack:U1").held is None
    twice = [*placed, Person("github:2", "m3", "wz2", "Wei Zhang", location="Osaka, Japan")]
    assert pair_of(twice, "github:1", "slack:U1").held == (
        "a name or username several people here may carry"
    )
    corroborated = [
        Person("github:1", "m1", "wz-dev", "Wei Zhang", company="Northwind Labs"),
        Person("slack:U1", "m2", "w", "Wei Zhang", email="wei@northwind.io"),
    ]
    found = pair_of(corroborated, "github:1", "slack:U1", organizations=NORTHWIND)
    assert found.held is None and found.score >= 95
    assert "same organization (Northwind Labs)" in found.evidence


def test_a_team_adds_the_common_names_of_its_regions():
    config = SimpleNamespace(
        identity=SimpleNamespace(common_given_names=["Thabo"], common_surnames=["NKOSI"])
    )
    people = [
        Person("github:1", "m1", "tn-dev", "Thabo Nkosi"),
        Person("slack:U1", "m2", "t", "Thabo Nkosi"),
    ]
    assert pair_of(people, "github:1", "slack:U1").held is None
    found = pair_of(people, "github:1", "slack:U1", common=CommonNames.of(config))
    assert found.held == "a common name alone"


def test_a_first_name_handle_never_merges_alone():
    people = [
        Person("github:1", "m1", "teodora", "Teodora Ilić", location="Berlin, Germany"),
        Person("discourse:2", "m2", "teodora", "Teodora Petrova", timezone="Europe/Berlin"),
    ]
    found = pair_of(people, "github:1", "discourse:2")
    assert found.rule == "same_first_name"
    assert found.held == "a first-name username alone" and found.score < 95


def test_contradictions_hold_a_pair_however_strong():
    # One uncommon name on two platforms, but two addresses at one company, different
    # organizations, or time zones far apart: two people.
    base = Person("github:1", "m1", "ti-dev", "Teodora Ilić")
    cases = {
        "two addresses at northwind.io": (
            Person("github:1", "m1", "ti-dev", "Teodora Ilić", email="teodora@northwind.io"),
            Person("slack:U1", "m2", "t", "Teodora Ilić", email="t.ilic@northwind.io"),
        ),
        "different organizations": (
            Person("github:1", "m1", "ti-dev", "Teodora Ilić", company="Globex"),
            Person("slack:U1", "m2", "t", "Teodora Ilić", email="t@northwind.io"),
        ),
        "time zones far apart": (
            Person("discourse:2", "m1", "ti", "Teodora Ilić", timezone="America/Los_Angeles"),
            Person("slack:U1", "m2", "t", "Teodora Ilić", timezone="Europe/Belgrade"),
        ),
    }
    for why, (a, b) in cases.items():
        found = pair_of([a, b], a.key, b.key, organizations=NORTHWIND)
        assert found.held == why, (why, found)
    near = [
        Person("discourse:2", "m1", "ti", "Teodora Ilić", timezone="Europe/Berlin"),
        Person("slack:U1", "m2", "t", "Teodora Ilić", timezone="Europe/Belgrade"),
    ]
    assert pair_of(near, "slack:U1", "discourse:2").held is None
    assert pair_of([base, cases["different organizations"][1]], "github:1", "slack:U1").held is None


def test_a_contradiction_blocks_a_chain_of_merges():
    # m1 (Globex) and m3 (Initech) never meet, whatever joins each to m2 (no facts):
    # the second merge would form a member with both, and is held with the reason.
    members = {"github:1": "m1", "slack:A": "m2", "discourse:5": "m3"}
    suggestions = [
        ("s1", "github:1", "slack:A", 99.0),
        ("s2", "discourse:5", "slack:A", 98.0),
    ]
    facts = {"m1": Facts(orgs=frozenset({"Globex"})), "m3": Facts(orgs=frozenset({"Initech"}))}
    held: dict[str, str] = {}
    single = {"github", "slack", "discourse"}
    made = automatic_merges(suggestions, members, 95, single, set(), facts=facts, held=held)
    assert [m[0] for m in made] == ["s1"]
    assert held == {"s2": "the member it would form has different organizations (Globex, Initech)"}
    # Without the facts, the chain joins all three.
    assert len(automatic_merges(suggestions, members, 95, single, set())) == 2
    # Time zones far apart, two addresses at one company: the same.
    for m1, m3 in (
        (Facts(offsets=frozenset({-8.0, -7.0})), Facts(offsets=frozenset({5.5}))),
        (Facts(domains=frozenset({"acme.com"})), Facts(domains=frozenset({"acme.com"}))),
    ):
        made = automatic_merges(suggestions, members, 95, single, set(), facts={"m1": m1, "m3": m3})
        assert [m[0] for m in made] == ["s1"]


def test_folded_initial_and_reordered_names_match():
    cases = [
        ("Joaquín Peñalver", "Joaquin Penalver", "same_name"),
        ("Łukasz Wróbel", "Lukasz Wrobel", "same_name"),
        ("Søren Ødegård", "Soren Odegard", "same_name"),
        ("Joaquín Peñalver", "J. Peñalver", "initial_name"),
        ("Xiulan Zhou", "Zhou Xiulan", "name_order"),
    ]
    for a, b, rule in cases:
        people = [Person("github:1", "m1", "x1", a), Person("slack:U1", "m2", "y2", b)]
        found = pair_of(people, "github:1", "slack:U1")
        assert found.rule == rule, (a, b, found)
        assert found.score > 50, (a, b, found)
    # Two full names with one initial are not an initial form of each other.
    people = [
        Person("github:1", "m1", "x1", "John Smith"),
        Person("slack:U1", "m2", "y2", "Jane Smith"),
    ]
    assert not suggest(people)
    assert normalize_name("Łukasz ÆRØ") == "lukasz aero"


def test_automatic_merges_keep_one_account_per_platform_and_respect_rejections():
    members = {"github:1": "m1", "slack:A": "m2", "github:2": "m3", "discourse:5": "m4"}
    suggestions = [
        ("s1", "github:1", "slack:A", 99.0),
        ("s2", "github:2", "slack:A", 98.0),  # would put two GitHub accounts in one
        ("s3", "discourse:5", "github:2", 97.0),
        ("s4", "discourse:5", "slack:A", 60.0),  # below the threshold
    ]
    single = {"github", "slack", "discourse"}
    made = automatic_merges(suggestions, members, 95, single, rejected=set())
    assert [m[0] for m in made] == ["s1", "s3"]
    # A rejected pair keeps its members apart, even through a third account.
    rejected = {frozenset({"github:1", "discourse:5"})}
    suggestions[1] = ("s2", "discourse:5", "slack:A", 98.0)
    made = automatic_merges(suggestions, members, 95, single, rejected=rejected)
    assert [m[0] for m in made] == ["s1", "s3"]
    # A split-off identity never merges automatically.
    assert automatic_merges(suggestions, members, 95, single, set(), frozen={"slack:A"}) == [
        ("s3", "discourse:5", "github:2")
    ]


def test_resolution_against_the_truth_of_the_sample_community(synced):
    """Pairwise precision and recall of the members against who is who in the tests'
    community (120 people, one in eight of them sharing a full name with another:
    denser in namesakes than the demo's, so its recall is lower); no member joining
    two people who share a name; and no person twice among the leaderboard's top 25.
    The targets are measured on the demo's community (the next test)."""
    community = synced["data"]["github"].community
    truth = true_people(community, synced["data"])
    names = {person.key: person.name for person in community.people}
    quality = measure(synced["config"], truth, names)
    print("\n".join(quality.lines()))
    assert quality.automatic.precision >= 0.995
    assert quality.automatic.recall >= 0.8
    assert quality.automatic.recall > quality.email_only.recall + 0.2
    assert quality.all_accepted.recall >= quality.automatic.recall
    assert quality.namesake_members == 0
    assert len(community.hard_cases["namesakes"]) >= 5
    # One suggestion waits per pair of members, whatever pairs of accounts tie them.
    with duckdb.connect() as con:
        pairs = con.execute(
            "select least(member_a, member_b), greatest(member_a, member_b) "
            "from read_parquet(?) where decision = 'review'",
            [str(synced["config"].storage.resolution() / "identity_suggestions.parquet")],
        ).fetchall()
    assert pairs and len(pairs) == len(set(pairs))
    snapshot = current_snapshot(synced["config"].storage.serving())
    with duckdb.connect(str(snapshot), read_only=True) as con:
        top = [
            r[0]
            for r in con.execute("""
            select member_id from member_windows as w join members using (member_id)
            where w.end_date = (select max(end_date) from member_windows)
              and w.end_date - w.start_date = 89 and w.staff_included and not members.is_bot
            order by points desc, activities desc limit 25""").fetchall()
        ]
        keys = con.execute(
            "select member_id, list(identity_key) from identities group by 1"
        ).fetchall()
    people_of = {m: {truth[k] for k in ks if k in truth} for m, ks in keys}
    assert len(top) == 25
    seen = [p for m in top for p in people_of[m]]
    twice = {p for p in seen if seen.count(p) > 1}
    assert not twice, [(m, keys_of_member) for m, keys_of_member in keys if people_of[m] & twice]


@pytest.fixture(scope="module")
def demo_synced(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The demo's community (300 people) synced from its fake APIs, as
    tests/benchmarks/identity_quality.py does."""
    from connectors.core.config import load_config
    from pipelines.cli.demo import start_fake_apis, write_demo_config
    from pipelines.orchestration.execute import run_job

    servers = start_fake_apis()
    try:
        path = write_demo_config(servers, tmp_path_factory.mktemp("demo") / "demo")
        run_job(path, "nightly_sync", ephemeral=True)
        community = next(iter(servers.values())).api.data.community
        data = {name: server.api.data for name, server in servers.items()}
        truth = true_people(community, {**data, "events": None})
    finally:
        for server in servers.values():
            server.stop()
    return {"config": load_config(path), "community": community, "truth": truth}


@pytest.mark.slow
def test_resolution_meets_its_targets_on_the_demo_community(demo_synced):
    """Issue 37's targets, on the sample community the demo and the benchmark draw
    (with its namesakes, names written in other forms and first-name handles):
    automatic merges with precision >= 0.995 and recall >= 0.9, no member joining two
    people who share a name, fewer than one wrong suggestion in five at confidence 80
    or more in the review queue; every rule of names at work and right."""
    community = demo_synced["community"]
    names = {person.key: person.name for person in community.people}
    quality = measure(demo_synced["config"], demo_synced["truth"], names)
    print("\n".join(quality.lines()))
    assert quality.automatic.precision >= 0.995
    assert quality.automatic.recall >= 0.9
    assert quality.namesake_members == 0
    above, wrong = quality.queue_above_80
    assert wrong * 5 < max(above, 1)
    cases = community.hard_cases
    assert len(cases["namesakes"]) >= 5 and sum(map(len, cases["namesakes"])) >= 14
    assert quality.namesakes is not None and quality.namesakes.true > 0
    for rule in ("initial_name", "name_order", "same_name", "same_username"):
        made, right, *_ = quality.per_rule[rule]
        assert made == right > 0, rule
