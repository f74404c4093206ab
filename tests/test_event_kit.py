"""The organizer's kit (README, Events, The organizer's kit) against the sample
community's drawn check-ins and feedback (sample/events_data.py): feedback as the files
declare it, row by row; check-ins landed at once, once per person, counted after the
next build with the walk-ins as new members; the event's report, in Markdown and HTML,
naming only who agreed and carrying no markup from member-supplied text."""

from __future__ import annotations

import json
import re
from collections import Counter
from statistics import mean

import duckdb
import pytest

from connectors.sources.events.connector import (
    EventsConnector,
    event_id,
    person_id,
    read_event_list,
)
from pipelines.storage.snapshot import current_snapshot
from sample.events_data import Event, check_in_everyone, draw, write_event_files
from tests.conftest import copy_workspace, small_community
from tests.test_dashboard import PAGES, public_config, render
from tests.test_event_privacy import shown

pytestmark = pytest.mark.slow


def rows(config, sql: str, params: list | None = None) -> list[dict]:
    with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
        result = con.execute(sql, params or [])
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def drawn_feedback() -> dict[str, list[dict]]:
    """The drawn responses by event id: rating, whether quotable, the answers."""
    found: dict[str, list[dict]] = {}
    for event, _, row, person in draw(small_community()).feedback:
        rating = next(v for k, v in row.items() if k.startswith("rating"))
        found.setdefault(event_id(event.name, event.day.isoformat()), []).append(
            {
                "rating": float(rating),
                "quote": row["quote"] == "yes",
                "answers": {k: v for k, v in row.items() if k.endswith("?")},
                "person": person,
            }
        )
    return found


def test_each_events_feedback_is_the_drawn_responses(synced):
    """Responses, ratings (their average and their distribution on the survey's scale)
    and the answers that may be quoted, per event, as drawn; the three surveys name their
    event in each of the ways a file can (a column with the date, a column alone, the
    file's own name)."""
    config = synced["config"]
    expected = drawn_feedback()
    assert len(expected) == 3
    events = {r["event_id"]: r for r in rows(config, "select * from events")}
    from connectors.core import figures

    with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
        read = figures.reader(con)
        for key, responses in expected.items():
            row = events[key]
            assert row["feedback_responses"] == len(responses)
            assert row["feedback_ratings"] == len(responses)
            assert row["rating_average"] == pytest.approx(mean(r["rating"] for r in responses))
            assert row["quotable_responses"] == sum(r["quote"] for r in responses)
            ratings = figures.event_ratings(read, key)
            counted = Counter(r["rating"] for r in responses)
            low, high = int(row["rating_scale_min"]), int(row["rating_scale_max"])
            assert list(ratings["rating"]) == list(range(low, high + 1))
            assert list(ratings["responses"]) == [
                counted.get(float(r), 0) for r in range(low, high + 1)
            ]
            quotes = figures.event_quotes(read, key)
            said = Counter(
                (question, answer)
                for r in responses
                if r["quote"]
                for question, answer in r["answers"].items()
            )
            assert (
                Counter(
                    dict(
                        zip(
                            zip(quotes["question"], quotes["answer"], strict=True),
                            quotes["responses"],
                            strict=True,
                        )
                    )
                )
                == said
            )
            # An answer given without consent to quote it is quoted nowhere.
            secret = {a for r in responses if not r["quote"] for a in r["answers"].values()}
            assert not (secret - set(said_answers(said))) & set(quotes["answer"])
    # The responses that name their respondent are theirs: their member.
    named = rows(config, "select count(*) as n from event_feedback where member_id is not null")
    assert named[0]["n"] == sum(r["person"] is not None for rs in expected.values() for r in rs)


def said_answers(said: Counter) -> set[str]:
    return {answer for _, answer in said}


