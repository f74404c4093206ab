"""Event attendance imported from CSV files."""

from __future__ import annotations

from collections import Counter

from connectors.events import EventsConnector, RowProblem
from pipelines.run import REPO_ROOT
from tests.conftest import drive

HEADER = "event,date,location,name,email,role\n"


def test_the_documented_example_imports(tmp_path):
    folder = tmp_path / "events"
    folder.mkdir()
    (folder / "example.csv").write_bytes((REPO_ROOT / "docs/examples/events.csv").read_bytes())
    connector = EventsConnector(folder)
    batches = drive(connector, {})
    assert connector.problems == []
    kinds = Counter(a.type for b in batches for a in b.activities)
    assert kinds == {"event_attended": 2, "event_organized": 2, "event_spoke": 1}
    identities = {i.display_name: i for b in batches for i in b.identities}
    assert identities["Grace Hopper"].email == "grace@example.org"
    assert identities["Katherine Johnson"].email is None  # identified by name
    assert all("@" not in a.actor for b in batches for a in b.activities)


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
    assert drive(connector, {})[0].activities == []
    assert "line 1: missing column(s) role" in str(connector.problems[0])


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
