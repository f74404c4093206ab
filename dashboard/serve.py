"""Serving the dashboard (``acacia dashboard``, the demo, the browser test and the page
speed benchmark all start it this way): Streamlit's documented embedding, ``st.App``,
over the entry point dashboard/app.py.

Streamlit runs a page's code only when someone opens it, so the first visitor after a
start used to pay for loading the dashboard's code, drawing the first figure and opening
the published snapshot: the Overview's first visit took 4.9 s at ten million activities
against about 2.2 s for the other pages' (tests/benchmarks/page_speed.py). Here the
server's start-up (``st.App``'s lifespan) does that before it serves (:func:`warm`).
Warming is best effort: a workspace with nothing published yet, or anything else that
fails, is served all the same, and the page says what is wrong.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

APP = Path(__file__).resolve().parent / "app.py"

log = logging.getLogger("acacia.dashboard")


def command(port: int, address: str = "127.0.0.1") -> list[str]:
    """The command that serves the dashboard on ``address:port`` (the configuration is
    named by $ACACIA_CONFIG)."""
    return [sys.executable, "-m", "dashboard.serve", "--port", str(port), "--address", address]


def warm() -> Path | None:
    """Load what every page loads, draw a figure, and open the published snapshot (the
    dashboard's shared connection, dashboard/data.py) and read its catalogue. Returns
    the snapshot opened, None when there is none or warming failed."""
    try:
        import plotly.graph_objects as go

        from connectors.core.config import load_config
        from dashboard import charts, data, page, vocabulary  # noqa: F401
        from pipelines.storage.snapshot import as_of_date, current_snapshot

        go.Figure(go.Bar(x=[1], y=[1])).to_json()
        snapshot = current_snapshot(load_config().storage.serving())
        if snapshot is None:
            return None
        cursor = data.connection(str(snapshot)).cursor()
        try:
            as_of_date(cursor)
            cursor.execute("select count(*) from duckdb_columns()").fetchall()
        finally:
            cursor.close()
        return snapshot
    except Exception as error:  # never a reason not to serve
        log.warning("The dashboard starts without warming up: %s", error)
        return None


@asynccontextmanager
async def warming(app: Any) -> AsyncIterator[None]:
    """``st.App``'s lifespan: warm before the first request is served."""
    warm()
    yield


def main(arguments: list[str]) -> None:
    """Serve the dashboard on ``--address:--port`` until stopped."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.serve")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="127.0.0.1")
    options = parser.parse_args(arguments)
    import streamlit as st

    st.App(APP, lifespan=warming).run(
        config={
            "server.port": options.port,
            "server.address": options.address,
            "server.headless": True,
            "browser.gatherUsageStats": False,
            "client.toolbarMode": "viewer",
        }
    )


if __name__ == "__main__":
    main(sys.argv[1:])