def test_a_bad_feedback_row_is_reported_with_its_file_line_and_fix(tmp_path):
    """A rating off the scale or not a number, an unknown event, a row that is not UTF-8,
    a rating column without its scale: each said with file, line and fix; every good row
    of the file lands."""
    community = small_community()
    drawn = draw(community)
    folder = tmp_path / "events"
    write_event_files(community, folder)
    summit = drawn.summit
    good = f"{summit.name},{summit.day},4,yes,Great talks"
    lines = [
        "event,date,rating (1-5),quote,What did you like?",
        good,  # line 2
        f"{summit.name},{summit.day},6,yes,Too much",  # 3: off the scale
        f"{summit.name},{summit.day},great,yes,Words",  # 4: not a number
        f"Nowhere meetup,{summit.day},3,no,Who",  # 5: unknown event
    ]
    content = "\n".join(lines).encode() + b"\n"
    content += f"{summit.name},{summit.day},5,yes,J".encode() + "\xf6rg".encode("latin-1") + b"\n"
    content += f"{summit.name},{summit.day},,no,Fine\n".encode()  # 7: no rating is fine
    (folder / "survey.csv").write_bytes(content)
    (folder / "noscale.csv").write_text("event,rating,quote\nAcacia Summit,4,yes\n")
    connector = EventsConnector(folder)
    batches = list(connector.sync({}))
    landed = [f for b in batches if b.scope == "survey.csv" for f in b.feedback]
    assert [f.extra["line"] for f in landed] == [2, 7]
    assert landed[0].rating == 4 and landed[1].rating is None
    problems = [str(p) for p in connector.problems]
    expected = {
        "survey.csv: line 3: rating 6 is outside the scale 1 to 5",
        "survey.csv: line 4: rating 'great' is not a number",
        "survey.csv: line 5: the event 'Nowhere meetup' on",
        "survey.csv: line 6: not UTF-8 text",
        "noscale.csv: line 1: the rating column does not say its scale",
    }
    for start in expected:
        assert any(start in p for p in problems), (start, problems)
    assert all("Fix" in p or "fix" in p.lower() or "Re-save" in p for p in problems)
    assert len(problems) == len(expected)


def test_check_ins_land_at_once_once_each_and_count_after_the_next_build(
    synced, tmp_path, monkeypatch
):
    """The drawn check-ins at the Lagos meetup on the last day (one person twice, one
    not to be named, two walk-ins): on the page at once, one attendance each after the
    decision build, the walk-ins new members whose first activity is the event, the
    unnamed one counted and never named; the event's report counts them and its HTML
    carries no markup from a participant's answer."""
    from connectors.core.config import load_config
    from pipelines.build.decisions import apply_decisions
    from pipelines.delivery import event_report
    from pipelines.sync.check_in import checked_in

    path = copy_workspace(synced, tmp_path)
    config = load_config(path)
    community = small_community()
    drawn = draw(community)
    event = drawn.upcoming[0]
    key = event_id(event.name, event.day.isoformat())
    assert check_in_everyone(community, path) == len(drawn.check_ins)
    people = {(values["email"], values["role"]): values for values, _ in drawn.check_ins}
    at_door = checked_in(config, key)
    assert len(at_door) == len(people) == len(drawn.check_ins) - 1  # one came twice
    unnamed = [v for v in people.values() if v["named"] == "no"]
    assert sorted(r["name"] or "" for r in at_door) == sorted(
        "" if v["named"] == "no" else v["name"] for v in people.values()
    )
    assert sum(r["first_time"] for r in at_door) == len(drawn.walk_ins)

    # The Check-in page lists them; public mode has no check-in.
    page = render(path, monkeypatch, PAGES["Check_in"])
    assert f"Checked in so far: {len(people)}" in shown(page)
    assert not any(v["name"] in shown(page) for v in unnamed)
    public = render(public_config(synced, tmp_path), monkeypatch, PAGES["Check_in"])
    assert "hidden in public mode" in shown(public) and not public.text_input

    apply_decisions(config)
    row = rows(config, "select * from events where event_id = ?", [key])[0]
    assert row["attendees"] == len(people)
    assert row["unnamed_attendees"] == len(unnamed)
    # First-timers: the walk-ins, and the person not named (Acacia knows nothing else
    # of them: an unnamed attendee is a person of their own, as in the CSV files).
    assert row["first_timers"] == len(drawn.walk_ins) + len(unnamed)
    assert row["already_members"] == len(people) - row["first_timers"]
    walk_in_ids = [f"events:{person_id(p.name, p.email)}" for p in drawn.walk_ins]
    joined = rows(
        config,
        "select m.display_name, m.joined_on, a.is_first_timer from identities as i "
        "join members as m using (member_id) join event_attendance as a "
        "on a.member_id = m.member_id and a.event_id = ? "
        "where i.identity_key in (select unnest(?))",
        [key, walk_in_ids],
    )
    assert sorted(r["display_name"] for r in joined) == sorted(p.name for p in drawn.walk_ins)
    assert all(r["joined_on"] == event.day and r["is_first_timer"] for r in joined)

    # The report counts them and names only who agreed.
    made = event_report.report(config, event.name, event.day)
    assert f"**{len(people)}** attendees" in made.markdown
    assert f"**{row['first_timers']}** first-timers" in made.markdown
    for values in people.values():
        if values["named"] == "yes":
            assert values["name"] in made.markdown
        else:
            assert values["name"] not in made.markdown and values["name"] not in made.html
    assert f"{len(unnamed)} asked not to be named" in made.markdown
    public_report = event_report.report(config, event.name, event.day, public=True)
    assert not any(v["name"] in public_report.html for v in people.values())


