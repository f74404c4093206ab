"""Bringing people back (README, Bring people back): the lapsed contributors and their
order, the message to start from, and whether reaching out worked, each worked out
from the drawn community (its activity, and the contacts its team made:
sample/outreach.py), not from the models."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import duckdb
import pytest

from connectors.core import clock, figures
from connectors.core.config import DEFAULT_WEIGHTS, ConfigError, Outreach, load_config
from connectors.core.registry import contribution_types
from pipelines.storage.snapshot import current_snapshot
from sample import outreach
from tests.conftest import (
    community_activities,
    deleted_members,
    members_by_identity,
    small_community,
)

pytestmark = [pytest.mark.slow, pytest.mark.dates]


def member_days(synced) -> dict[str, dict[date, list[float]]]:
    """member -> day -> [activities, contributions, contribution points], people only
    (bots and members made only of deleted accounts left out), up to today."""
    member_of = members_by_identity(synced["config"])
    gone = deleted_members(member_of, synced["data"])
    days: dict[str, dict[date, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0.0]))
    bots = set()
    for kind, key, when, is_bot in community_activities(synced["data"]):
        member = member_of[key]
        if is_bot:
            bots.add(member)
            continue
        if when.date() > clock.today() or member in gone:
            continue
        row = days[member][when.date()]
        row[0] += 1
        if kind in contribution_types():
            row[1] += 1
            row[2] += DEFAULT_WEIGHTS[kind]
    return {m: d for m, d in days.items() if m not in bots}


def expected_lapses(synced) -> list[dict]:
    """Every lapse, as README defines it with the default settings: at least 3
    contributions in the 180 days up to an active day, then 60 days without activity;
    contacted when the team reached out after that day and before the return."""
    o, today = Outreach(), clock.today()
    member_of = members_by_identity(synced["config"])
    reached: dict[str, list[date]] = defaultdict(list)
    for person, at in outreach.story(small_community()).contacted:
        if (member := member_of.get(outreach.github_key(person))) is not None:
            reached[member].append(at.date())
    found = []
    for member, days in member_days(synced).items():
        active = sorted(days)
        for last, back in zip(active, [*active[1:], None], strict=True):
            silent = (
                (back - last).days > o.silent_days
                if back
                else (today - last).days >= (o.silent_days)
            )
            given = [days[d] for d in active if last - timedelta(days=o.active_days) < d <= last]
            if not silent or sum(g[1] for g in given) < o.lapsed_contributions:
                continue
            lapsed_on = last + timedelta(days=o.silent_days)
            asked = [d for d in reached[member] if d > last and (back is None or d < back)]
            reference = max(min(asked), lapsed_on) if asked else lapsed_on
            row = {
                "member": member,
                "last": last,
                "back": back,
                "contacted": bool(asked),
                "month": reference.replace(day=1),
                "contributions": sum(g[1] for g in given),
                "points": sum(g[2] for g in given),
            }
            for window in (30, 90):
                if back is not None and (back - reference).days <= window:
                    row[window] = True
                elif (today - reference).days >= window:
                    row[window] = False
                else:
                    row[window] = None
            found.append(row)
    return found


def read(synced):
    snapshot = current_snapshot(synced["config"].storage.serving())
    con = duckdb.connect(str(snapshot), read_only=True)
    return con, figures.reader(con)


def everyone() -> figures.Filters:
    today = clock.today()
    return figures.Filters(today - timedelta(days=89), today)


def test_the_lapsed_list_and_its_order_are_the_drawn_ones(synced):
    expected = {row["member"]: row for row in expected_lapses(synced) if row["back"] is None}
    assert expected, "the sample community has lapsed contributors"
    con, reader = read(synced)
    with con:
        shown = figures.lapsed(reader, everyone())
        gone = deleted_members(members_by_identity(synced["config"]), synced["data"])
    assert set(shown["member_id"]) == set(expected)
    for row in shown.itertuples():
        want = expected[row.member_id]
        assert (row.last_active_on.date(), row.contributions) == (
            want["last"],
            want["contributions"],
        )
        assert row.points == pytest.approx(want["points"])
        assert row.silent_days == (clock.today() - want["last"]).days
    # Ranked by what they gave: points, then contributions.
    ranked = sorted(expected.values(), key=lambda r: (-r["points"], -r["contributions"]))
    assert [round(p, 6) for p in shown["points"]] == [round(r["points"], 6) for r in ranked]
    assert list(shown["rank"]) == list(range(1, len(shown) + 1))
    assert not gone & set(shown["member_id"])  # a deleted account is never lapsed


def test_staff_are_left_out_when_the_filters_say(synced):
    con, reader = read(synced)
    with con:
        staff = {
            m
            for (m,) in con.execute(
                "select member_id from members where is_staff or is_staff_organization"
            ).fetchall()
        }
        with_staff = set(figures.lapsed(reader, everyone())["member_id"])
        without = figures.lapsed(
            reader, figures.Filters(everyone().start, everyone().end, include_staff=False)
        )
    assert not staff & set(without["member_id"])
    assert set(without["member_id"]) == with_staff - staff
    assert (without["total"] == len(without)).all()


def test_reactivation_of_the_contacted_and_the_others_is_the_drawn_one(synced):
    lapses = expected_lapses(synced)
    assert any(r["contacted"] for r in lapses) and any(not r["contacted"] for r in lapses)
    assert any(r[30] for r in lapses if r["contacted"]), "someone the team asked came back"
    con, reader = read(synced)
    with con:
        monthly = figures.reactivation(reader, everyone())
    expected: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in lapses:
        counts = expected[(row["month"], row["contacted"])]
        counts["lapsed"] += 1
        for window in (30, 90):
            counts[f"told_{window}d"] += row[window] is not None
            counts[f"back_{window}d"] += bool(row[window])
    got = {
        (m.month.date(), bool(m.is_contacted)): {
            key: int(getattr(m, key))
            for key in ("lapsed", "told_30d", "back_30d", "told_90d", "back_90d")
        }
        for m in monthly.itertuples()
    }
    assert got == {key: dict(value) for key, value in expected.items()}
    for m in monthly.itertuples():
        if m.told_30d:
            assert m.rate_30d == pytest.approx(m.back_30d / m.told_30d)
    totals = figures.reactivation_totals(monthly)
    assert totals[True]["lapsed"] == sum(r["contacted"] for r in lapses)


def test_the_message_says_their_last_contribution_and_what_is_new(synced):
    con, reader = read(synced)
    with con:
        top = figures.lapsed(reader, everyone()).iloc[0]
        joined = con.execute(
            "select count(*) from members where not is_bot and joined_on > ?",
            [top["last_active_on"]],
        ).fetchall()[0][0]
    config = synced["config"]
    message = figures.outreach_message(config.outreach.message, top, config.community_name)
    assert message.startswith(f"Hi {top['member'].split()[0]}!")
    assert config.community_name in message and f"{joined:,} new member" in message
    assert top["last_contribution_title"] in message
    # The contributions made since their last day (by people, deleted accounts too),
    # counted from the drawn community.
    after = top["last_active_on"].date()
    made = sum(
        1
        for kind, _, when, is_bot in community_activities(synced["data"])
        if kind in contribution_types() and not is_bot and after < when.date() <= clock.today()
    )
    assert top["contributions_since"] == made


def test_an_unknown_field_in_the_message_is_named_with_the_fix(tmp_path):
    path = tmp_path / "acacia.yml"
    path.write_text("outreach:\n  message: 'Hi {firstname}, we miss you'\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    said = str(error.value)
    assert "outreach.message" in said and "{firstname}" in said and "{first_name}" in said


def test_the_engagement_page_lists_them_with_a_message_and_marks_them_reached_out(
    synced, tmp_path, monkeypatch
):
    from pipelines.storage.team_store import TeamStore, store_path
    from tests.conftest import copy_workspace
    from tests.test_team_dashboard import open_page

    config = copy_workspace(synced, tmp_path)
    expected = [r for r in expected_lapses(synced) if r["back"] is None]
    app = open_page(config, monkeypatch, "Engagement")
    table = next(t.value for t in app.dataframe if "Reach them at" in t.value.columns)
    assert len(table) == len(expected) and list(table["Rank"]) == list(range(1, len(table) + 1))
    message = app.text_area[0].value
    assert message.startswith("Hi ") and synced["config"].community_name in message
    chosen = app.selectbox(key="lapsed_message").value
    # Their last items beside the message, the latest first.
    last = next(t.value for t in app.dataframe if "When (UTC)" in t.value.columns)
    with duckdb.connect(
        str(current_snapshot(load_config(config).storage.serving())), read_only=True
    ) as con:
        latest = con.execute(
            "select occurred_at from activities where member_id = ? "
            "order by occurred_at desc, activity_key limit 3",
            [chosen],
        ).fetchall()
    assert [w.replace(tzinfo=None) for (w,) in latest] == [
        w.to_pydatetime().replace(tzinfo=None) for w in last["When (UTC)"]
    ]
    app.multiselect(key="done_is_lapsed").set_value([chosen]).run()
    app.button(key="mark_is_lapsed").click().run()
    assert not app.exception, app.exception
    store = TeamStore(store_path(load_config(config)))
    marked = [row for row in store.rows("follow_ups") if row[1] == "reached out"]
    members = dict(
        duckdb.connect(str(current_snapshot(load_config(config).storage.serving())), read_only=True)
        .execute("select identity_key, member_id from identities")
        .fetchall()
    )
    assert chosen in {members.get(row[0]) for row in marked if row[2] == "Ada"}


def test_the_monthly_update_tells_who_lapsed_and_whether_reaching_out_worked(synced):
    from pipelines.delivery import monthly_update

    config = synced["config"]
    month = monthly_update.last_month()
    con, _ = read(synced)
    with con:
        staff = {
            m
            for (m,) in con.execute(
                "select member_id from members where is_staff or is_staff_organization"
            ).fetchall()
        }
    lapses = [r for r in expected_lapses(synced) if r["member"] not in staff]
    in_month = [r for r in lapses if r["month"] == month]
    year = [r for r in lapses if date(month.year - 1, month.month, 1) <= r["month"] <= month]
    snapshot = current_snapshot(config.storage.serving())
    found = monthly_update.figures(snapshot, month, config.monthly_update)
    assert (found.lapsed, found.lapsed_reached) == (
        len(in_month),
        sum(r["contacted"] for r in in_month),
    )
    for contacted in (True, False):
        mine = [r for r in year if r["contacted"] == contacted]
        assert found.reactivation[contacted]["back_90d"] == sum(bool(r[90]) for r in mine)
        assert found.reactivation[contacted]["told_30d"] == sum(r[30] is not None for r in mine)
    text = monthly_update.render(found, config.community_name, config.monthly_update)["text"]
    reached = found.reactivation[True]
    if reached["told_30d"]:
        assert f"{reached['back_30d']} of {reached['told_30d']} active again within 30 days" in text
