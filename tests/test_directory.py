"""The partner directory exports: content, ordering, escaping, and the nightly job's
files matching the published ranking."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import duckdb
import pytest
from markdown_it import MarkdownIt

from connectors.core import clock
from pipelines.delivery.directory import load, to_csv, to_html, to_json, to_markdown, write
from pipelines.storage.snapshot import current_snapshot, publish

AS_OF = clock.today() - timedelta(days=3)
pytestmark = pytest.mark.dates

RANKING = [
    # rank, organization, score, previous, change, members, contributors, event hosts,
    # by source
    (1, "Pipe|Works <GmbH>", 120.0, 100.0, 20.0, 7, 3, 0, {"github": 80.0, "slack": 40.0}),
    (2, "Acme & Sons", 90.5, 120.0, -29.5, 9, 2, 0, {"discourse": 90.5}),
    (3, "Zeta", 4.0, 0.0, 4.0, 1, 0, 1, {"events": 4.0}),
]


def published(tmp_path, as_of=AS_OF):
    """A snapshot of a warehouse holding only the ranking (and build_info, unless
    ``as_of`` is None: a snapshot of an earlier version)."""
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create schema marts; create table marts.partner_ranking (rank bigint, "
            "organization varchar, score double, previous_score double, change double, "
            "active_members bigint, contributors bigint, event_hosts bigint, "
            "points_by_source json)"
        )
        if as_of is not None:
            con.execute("create table marts.build_info as select ?::date as as_of_date", [as_of])
        # Inserted out of order: the exports follow the rank, not the table's order.
        for row in reversed(RANKING):
            con.execute(
                "insert into marts.partner_ranking values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*row[:8], json.dumps(row[8])],
            )
    return publish(warehouse, tmp_path / "serving")


@pytest.fixture
def snapshot(tmp_path):
    # Built on another day than today: the directory's period is the build's.
    return published(tmp_path)


def test_csv_and_json_carry_rank_period_method_and_breakdown(snapshot):
    directory = load(snapshot, "Test community")
    today = AS_OF
    assert directory.period_end == today and (today - directory.period_start).days == 89

    rows = list(csv.DictReader(io.StringIO(to_csv(directory))))
    assert [r["organization"] for r in rows] == [r[1] for r in RANKING]
    assert [int(r["rank"]) for r in rows] == [1, 2, 3]
    assert rows[0]["points_github"] == "80.0" and rows[0]["points_discourse"] == "0"
    assert rows[1]["change"] == "-29.5" and rows[2]["active_members"] == "1"
    assert [r["event_hosts"] for r in rows] == ["0", "0", "1"]
    assert {r["period_end"] for r in rows} == {today.isoformat()}
    # Sources in the registry's order (the dashboard's), only those with points.
    from connectors.core.registry import labels

    with_points = {"github", "slack", "discourse", "events"}
    assert list(rows[0])[7:11] == [f"points_{s}" for s in labels() if s in with_points]
    assert list(rows[0])[7] == "points_github"

    data = json.loads(to_json(directory))
    assert data["period"] == {
        "start": directory.period_start.isoformat(),
        "end": today.isoformat(),
        "days": 90,
    }
    assert "ties go to more active members" in data["method"]
    assert data["organizations"][1] == {
        "rank": 2,
        "organization": "Acme & Sons",
        "score": 90.5,
        "previous_score": 120.0,
        "change": -29.5,
        "active_members": 9,
        "contributors": 2,
        "event_hosts": 0,
        "points_by_source": {"discourse": 90.5},
    }


def test_markdown_and_html_escape_names(snapshot):
    directory = load(snapshot, "Test <community>")
    markdown = to_markdown(directory)
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| Rank | Organization | Score | Change |")
    # As a Markdown renderer shows it: the names exactly, in their cells.
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "<h1>Test &lt;community&gt; partners</h1>" in rendered
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rendered)
    assert cells[1] == "Pipe|Works &lt;GmbH&gt;" and cells[12] == "Acme &amp; Sons"
    assert cells[2:4] == ["120.0", "+20.0"]

    page = to_html(directory)
    assert "<td>Pipe|Works &lt;GmbH&gt;</td>" in page and "<GmbH>" not in page
    assert "<title>Test &lt;community&gt; partners</title>" in page
    assert page.index("Pipe|Works") < page.index("Acme &amp; Sons") < page.index("Zeta")
    assert "<script" not in page and "http" not in page  # self-contained


def test_a_snapshot_published_before_build_info_ends_on_its_publication_day(tmp_path):
    """Snapshots of an earlier version have no build_info mart; until the next build the
    period ends on the day they were published (the clock's today here)."""
    directory = load(published(tmp_path, as_of=None), "Test")
    assert directory.period_end == clock.today()


def test_files_are_written_for_every_format(snapshot, tmp_path):
    files = write(load(snapshot, "Test"), tmp_path / "out")
    assert sorted(f.name for f in files) == [
        "partners.csv",
        "partners.html",
        "partners.json",
        "partners.md",
    ]
    assert not list((tmp_path / "out").glob(".*"))  # no temporary files left


@pytest.mark.slow
def test_the_nightly_job_publishes_the_directory(synced):
    config = synced["config"]
    published = json.loads((config.storage.directory() / "partners.json").read_text())
    with duckdb.connect(str(current_snapshot(config.storage.serving())), read_only=True) as con:
        expected = con.execute(
            "select organization, round(score, 1) from partner_ranking order by rank"
        ).fetchall()
    assert expected
    assert [(o["organization"], o["score"]) for o in published["organizations"]] == expected
    assert published["community"] == config.community_name