def test_the_report_holds_the_figures_the_feedback_and_no_markup(synced, tmp_path):
    """The summit's report: its counts and feedback as the events mart has them, the
    quotable answers and never the others, nobody unnamed; public: no name, no quote.
    An answer written as HTML stays text in the HTML (no script, no element), and the
    files are written."""
    from pipelines.delivery import event_report

    config = synced["config"]
    drawn = draw(small_community())
    summit = drawn.summit
    made = event_report.report(config, summit.name, public=False)
    key = event_id(summit.name, summit.day.isoformat())
    row = rows(config, "select * from events where event_id = ?", [key])[0]
    for figure in ("attendees", "first-timers", "members already", "came back"):
        column = {"first-timers": "first_timers", "members already": "already_members"}.get(
            figure, figure.replace(" ", "_")
        )
        assert f"**{row[column]:,}** {figure}" in made.markdown
    responses = drawn_feedback()[key]
    assert f"**{len(responses)}** responses" in made.markdown
    assert f"{row['rating_average']:.1f} on a scale of 1 to 5" in made.markdown
    quotable = {a for r in responses if r["quote"] for a in r["answers"].values()}
    secret = {a for r in responses if not r["quote"] for a in r["answers"].values()} - quotable
    for answer in quotable:
        assert answer.rstrip(".")[:20] in made.html
    for answer in secret:
        assert answer not in made.html
    for guest in drawn.unnamed:
        assert guest.name not in made.markdown and guest.name not in made.html
    public = event_report.report(config, summit.name, public=True)
    assert not any(a.rstrip(".")[:20] in public.html for a in quotable)
    assert "Name" not in public.markdown.split("## The attendees")[0].split("## Who came")[1]

    # A hostile answer, through the renderer: text in the HTML, never markup.
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> **bold** [x](javascript:y)"
    doc = event_report.Doc()
    doc.heading(1, "Report")
    doc.quote(hostile, "a participant")
    doc.table(["Name"], [[hostile]])
    page = doc.html("t")
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert "javascript:y" not in doc.markdown().replace("javascript\\:y", "")
    written = event_report.write(config, made, tmp_path / "reports")
    assert [p.suffix for p in written] == [".md", ".html"]
    assert written[1].read_text() == made.html
    # The HTML page allows no script at all (its Content-Security-Policy).
    assert "default-src 'none'" in made.html
    assert json.dumps(made.facts, default=str)


def said_in(phrase: str, text: str) -> bool:
    return re.search(rf"(?i)\b{re.escape(phrase)}\b", text) is not None


