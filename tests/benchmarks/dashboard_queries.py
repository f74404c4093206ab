"""Benchmark (not a test): each dashboard page's queries on a large community.

Runs the queries every page makes with the default filters (last 90 days, everything
included but bots), with staff left out, and with one source chosen (a view the marts do
not precompute: summed from member_day_facts), on a published snapshot, with the query
cache cleared, and prints each page's total. Target: at most 150 ms per page on the
10-million-activity synthetic community with the first two; the third shows what any
other filter costs. Run with
`python -m tests.benchmarks.dashboard_queries <acacia.yml>` on a workspace built by
`python -m tests.benchmarks.full_rebuild` (or any real one).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from connectors.core import figures
from connectors.core.config import load_config
from dashboard import data
from pipelines.storage.snapshot import current_snapshot


def pages(path: str, f: data.Filters, config) -> dict[str, list[Callable[[], object]]]:
    """The queries of each page, as the page calls them."""
    plain = data.Filters(*data.window(data.as_of(path), 90))

    def latest(cohort):
        """An Engagement list, then its members' latest activity (the list's links)."""
        return data.latest_items(path, tuple(cohort["member_id"]))

    board = figures.leaderboard(data.reader(path), f)
    member_id = board["member_id"].iloc[0] if not board.empty else "none"
    ranking = figures.partner_ranking(data.reader(path), f)
    top = ranking["organization"].head(8).tolist()
    return {
        "every page (filters, freshness)": [
            lambda: data.choices(path),
            lambda: data.published_at(path),
            lambda: data.sync_status(path),
        ],
        "Overview": [
            lambda: figures.headline(data.reader(path), f),
            lambda: figures.headline(data.reader(path), f.previous()),
            lambda: figures.trend(data.reader(path), f, "day", "source"),
            lambda: figures.new_and_returning(data.reader(path), f),
            lambda: figures.trend(data.reader(path), f, "week", "activity_type"),
        ],
        "Members (leaderboard)": [lambda: figures.leaderboard(data.reader(path), f)],
        "Members (a member)": [
            lambda: data.member(path, member_id),
            lambda: data.member_identities(path, member_id),
            lambda: data.score_breakdown(path, member_id),
            lambda: data.level_history(path, member_id, config),
            lambda: data.timeline(path, member_id),
        ],
        "Organizations": [
            lambda: figures.partner_ranking(data.reader(path), f),
            lambda: figures.organization_trend(data.reader(path), f, top),
        ],
        "Organizations (one)": [
            lambda: figures.organization_breakdown(data.reader(path), f, top[0] if top else ""),
            lambda: data.organization_members(path, f, top[0] if top else ""),
            lambda: figures.organization_trend(data.reader(path), f, top[:1]),
        ],
        "Engagement": [
            lambda: figures.level_funnel(data.reader(path), f),
            lambda: figures.level_movements(data.reader(path), f),
            *(
                (lambda flag=flag: latest(data.cohort(path, f, flag)))
                for flag in ("is_new", "is_first_contribution", "is_at_risk", "is_returning")
            ),
        ],
        "Responsiveness": [
            lambda: figures.response_headline(data.reader(path), f),
            lambda: figures.response_headline(data.reader(path), f.previous()),
            lambda: figures.response_times(data.reader(path), f),
            lambda: data.unanswered(path, f),
        ],
        "Channels and places": [
            lambda: figures.channels(data.reader(path), f),
            lambda: figures.places(data.reader(path), f),
        ],
        "Health": [
            lambda: figures.health(data.reader(path)),
            lambda: figures.response_headline(data.reader(path), plain),
            lambda: figures.response_headline(data.reader(path), plain.previous()),
        ],
        "Suggestions": [
            lambda: data.identity_suggestions(path),
            lambda: data.organization_suggestions(path),
        ],
    }


def main(config_path: str) -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    config = load_config(config_path)
    snapshot = current_snapshot(config.storage.serving())
    if snapshot is None:
        raise SystemExit(f"{config_path}: nothing published yet")
    path = str(snapshot)
    rows = data.query(path, "select count(*) as n from activities")["n"][0]
    start, end = data.window(data.as_of(path), 90)
    f = data.Filters(start, end)
    narrowed = replace(f, include_staff=False)
    source = data.query(path, "select min(source) as s from daily_activity")["s"][0]
    one_source = replace(f, sources=(source,))
    print(
        f"{rows:,} activities in {Path(path).name} (target: at most 150 ms per page, "
        f"with the default filters and with staff left out; then {source} only)"
    )
    print(f"  {'page':<34} {'queries':>10} {'default':>9} {'no staff':>9} {'1 source':>9}")
    for page, queries in pages(path, f, config).items():
        timings = []
        for runs in (
            queries,
            pages(path, narrowed, config)[page],
            pages(path, one_source, config)[page],
        ):
            data.query.clear()
            started = time.perf_counter()
            for run in runs:
                run()
            timings.append((time.perf_counter() - started) * 1000)
        print(f"  {page:<34} {len(queries):>10}" + "".join(f" {t:>6.0f} ms" for t in timings))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "acacia.yml")
