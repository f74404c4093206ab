"""Benchmark (not a test): how fast each dashboard page feels in a browser.

Serves the dashboard for a workspace (dashboard/serve.py, as ``acacia dashboard`` does),
then opens every page in headless Chromium (tests/chromium.py) and times it from
navigation until Streamlit has finished running the page (the app's
``data-test-script-state`` is ``notRunning`` with the page's title drawn): first the
first visit of each page (the server's caches empty for it, a new browser session),
then later visits, moving between pages from the sidebar in one browser as a person
does (the browser's and the server's caches warm). Prints one line per page.

Targets (issue 20), on this 2-core machine at 10 million activities: every page within
2 s on its first visit and 1 s after.

    python -m tests.benchmarks.page_speed <acacia.yml> [rounds]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

#: The pages, by the address Streamlit gives them, and their title.
PAGES = {
    "": "Overview",
    "Members": "Members",
    "Organizations": "Organizations",
    "Engagement": "Engagement",
    "Responsiveness": "Responsiveness",
    "Channels_and_places": "Channels and places",
    "Suggestions": "Suggestions",
    "Health": "Health",
}

FINISHED = """(title) => {
    const app = document.querySelector('[data-testid=stApp]');
    const heading = document.querySelector('h1');
    return app !== null && app.getAttribute('data-test-script-state') === 'notRunning'
        && heading !== null && heading.innerText.trim() === title
        && document.querySelector('[data-testid=stException]') === null;
}"""


def first_visit(browser, url: str) -> tuple[float, str]:
    """Seconds from opening ``url`` in a new browser (nothing cached) until the page has
    run, and the page's title."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    started = time.monotonic()
    page.goto(url)
    page.wait_for_selector("h1", timeout=120_000)
    title = page.locator("h1").first.inner_text().strip()
    page.wait_for_function(FINISHED, arg=title, timeout=120_000, polling=20)
    seconds = time.monotonic() - started
    context.close()
    return seconds, title


def main(config: Path, rounds: int = 3) -> None:
    from playwright.sync_api import sync_playwright

    from tests.chromium import install
    from tests.test_browser import serve

    process, url = serve(config)
    later: dict[str, list[float]] = {path: [] for path in PAGES}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=install(), args=["--no-sandbox", "--disable-gpu"]
            )
            first = {path: first_visit(browser, f"{url}/{path}") for path in PAGES}
            # Later visits: moving between pages in one browser, as a person does.
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(url)
            page.wait_for_function(FINISHED, arg=first[""][1], timeout=120_000, polling=20)
            for _ in range(rounds):
                for path, name in PAGES.items():
                    started = time.monotonic()
                    page.locator("[data-testid=stSidebarNav] a").filter(has_text=name).first.click()
                    page.wait_for_function(
                        FINISHED, arg=first[path][1], timeout=120_000, polling=20
                    )
                    later[path].append(time.monotonic() - started)
            browser.close()
    finally:
        process.kill()
    print(f"{config} (targets: first visit within 2 s, later visits within 1 s)")
    print(f"  {'page':<22} {'first visit':>12} {'later (median)':>15}")
    for path, name in PAGES.items():
        print(f"  {name:<22} {first[path][0]:>10.2f} s {statistics.median(later[path]):>13.2f} s")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 3)