def test_each_places_and_events_themes_are_the_drawn_ones_in_order(synced):
    """The themes the sample draws per place (sample/themes.py) are found, in the order
    of how many texts say them, with those counts: for a city, the messages of the
    members the members mart places there (the text Slack keeps), its events' notes and
    their quotable feedback; for an event, its notes and quotable feedback. Every excerpt
    is a sentence of a text that may be quoted."""
    from sample.themes import THEMES

    config = synced["config"]
    slack = synced["data"]["slack"]
    drawn = draw(small_community())
    city_of = {
        r["identity_key"]: r["city"]
        for r in rows(
            config,
            "select i.identity_key, m.city from identities as i join members as m "
            "using (member_id) where not i.is_bot",
        )
    }
    by_city: dict[str, list[str]] = {}
    for channel in slack.channels.values():
        if not channel.is_member:
            continue
        for message in channel.messages:
            city = city_of.get(f"slack:{message.user}")
            if city and not message.deleted and message.subtype != "bot_message":
                by_city.setdefault(city, []).append(message.text)
            for reply in message.replies:
                city = city_of.get(f"slack:{reply.user}")
                if city:
                    by_city.setdefault(city, []).append(reply.text)
    by_event: dict[str, list[str]] = {}
    noted = {e.links.get("notes"): e for e in drawn.events}
    for path, notes in drawn.notes.items():
        event = noted[path]
        lines = [line.lstrip("- ") for line in notes.splitlines() if line.startswith("- ")]
        by_event.setdefault(event_id(event.name, event.day.isoformat()), []).extend(lines)
    for key, responses in drawn_feedback().items():
        for r in responses:
            if r["quote"]:
                by_event.setdefault(key, []).extend(r["answers"].values())
    events = {r["event_id"]: r for r in rows(config, "select * from events")}
    for key, texts in by_event.items():
        if events[key]["city"]:
            by_city.setdefault(events[key]["city"], []).extend(texts)
    themes = rows(config, "select * from themes order by level, city, event_id, theme_rank")

    def expected(place: str, texts: list[str]) -> list[tuple[str, int]]:
        """The place's drawn themes said in two different texts at least, the most said
        first (a tie in either order)."""
        counts = [
            (phrase, sum(said_in(phrase, t) for t in texts))
            for phrase, _ in THEMES[place]
            if len({t for t in texts if said_in(phrase, t)}) >= 2
        ]
        return sorted(counts, key=lambda c: -c[1])

    def same(found_: list[tuple[str, int]], wanted: list[tuple[str, int]]) -> bool:
        head = found_[: len(wanted)]
        return sorted(head) == sorted(wanted) and [n for _, n in head] == [n for _, n in wanted]

    def found(rows_: list[dict]) -> list[tuple[str, int]]:
        return [(r["theme"], r["texts"]) for r in rows_]

    for city in ("Lagos", "Berlin", "Lisbon"):
        mine = [r for r in themes if r["level"] == "city" and r["city"] == city]
        assert found(mine)[:3] == expected(city, by_city[city]), city  # no tie here
        assert mine[0]["place_texts"] == len(by_city[city])
    for key, texts in by_event.items():
        place = events[key]["city"] or "online"
        mine = [r for r in themes if r["level"] == "event" and r["event_id"] == key]
        assert same(found(mine), expected(place, texts)), events[key]["event"]
    quotable = {s for texts in [*by_city.values(), *by_event.values()] for s in texts}
    for row in themes:
        for cut in json.loads(row["excerpts"]):
            assert said_in(row["theme"], cut)
            assert any(cut.rstrip("…") in text for text in quotable), cut


def test_words_not_to_be_quoted_or_of_the_forgotten_are_nowhere(synced, tmp_path, monkeypatch):
    """Answers given without consent to quote them are read by no theme and published
    nowhere (only their ratings count); a forgotten person's check-in and feedback go
    with them (acacia forget); public mode shows no answer and no excerpt."""
    import sys

    from typer.testing import CliRunner

    from connectors.core.config import load_config
    from pipelines.cli.main import app
    from pipelines.orchestration.execute import run_job
    from pipelines.sync.check_in import CheckIn, check_in, checked_in

    path = copy_workspace(synced, tmp_path)
    config = load_config(path)
    drawn = draw(small_community())
    summit = drawn.summit
    person = next(
        p for e, row, p in drawn.attendance if e is summit and row["named"] == "yes" and p.email
    )
    folder = config.sources.events.folder
    (folder / "more-feedback.csv").write_text(
        "event,date,email,rating (1-5),quote,Anything else?\n"
        f"{summit.name},{summit.day},{person.email},5,yes,Zebracorn stickers for everyone\n"
        f"{summit.name},{summit.day},,2,no,Quokkaword onboarding was confusing\n"
        f"{summit.name},{summit.day},,3,,The quokkaword badge printer broke\n"
    )
    listed, _ = read_event_list(folder)
    today = next(e for e in listed if e.event == drawn.upcoming[0].name)
    assert check_in(config, today, CheckIn(person.name, person.email, "attendee", True, False))
    assert run_job(path, "nightly_sync").success
    key = event_id(summit.name, summit.day.isoformat())

    def published(word: str) -> list[str]:
        snapshot = current_snapshot(config.storage.serving())
        found = []
        with duckdb.connect(str(snapshot), read_only=True) as con:
            for table, column in con.execute(
                "select table_name, column_name from duckdb_columns() "
                "where data_type = 'VARCHAR' and schema_name = 'main'"
            ).fetchall():
                hits = con.execute(
                    f'select count(*) from "{table}" where "{column}" ilike ?', [f"%{word}%"]
                ).fetchone()[0]
                found += [f"{table}.{column}"] * bool(hits)
        return found

    assert published("quokkaword") == []
    assert published("zebracorn") == ["event_feedback.answers"]
    row = rows(config, "select * from events where event_id = ?", [key])[0]
    assert row["feedback_responses"] == len(drawn_feedback()[key]) + 3
    assert any(r["name"] == person.name for r in checked_in(config, today.event_id))

    # Public mode: ratings and counts, no answer, no excerpt, no name.
    public = render(public_config(synced, tmp_path), monkeypatch, PAGES["Events"], {"event": key})
    text = shown(public)
    assert "Answers are not shown in public mode" in text and not public.expander
    quotes = {a for r in drawn_feedback()[key] if r["quote"] for a in r["answers"].values()}
    assert not any(q in text for q in quotes)

    # Forgotten: their check-in and their feedback go too.
    # Confirmed at the prompt: whether their accounts joined on an email or on evidence
    # (forget then asks even with --yes), they are forgotten.
    command = ["acacia", "forget", person.email, "--config", str(path)]
    monkeypatch.setattr(sys, "argv", command)
    done = CliRunner().invoke(app, command[1:], input="y\n")
    assert done.exit_code == 0, done.output
    assert "events feedback" in done.output
    assert published("zebracorn") == []
    assert not any(r["name"] == person.name for r in checked_in(config, today.event_id))
    row = rows(config, "select * from events where event_id = ?", [key])[0]
    theirs = sum(r["person"] == person for r in drawn_feedback()[key])
    assert row["feedback_responses"] == len(drawn_feedback()[key]) + 3 - 1 - theirs


