"""The one clock: what "now" is for Acacia.

Everything that depends on the date asks here, and nowhere else: the models' as-of day
(the day every window and decayed score ends on), each connector's backfill start, the
sample community's end, the monthly update's "last month", the freshness line and
checks, and the times a sync records. It is the real time (UTC) unless ``ACACIA_NOW``
pins it::

    ACACIA_NOW=2024-02-29T23:55:00Z acacia rebuild     # the figures as of that instant
    ACACIA_NOW=2024-02-29 make test                    # the whole suite on a leap day

A pinned clock does not move: every call returns the same instant, in every process
that inherits the variable (Dagster, dbt, the dashboard, the fake APIs), so a run that
starts at 23:55 still computes the same day at 00:05. It lives at the bottom of the
package tree (plain Python, no dependencies) so that connectors, pipelines and the
dashboard all read the same one.

What is *not* on this clock: durations and waits (retries, rate-limit resets, timeouts),
which are real seconds, and the order of fetches in the landing zone (``fetched_at``),
which records when a response really arrived so that the latest fetch of an item wins
even when the clock is pinned.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

NOW_ENV = "ACACIA_NOW"


class ClockError(ValueError):
    """``ACACIA_NOW`` holds something that is not an instant."""


def utc(value: str | datetime | None) -> datetime | None:
    """An ISO 8601 instant as an aware UTC datetime: ``2024-02-29T23:55:00Z``,
    ``2024-02-29T23:55+01:00`` or a bare date (midnight UTC); a time without a zone is
    UTC. None for None or an empty text; ValueError for anything else. The one parser of
    instants: the sources' timestamps and ``ACACIA_NOW`` alike."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    text = value.strip()
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_instant(text: str) -> datetime:
    """``ACACIA_NOW``'s instant (:func:`utc`), or a ClockError that says how to write it."""
    try:
        moment = utc(text)
    except ValueError:
        moment = None
    if moment is None:
        raise ClockError(
            f"{NOW_ENV}={text!r} is not an instant. Fix: use ISO 8601, e.g. "
            f"{NOW_ENV}=2024-02-29T23:55:00Z or {NOW_ENV}=2024-02-29, or unset it for the "
            "real time."
        )
    return moment


def pinned() -> datetime | None:
    """The pinned instant, or None when the clock is the real time."""
    text = os.environ.get(NOW_ENV, "").strip()
    return parse_instant(text) if text else None


def now() -> datetime:
    """Now, in UTC: the pinned instant, else the real time."""
    return pinned() or datetime.now(UTC)


def today() -> date:
    """Today's date in UTC, the day Acacia's windows end on."""
    return now().date()


def arrival_time() -> datetime:
    """The real time a response arrived, whatever the pin: it orders the fetches of the
    landing zone (the latest fetch of an item wins) and dates a profile's last refresh.
    Never use it for a date a figure depends on."""
    return datetime.now(UTC)
