"""Serving the dashboard (``acacia dashboard``, the demo, the browser test and the page
speed benchmark all start it this way).

Streamlit runs a page's code only when someone opens it, so the first visitor after a
start used to pay for loading the dashboard's code, drawing the first figure and opening
the published snapshot: the Overview's first visit took 4.9 s at ten million activities
against about 2.2 s for the other pages' (tests/benchmarks/page_speed.py). Here the
server's process does that before it serves (:func:`warm`), then runs Streamlit as
``streamlit run`` would. Warming is best effort: a workspace with nothing published yet,
or anything else that fails, is served all the same, and the page says what is wrong.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "Overview.py"

log = logging.getLogger("acacia.dashboard")


def command(port: int, address: str = "127.0.0.1") -> list[str]:
    """The command that serves the dashboard on ``address:port`` (the configuration is
    named by $ACACIA_CONFIG)."""
    return [
        sys.executable,
        "-m",
        "dashboard.serve",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def warm() -> Path | None:
    """Load what every page loads, draw a figure, and open the published snapshot (the
    dashboard's shared connection, dashboard/data.py) and read its catalogue. Returns
    the snapshot opened, None when there is none or warming failed."""
    # Loading the pages' code before Streamlit's runtime exists makes its caches say so
    # ("No runtime found"): true, and nothing to act on.
    import streamlit.runtime.caching.cache_data_api  # noqa: F401  (its logger exists now)

    caching = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = caching.level
    caching.setLevel(logging.ERROR)
    try:
        import plotly.graph_objects as go

        from connectors.core.config import load_config
        from dashboard import charts, data, page, vocabulary  # noqa: F401
        from pipelines.storage.snapshot import as_of_date, current_snapshot

        go.Figure(go.Bar(x=[1], y=[1])).to_json()
        snapshot = current_snapshot(load_config().storage.serving())
        if snapshot is None:
            return None
        cursor = data._connection(str(snapshot)).cursor()
        try:
            as_of_date(cursor)
            cursor.execute("select count(*) from duckdb_columns()").fetchall()
        finally:
            cursor.close()
        return snapshot
    except Exception as error:  # never a reason not to serve
        log.warning("The dashboard starts without warming up: %s", error)
        return None
    finally:
        caching.setLevel(level)


def main(arguments: list[str]) -> None:
    """Warm, then ``streamlit run`` with ``arguments`` (the app and its options)."""
    warm()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *arguments]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main(sys.argv[1:])