def test_local_groups_are_the_drawn_series_with_their_next_events(synced, monkeypatch, tmp_path):
    """Each series of events in one city is a group (named by the list's group column,
    else by its city), with the events held up to today, the last and the next (listed,
    upcoming), its organizers and join link, priority places marked; on the Local
    communities page (public mode too) and in the directory's export."""
    from connectors.core import clock
    from pipelines.delivery.directory import export

    config = synced["config"]
    drawn = draw(small_community())
    today = clock.today()
    expected: dict[str, dict] = {}
    for event in listed_events(synced):
        if not event.city or event.format == "online":
            continue
        name = event.group or f"{event.city}, {rows_country(config, event)}"
        group = expected.setdefault(name, {"held": [], "next": [], "join": set(), "org": set()})
        (group["held"] if event.day <= today else group["next"]).append(event)
        group["join"] |= {event.links["join"]} if event.links.get("join") else set()
    for event, row, person in drawn.attendance:
        if row["role"] == "organizer" and row["named"] == "yes" and event.city:
            name = event.group or f"{event.city}, {rows_country(config, event)}"
            expected[name]["org"].add(person.name)
    found = {r["local_group"]: r for r in rows(config, "select * from local_groups")}
    assert set(found) == set(expected)
    for name, group in expected.items():
        row = found[name]
        last = max(group["held"], key=lambda e: e.day)
        assert row["events_held"] == len(group["held"]), name
        assert (row["last_event"], row["last_event_date"]) == (last.name, last.day), name
        upcoming = min(group["next"], key=lambda e: e.day) if group["next"] else None
        assert row["next_event"] == (upcoming.name if upcoming else None), name
        assert row["join_url"] == (min(group["join"]) if group["join"] else None), name
        assert set((row["organizer_members"] or "").split(", ")) - {""} == group["org"], name
        assert row["is_priority"] == (row["region"] == "Africa"), name
    # The Lagos group's next event is the hack night only its Meetup feed lists (sooner
    # than the next meetup, which both list).
    assert found["Acacia Lagos"]["next_event"] == "Lagos hack night"

    app = render(config.path, monkeypatch, PAGES["Local_communities"])
    table = app.dataframe[0].value
    assert sorted(table["Local group"]) == sorted(expected)
    public = render(public_config(synced, tmp_path), monkeypatch, PAGES["Local_communities"])
    assert sorted(public.dataframe[0].value["Local group"]) == sorted(expected)
    text = shown(public)
    assert not any(g.name in text for g in drawn.unnamed)

    written = export(config, tmp_path / "directory")
    exported = json.loads((tmp_path / "directory" / "local-groups.json").read_text())
    assert tmp_path / "directory" / "local-groups.csv" in written
    assert {g["local_group"] for g in exported["local_groups"]} == set(expected)


