"""Event attendance imported from CSV files."""

from __future__ import annotations

from collections import Counter

from connectors.core.folders import REPO_ROOT
from connectors.sources.events import EventsConnector, RowProblem
from tests.conftest import drive

HEADER = "event,date,location,name,email,role\n"


def test_the_documented_examples_import(tmp_path):
    """The README's two files: attendance, and the event list whose details each
    attendance row of its event carries."""
    folder = tmp_path / "events"
    folder.mkdir()
    for name in ("events.csv", "event-list.csv"):
        (folder / name).write_bytes((REPO_ROOT / "docs/examples" / name).read_bytes())
    connector = EventsConnector(folder)
    batches = drive(connector, {})
    assert connector.problems == []
    kinds = Counter(a.type for b in batches for a in b.activities)
    assert kinds == {"event_attended": 3, "event_organized": 2, "event_spoke": 1}
    identities = {i.display_name: i for b in batches for i in b.identities}
    assert identities["Grace Hopper"].email == "grace@example.org"
    assert identities["Katherine Johnson"].email is None  # identified by name
    assert all("@" not in a.actor for b in batches for a in b.activities)
    summit = next(a for b in batches for a in b.activities if a.channel == "Acacia Summit")
    assert summit.extra | {"file": None} == {
        "file": None,
        "role": "organizer",
        "named": True,
        "listed": True,
        "city": "Lisbon",
        "country": "PT",
        "format": "summit",
        "organizers": "Acacia Foundation",
        "notes": None,
        "report": "https://example.org/summit/report",
        "photos": None,
        "recording": "https://example.org/summit/recording",
        "group": None,
        "join": None,
    }
    berlin = next(a for b in batches for a in b.activities if a.channel == "Berlin meetup #12")
    assert berlin.extra["group"] == "Acacia Berlin"
    assert berlin.extra["join"] == "https://meetup.example.org/acacia-berlin"


def test_an_attendee_who_asked_not_to_be_named_is_counted_and_never_named(tmp_path):
    """Their row lands without name or email, under an id that is not their named one:
    no page can name them, nor tie the event to their accounts elsewhere."""
    (tmp_path / "a.csv").write_text(
        HEADER.strip()
        + ",named\n"
        + "Meetup 1,2026-01-10,Berlin,Hedy Lamarr,hedy@example.org,attendee,no\n"
        + "Meetup 2,2026-02-10,Berlin,Hedy Lamarr,hedy@example.org,attendee,NO\n"
        + "Meetup 3,2026-03-10,Berlin,Hedy Lamarr,hedy@example.org,attendee,yes\n"
        + "Meetup 3,2026-03-10,Berlin,Cy,cy@example.org,attendee,maybe\n"
    )
    connector = EventsConnector(tmp_path)
    batches = drive(connector, {})
    assert [str(p).split(": ", 1)[1].split(" Fix:")[0] for p in connector.problems] == [
        "line 5: named 'maybe' is not yes or no"
    ]
    actors = [a.actor for b in batches for a in b.activities]
    assert actors[0] == actors[1] != actors[2]  # the same unnamed person at two meetups
    unnamed = next(i for b in batches for i in b.identities if i.source_user_id == actors[0])
    assert (unnamed.username, unnamed.display_name, unnamed.email) == (
        "Unnamed attendee",
        None,
        None,
    )
    landed = repr(
        [a for b in batches for a in b.activities if a.actor == actors[0]]
        + [i for b in batches for i in b.identities if i.source_user_id == actors[0]]
    )
    assert "Hedy" not in landed and "hedy@" not in landed


