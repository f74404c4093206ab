"""The sample community's event attendance, as the demo's CSV files (no API)."""

from __future__ import annotations

from sample.base import DemoSource
from sample.events_data import check_in_everyone, write_event_files

DEMO = DemoSource(
    settings=lambda url: {"folder": "events"},
    prepare=lambda community, folder: write_event_files(community, folder / "events"),
    land=check_in_everyone,
)