def test_the_event_list_has_every_sources_events_each_once(synced, monkeypatch):
    """The event list is the events folder's list, Meetup's and the calendar feeds'
    events together: an event two of them list (the Lagos meetups, in the CSV and the
    group's feed) is one event, cancelled occurrences are left out, and the Events page
    shows what is coming, each once."""
    from connectors.core import clock

    config = synced["config"]
    expected = listed_events(synced)
    found = rows(config, "select event, event_date, sources from event_list")
    assert Counter((r["event"], r["event_date"]) for r in found) == Counter(
        (e.name, e.day) for e in expected
    )
    sources = {r["event"]: r["sources"] for r in found}
    both = synced["data"]["calendars"].lagos_events
    assert both and all(sources[e.name] == "calendars, events" for e in both)
    assert sources["Lagos hack night"] == "calendars"
    assert "Lagos community picnic" not in sources
    # The attendance of an event both list joins it: one id.
    held = rows(config, "select event_id, event from events")
    listed = {r["event"]: r["event_id"] for r in rows(config, "select * from event_list")}
    assert all(listed[r["event"]] == r["event_id"] for r in held if r["event"] in listed)

    app = render(config.path, monkeypatch, PAGES["Events"])
    coming = next(t.value for t in app.dataframe if "Listed by" in t.value.columns)
    upcoming = sorted((e.day, e.name) for e in expected if e.day > clock.today())
    assert sorted(zip(coming["Event date"], coming["Event"], strict=True)) == upcoming
    assert "Lagos community picnic" not in set(coming["Event"])


def listed_events(synced) -> list[Event]:
    """Every event the drawn community lists, each once: the event list's (CSV), and the
    calendar feeds' occurrences that are not cancelled (sample/calendars_data.py), an
    event both list (the same day and name) taken from the event list. (The synced
    community has no Meetup group: tests/test_meetup_connector.py builds one.)"""
    drawn = draw(small_community())
    found = {(e.day, e.name.strip().lower()): e for e in [*drawn.events, *drawn.upcoming]}
    feeds = {"lagos": "Acacia Lagos"}
    for each in synced["data"]["calendars"].expected():
        if each.cancelled:
            continue
        found.setdefault(
            (each.day, each.name.strip().lower()),
            Event(
                each.name,
                each.day,
                each.city,
                each.country,
                each.format,
                "",
                "",
                group=feeds.get(each.feed, "") if each.format != "online" else "",
            ),
        )
    return list(found.values())


def rows_country(config, event) -> str:
    """The country's name as the places reader gives it ("BR" is Brazil)."""
    from connectors.core.places import from_location

    return from_location(f"{event.city}, {event.country}").country


def test_a_saved_list_is_its_filter_one_click_from_the_members_page(synced, tmp_path, monkeypatch):
    """A saved list (members living in Lagos who came to the summit) holds exactly the
    people who match: the drawn summit attendees whose place the members mart reads as
    Lagos (a place is read from the profiles a member has, tests/test_places.py), on its
    own page with its address; the Members page links to it; public mode has no lists."""
    from connectors.core.config import load_config
    from pipelines.storage.team_store import TeamDataError, TeamStore, store_path

    path = copy_workspace(synced, tmp_path)
    config = load_config(path)
    drawn = draw(small_community())
    summit = drawn.summit
    key = event_id(summit.name, summit.day.isoformat())
    store = TeamStore(store_path(config))
    with pytest.raises(TeamDataError):
        store.save_list("Nothing chosen", {"tags": []}, author="Ada")
    store.save_list(
        "Lagos people at the summit", {"places": ["Lagos"], "events": [key]}, author="Ada"
    )
    member_of = {
        r["identity_key"]: r["member_id"]
        for r in rows(config, "select identity_key, member_id from identities")
    }
    in_lagos = {r["member_id"] for r in rows(config, "select * from members where city = 'Lagos'")}
    expected = {
        member_of[f"events:{person_id(row['name'], row['email'])}"]
        for event, row, person in drawn.attendance
        if event is summit and row["named"] == "yes"
    } & in_lagos
    assert expected
    page = render(path, monkeypatch, PAGES["Lists"], {"list": "Lagos people at the summit"})
    table = page.dataframe[0].value
    names = dict(
        (r["member_id"], r["display_name"])
        for r in rows(config, "select member_id, display_name from members")
    )
    assert sorted(
        table["Member"].str.replace(r"^Members\?member=m_[^#]*#", "", regex=True)
    ) == sorted(names[m] for m in expected)
    assert "/Lists?list=Lagos%20people%20at%20the%20summit" in shown(page)
    members = render(path, monkeypatch, PAGES["Members"])
    assert "Lists?list=Lagos%20people%20at%20the%20summit" in shown(members)
    public = render(public_config(synced, tmp_path), monkeypatch, PAGES["Lists"])
    assert "hidden in public mode" in shown(public) and not public.dataframe