def test_a_malformed_event_list_is_reported_row_by_row_and_the_rest_imports(tmp_path):
    (tmp_path / "list.csv").write_text(
        "event,date,city,country,format,organizers,notes,report,photos,recording\n"
        "Meetup 1,2026-01-10,Berlin,Germany,meetup,Acacia Berlin,,,,\n"
        "Meetup 2,2026-02-10,Lagos,Nigria,meetup,,,,,\n"
        "Meetup 3,2026-03-10,Lagos,NG,party,,,,,\n"
        "Meetup 4,2026-04-10,Lagos,NG,meetup,,javascript:alert(1),,,\n"
        "Meetup 1,2026-01-10,Berlin,DE,meetup,,,,,\n"
        "Meetup 5,10/05/2026,Lagos,NG,meetup,,,,,\n"
    )
    (tmp_path / "people.csv").write_text(
        HEADER
        + "Meetup 1,2026-01-10,,Ada,ada@example.org,organizer\n"
        + "Meetup 2,2026-02-10,Lagos,Ada,ada@example.org,attendee\n"
    )
    connector = EventsConnector(tmp_path)
    batches = drive(connector, {})
    problems = [str(p).split(": ", 2)[1:] for p in connector.problems]
    assert [p[0] for p in problems] == ["line 3", "line 4", "line 5", "line 6", "line 7"]
    assert problems[0][1].startswith("country 'Nigria' is not a country's name or ISO code")
    assert problems[1][1].startswith("format 'party' is not one of meetup, summit")
    assert problems[2][1].startswith("notes 'javascript:alert(1)' is not a link")
    assert problems[3][1].startswith("Meetup 1 on 2026-01-10 is listed twice (first on line 2)")
    assert problems[4][1].startswith("date '10/05/2026' is not YYYY-MM-DD")
    assert all(str(p).startswith("[events] list.csv: ") for p in connector.problems)
    extra = {a.channel: a.extra for b in batches for a in b.activities}
    assert extra["Meetup 1"]["format"] == "meetup" and extra["Meetup 1"]["country"] == "Germany"
    # Not listed (its row was wrong): imported all the same, its place from the row.
    assert extra["Meetup 2"]["listed"] is False and extra["Meetup 2"]["city"] == "Lagos"


def test_a_changed_event_list_reads_the_attendance_again_without_repeating_problems(tmp_path):
    (tmp_path / "people.csv").write_text(
        HEADER
        + "Summit,2026-05-01,Lisbon,Ada,ada@example.org,speaker\n"
        + "Summit,2026-05-01,Lisbon,,,attendee\n"
    )
    state: dict = {}
    connector = EventsConnector(tmp_path)
    first = [a for b in drive(connector, state) for a in b.activities]
    assert len(connector.problems) == 1 and first[0].extra["format"] is None
    again = EventsConnector(tmp_path)
    assert [a for b in drive(again, state) for a in b.activities] == [] and not again.problems
    (tmp_path / "list.csv").write_text(
        "event,date,format,report\nSummit,2026-05-01,summit,https://example.org/r\n"
    )
    changed = EventsConnector(tmp_path)
    second = [a for b in drive(changed, state) for a in b.activities]
    assert changed.problems == []  # the attendance's bad row was said the first time
    assert [a.activity_id for a in second] == [a.activity_id for a in first]
    assert second[0].extra["format"] == "summit"
    assert second[0].extra["report"] == "https://example.org/r"


def test_malformed_rows_are_reported_with_file_and_line_and_the_rest_imports(tmp_path):
    (tmp_path / "meetups.csv").write_text(
        HEADER
        + "Meetup 1,2026-01-10,Berlin,Ada,ada@example.org,organizer\n"
        + "Meetup 1,10/01/2026,Berlin,Bob,bob@example.org,attendee\n"
        + "Meetup 1,2026-01-10,Berlin,Cy,cy@example.org,host\n"
        + "Meetup 1,2026-01-10,Berlin,,,attendee\n"
        + "Meetup 1,2026-01-10,Berlin,Dee,dee@example.org,speaker\n"
    )
    connector = EventsConnector(tmp_path)
    batches = drive(connector, {})
    problems = [str(p) for p in connector.problems]
    assert all(isinstance(p, RowProblem) for p in connector.problems)
    assert problems[0].startswith("[events] meetups.csv: line 3: date '10/01/2026'")
    assert "meetups.csv: line 4: role 'host' is not one of" in problems[1]
    assert "meetups.csv: line 5: a row needs the attendee's name or email" in problems[2]
    assert sorted(a.type for b in batches for a in b.activities) == [
        "event_organized",
        "event_spoke",
    ]


def test_a_file_is_read_again_only_when_it_changes(tmp_path):
    path = tmp_path / "summit.csv"
    path.write_text(HEADER + "Summit,2026-05-01,Lisbon,Ada,ada@example.org,speaker\n")
    state: dict = {}
    first = drive(EventsConnector(tmp_path), state)
    assert drive(EventsConnector(tmp_path), state) == []
    path.write_text(path.read_text() + "Summit,2026-05-01,Lisbon,Bo,bo@example.org,attendee\n")
    second = drive(EventsConnector(tmp_path), state)
    first_ids = {a.activity_id for b in first for a in b.activities}
    second_ids = {a.activity_id for b in second for a in b.activities}
    assert first_ids < second_ids and len(second_ids) == 2  # same row, same id


