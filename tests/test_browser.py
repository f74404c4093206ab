"""The served dashboard in a real browser: Debian's headless Chromium, driven by
Playwright (which never downloads a browser here). Clicks through every page, saves
screenshots, and checks that a sync running while the dashboard serves does not disturb
it and that the dashboard then shows the new data."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from connectors.core import clock

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
PAGES = [
    "Members",
    "Organizations",
    "Engagement",
    "Responsiveness",
    "Channels and places",
    "Suggestions",
    "Health",
    "Check-in",
    "Local communities",
    "Lists",
    "Ambassadors",
    "Conversion",
]


def find_chromium() -> str:
    """Debian's chromium (`make test` installs it before pytest starts: tests/chromium.py)."""
    from tests.chromium import ChromiumMissing, install

    try:
        return install()
    except ChromiumMissing as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=find_chromium(), args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(config: Path) -> tuple[subprocess.Popen, str]:
    """Serve the dashboard on a free local port, as `acacia dashboard` does."""
    from dashboard.serve import command

    port = free_port()
    process = subprocess.Popen(
        command(port),
        env={**os.environ, "ACACIA_CONFIG": str(config), "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.25)
    process.kill()
    raise RuntimeError("the dashboard did not start")


def settle(page) -> None:
    """Wait until the page's script has finished running."""
    page.wait_for_selector("[data-testid=stApp]")
    page.wait_for_timeout(500)
    deadline = time.monotonic() + 60
    while page.locator("[data-testid=stStatusWidget]").count() and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    page.wait_for_timeout(500)


def metric(page, label: str) -> int:
    box = page.locator("[data-testid=stMetric]").filter(has_text=label).first
    return int(box.locator("[data-testid=stMetricValue]").inner_text().replace(",", ""))


def check_tables(page, name: str) -> int:
    """Every table of the page as a person reads it (the grid's accessible cells): no
    header with an underscore, no cell of JSON, every member a link to their page.
    Returns how many member cells it checked."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid=stDataFrame]')]
            .every(grid => grid.querySelector('[role=columnheader]') !== null)""",
        timeout=60_000,
    )
    headers = page.locator("[data-testid=stDataFrame] [role=columnheader]").all_inner_texts()
    assert not [h for h in headers if "_" in h], (name, headers)
    members = 0
    for table in page.locator("[data-testid=stDataFrame]").all():
        columns = table.locator("[role=columnheader]").all_inner_texts()
        cells = table.locator("[role=gridcell]").all_inner_texts()
        assert not [c for c in cells if c.lstrip().startswith("{")], name
        if "Member" in columns and columns:
            column = columns.index("Member")
            names = cells[column :: len(columns)]
            assert names and all(c.startswith("Members?member=m_") for c in names), name
            members += len(names)
    return members


def legend_colors(page, expected: set[str]) -> dict[str, str]:
    """Each chart legend's entries and their colours, on the page as drawn, once the
    ``expected`` entries are drawn (Plotly draws after the page has run)."""
    page.wait_for_function(
        """(names) => names.every(name => [...document.querySelectorAll('.legend .legendtext')]
            .some(text => text.textContent === name))""",
        arg=sorted(expected),
        timeout=60_000,
    )
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.legend .traces')].map(
            t => [t.querySelector('.legendtext').textContent,
                  getComputedStyle(t.querySelector('.legendpoints path')).fill !== 'none'
                    ? getComputedStyle(t.querySelector('.legendpoints path')).fill
                    : getComputedStyle(t.querySelector('.legendpoints path')).stroke]))"""
    )


def test_clicking_through_every_page(synced, browser, tmp_path):
    process, url = serve(synced["config"].path)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(url)
        settle(page)
        shots = tmp_path / "screenshots"
        shots.mkdir()
        page.screenshot(path=shots / "overview.png", full_page=True)
        assert page.locator("h1").first.inner_text() == "Test community"
        assert metric(page, "Active members") > 0
        members = 0
        # A source has one colour: on the Overview with every source, and on
        # Responsiveness with two sources and another window (filters from the address).
        everything = legend_colors(page, {"GitHub", "Slack"})
        page.goto(f"{url}/Responsiveness?window=30&source=slack&source=github")
        page.get_by_text("Still waiting for a first response").wait_for(timeout=60_000)
        settle(page)
        narrowed = legend_colors(page, {"GitHub", "Slack"})
        assert set(narrowed) == {"Slack", "GitHub"}
        assert {k: everything[k] for k in narrowed} == narrowed
        page.goto(url)
        settle(page)
        for name in PAGES:
            page.locator("[data-testid=stSidebarNav] a").filter(has_text=name).first.click()
            settle(page)
            assert page.locator("[data-testid=stException]").count() == 0, name
            assert page.locator("h1").first.inner_text() == name
            main = page.locator("[data-testid=stMain] [data-testid=stCaptionContainer]")
            assert "synced" in main.first.inner_text()
            members += check_tables(page, name)
            page.screenshot(path=shots / f"{name.lower().replace(' ', '-')}.png", full_page=True)
        assert members > 0
        # A member's page, opened from the leaderboard's first row.
        page.locator("[data-testid=stSidebarNav] a").filter(has_text="Members").first.click()
        settle(page)
        page.locator("[data-testid=stDataFrame]").first.click(position={"x": 20, "y": 55})
        # The selection reruns the page with ?member=…; wait for the member's page.
        page.get_by_text("Why the score is what it is").wait_for(timeout=60_000)
        settle(page)
        assert "member=" in page.url
        assert page.get_by_text("Why the score is what it is").count() == 1
        page.screenshot(path=shots / "member.png", full_page=True)
        assert sorted(p.name for p in shots.iterdir()) == sorted(
            ["overview.png", "member.png", *(f"{n.lower().replace(' ', '-')}.png" for n in PAGES)]
        )
        assert all(p.stat().st_size > 10_000 for p in shots.iterdir())
    finally:
        process.kill()


def attendance(rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["event,date,location,name,email,role"]
    lines += [f"{event},{day},Berlin,{name},,{role}" for event, day, name, role in rows]
    return "\n".join(lines) + "\n"


def test_a_sync_while_serving_then_the_new_data(tmp_path, browser):
    """Events only (no API): a first sync publishes; with the dashboard serving, a second
    sync lands ten more attendances; the page keeps working throughout and then shows
    them."""
    from pipelines.orchestration.execute import run_job

    (tmp_path / "events").mkdir()
    today = clock.today()
    day = (today - timedelta(days=3)).isoformat()
    (tmp_path / "events" / "first.csv").write_text(
        attendance([("Meetup 1", day, f"Person {n}", "attendee") for n in range(5)])
    )
    config = tmp_path / "acacia.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "community_name": "Live",
                "storage": {"data_dir": "data"},
                "sources": {"events": {"folder": "events"}},
            }
        )
    )
    assert run_job(config, "nightly_sync", ephemeral=True).success
    process, url = serve(config)
    try:
        page = browser.new_page()
        page.goto(url)
        settle(page)
        before = metric(page, "Activities")
        assert before == 5

        later = (today - timedelta(days=1)).isoformat()
        (tmp_path / "events" / "second.csv").write_text(
            attendance([("Meetup 2", later, f"Person {n}", "attendee") for n in range(10)])
        )
        outcome: dict[str, object] = {}
        worker = threading.Thread(
            target=lambda: outcome.update(
                result=run_job(config, "nightly_sync", ephemeral=True).success
            )
        )
        worker.start()
        loads = 0
        while worker.is_alive():  # the dashboard keeps answering during the sync
            page.reload()
            settle(page)
            assert page.locator("[data-testid=stException]").count() == 0
            assert metric(page, "Activities") in (before, before + 10)
            loads += 1
        worker.join()
        assert outcome["result"] is True and loads > 0
        page.reload()
        settle(page)
        assert metric(page, "Activities") == before + 10
    finally:
        process.kill()


def test_a_hostile_query_parameter_is_shown_as_text(synced, browser):
    """The real renderer (Streamlit's, in Chromium): a Markdown link and image in the
    organization parameter become a heading of exactly those characters, no link, no
    image, no request to the other site."""
    from urllib.parse import quote, urlparse

    hostile = "[Log in again](https://evil.example/login) ![x](https://evil.example/p.png) :red[x]"
    process, url = serve(synced["config"].path)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{url}/Organizations?organization={quote(hostile)}")
        settle(page)
        heading = page.locator("[data-testid=stMain] h2").first
        # As written (an invisible word joiner keeps the address from becoming a link).
        assert heading.inner_text().replace("\u2060", "") == hostile
        found = page.locator('a[href*="evil"]:not([href^="#"]), img[src*="evil"]')
        assert found.count() == 0, found.first.evaluate("e => e.outerHTML")
        assert not [r for r in requested if urlparse(r).hostname == "evil.example"]
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_merge_and_a_note_clicked_in_the_browser(synced, browser, tmp_path):
    """Accept a suggestion on the Suggestions page and see the two accounts become one
    member; then write a note on that member's page and see it there."""
    import duckdb

    from connectors.core.config import load_config
    from pipelines.storage.snapshot import current_snapshot
    from tests.conftest import copy_workspace

    path = copy_workspace(synced, tmp_path)
    serving = load_config(path).storage.serving()

    def rows(sql: str) -> list[tuple]:
        with duckdb.connect(str(current_snapshot(serving)), read_only=True) as con:
            return con.execute(sql).fetchall()

    sid, a, b = rows(
        "select suggestion_id, identity_a, identity_b from identity_suggestions "
        "where decision = 'review' order by score desc, suggestion_id limit 1"
    )[0]
    process, url = serve(path)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(f"{url}/Suggestions")
        settle(page)
        name = page.get_by_label("Your name (recorded with every change you make)")
        name.fill("Ada")
        name.press("Enter")
        settle(page)
        page.locator(f".st-key-accept_{sid} button").click()
        settle(page)
        page.get_by_text("recorded by Ada").wait_for(timeout=30_000)
        page.get_by_text("Applying the decisions").wait_for(timeout=30_000)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            members = dict(rows("select identity_key, member_id from identities"))
            if members[a] == members[b]:
                break
            time.sleep(0.5)
        assert members[a] == members[b], "the accepted merge never showed"
        # The page reloads by itself once published: the suggestion has left the queue.
        page.locator(f".st-key-accept_{sid}").wait_for(state="detached", timeout=30_000)
        assert page.get_by_text("Applying the decisions").count() == 0
        page.screenshot(path=tmp_path / "suggestions.png", full_page=True)

        page.goto(f"{url}/Members?member={members[a]}")
        settle(page)
        name = page.get_by_label("Your name (recorded with every change you make)")
        name.fill("Ada")
        name.press("Enter")
        settle(page)
        page.get_by_label("Add a note").fill("Met at the Lisbon summit; wants to mentor.")
        page.locator(".st-key-save_note button").click()
        settle(page)
        page.get_by_test_id("stText").get_by_text(
            "Met at the Lisbon summit; wants to mentor."
        ).wait_for(timeout=30_000)
        assert page.locator("[data-testid=stException]").count() == 0
        page.screenshot(path=tmp_path / "member-note.png", full_page=True)
    finally:
        process.kill()


def test_checking_someone_in_at_the_door_shows_in_the_events_figures(synced, browser, tmp_path):
    """On the Check-in page: a walk-in typed at the door, checked in, listed at once;
    "Update the figures now" builds, and the event's page counts them as an attendee
    and a first-timer. The report's HTML from that page holds no script."""
    import duckdb

    from connectors.core.config import load_config
    from connectors.core.records import event_id
    from pipelines.storage.snapshot import current_snapshot
    from sample.events_data import draw
    from tests.conftest import copy_workspace, small_community

    path = copy_workspace(synced, tmp_path)
    serving = load_config(path).storage.serving()
    event = draw(small_community()).upcoming[0]
    key = event_id(event.name, event.day.isoformat())

    def attendees() -> tuple[int, int]:
        with duckdb.connect(str(current_snapshot(serving)), read_only=True) as con:
            found = con.execute(
                "select attendees, first_timers from events where event_id = ?", [key]
            ).fetchall()
        return found[0] if found else (0, 0)

    assert attendees() == (0, 0)
    process, url = serve(path)
    try:
        page = browser.new_page(viewport={"width": 1300, "height": 1400})
        page.goto(f"{url}/Check_in")
        settle(page)
        # Today's event is the one chosen at first: the check-in counts there (below).
        page.get_by_label("Name", exact=True).fill("Ngozi <b>Walk-in</b>")
        page.get_by_label("Name", exact=True).press("Enter")
        settle(page)
        page.get_by_label("Email", exact=True).fill("ngozi.walkin@example.org")
        page.get_by_label("Email", exact=True).press("Enter")
        settle(page)
        page.get_by_text("yes", exact=True).click()
        page.get_by_text("First time at one of our events?").click()
        settle(page)
        page.get_by_role("button", name="Check in").click()
        settle(page)
        page.get_by_text("Checked in Ngozi").wait_for(timeout=30_000)
        page.get_by_text("Checked in so far: 1").wait_for(timeout=30_000)
        page.screenshot(path=tmp_path / "check-in.png", full_page=True)
        page.get_by_role("button", name="Update the figures now").click()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and attendees() == (0, 0):
            time.sleep(0.5)
        assert attendees() == (1, 1), "the check-in never showed in the event's figures"

        page.goto(f"{url}/Events?event={key}")
        settle(page)
        assert metric(page, "Attendees") == 1 and metric(page, "First-timers") == 1
        with page.expect_download() as download:
            page.get_by_role("button", name="Report (HTML)").click()
        report = Path(download.value.path()).read_text()
        assert "Ngozi &lt;b&gt;Walk-in&lt;/b&gt;" in report and "<b>Walk-in" not in report
        assert "<script" not in report
        assert page.locator("[data-testid=stException]").count() == 0
        page.screenshot(path=tmp_path / "event.png", full_page=True)
    finally:
        process.kill()