def test_a_missing_column_is_reported(tmp_path):
    (tmp_path / "bad.csv").write_text("event,date,name\nMeetup,2026-01-01,Ada\n")
    connector = EventsConnector(tmp_path)
    assert [a for b in drive(connector, {}) for a in b.activities] == []
    assert "line 1: missing column(s) role" in str(connector.problems[0])
    assert "the event list's: event,date,city,country,format" in str(connector.problems[0])


def test_a_row_that_is_not_utf8_is_reported_never_imported_garbled(tmp_path):
    """A file saved by a spreadsheet in Latin-1: its "Jörg" row would read "J\ufffdrg".
    That row is set aside with its line and how to re-save the file; a quoted name over
    two lines is one row; the UTF-8 rows import."""
    (tmp_path / "summit.csv").write_bytes(
        HEADER.encode()
        + "Summit,2026-03-02,Porto,Ana Sá,ana@example.org,speaker\n".encode()
        + "Summit,2026-03-02,Porto,Jörg Müller,jorg@example.org,attendee\n".encode("latin-1")
        + 'Summit,2026-03-02,Porto,"Zoë\nvan Dijk",zoe@example.org,attendee\n'.encode("latin-1")
        + "Summit,2026-03-02,Porto,Chloé,chloe@example.org,attendee\n".encode()
    )
    connector = EventsConnector(tmp_path)
    batches = drive(connector, {})
    problems = [str(p) for p in connector.problems]
    assert len(problems) == 2 and all(isinstance(p, RowProblem) for p in connector.problems)
    assert problems[0].startswith("[events] summit.csv: line 3: not UTF-8 text")
    assert problems[1].startswith("[events] summit.csv: line 5: not UTF-8 text")
    assert "Re-save the file as UTF-8" in problems[0]
    names = sorted(i.display_name for b in batches for i in b.identities)
    assert names == ["Ana Sá", "Chloé"]
    assert not any("\ufffd" in (i.display_name or "") for b in batches for i in b.identities)


def test_a_header_that_is_not_utf8_stops_only_that_file(tmp_path):
    (tmp_path / "a.csv").write_bytes("évent,date,location,name,email,role\n".encode("latin-1"))
    (tmp_path / "b.csv").write_text(
        HEADER + "Meetup,2026-01-10,Berlin,Ada,ada@example.org,attendee\n"
    )
    connector = EventsConnector(tmp_path)
    batches = drive(connector, {})
    assert [str(p).split(":")[0:2] for p in connector.problems] == [["[events] a.csv", " line 1"]]
    assert [a.type for b in batches for a in b.activities] == ["event_attended"]


def test_a_malformed_event_list_is_reported_by_the_sync_and_nothing_landed_is_lost(tmp_path):
    """Through the landing zone: the attendance lands; then an event list with a wrong
    row is reported with its file and line (a warning, not a failed sync), the other
    event takes its details, and every activity landed before is still there."""
    import duckdb
    import yaml

    from connectors.core.config import load_config
    from connectors.core.source import Secrets
    from pipelines.sync.ingest import sync_source

    folder = tmp_path / "events"
    folder.mkdir()
    (folder / "people.csv").write_text(
        HEADER
        + "Summit,2026-05-01,Lisbon,Ada,ada@example.org,speaker\n"
        + "Meetup,2026-04-01,Lagos,Bo,bo@example.org,attendee\n"
    )
    path = tmp_path / "acacia.yml"
    path.write_text(
        yaml.safe_dump(
            {"storage": {"data_dir": "data"}, "sources": {"events": {"folder": "events"}}}
        )
    )
    config = load_config(path)
    first = sync_source(config, "events", Secrets())
    assert (first.activities, first.problems) == (2, [])
    (folder / "list.csv").write_text(
        "event,date,city,country,format\n"
        "Summit,2026-05-01,Lisbon,Portugal,summit\n"
        "Meetup,2026-04-01,Lagos,Nigria,meetup\n"
    )
    second = sync_source(config, "events", Secrets())
    assert [str(p).split(" Fix:")[0] for p in second.problems] == [
        "[events] list.csv: line 3: country 'Nigria' is not a country's name or ISO code "
        "(Germany, DE, Nigeria, NG)"
    ]
    assert second.failed == [] and second.activities == 2
    landed = duckdb.sql(
        f"""
        select channel, arg_max(json_extract_string(extra, '$.format'), fetched_at),
               count(*)
        from read_parquet('{config.storage.landing().uri()}/events/activities/*.parquet')
        group by channel order by channel"""
    ).fetchall()
    assert landed == [("Meetup", None, 2), ("Summit", "summit", 2)]
