"""Health: how concentrated the community's work is, how fast it answers, and how much
of it comes from outside the staff (CHAOSS metrics, linked to their definitions)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from connectors.core import figures
from dashboard import charts, data, page

CHAOSS = "https://chaoss.community/kb/metric-{}/"
DEFINITIONS = {
    "Contributor absence factor": CHAOSS.format("contributor-absence-factor"),
    "Elephant factor": CHAOSS.format("elephant-factor"),
    "Time to first response": CHAOSS.format("time-to-first-response"),
    "Organizational diversity": CHAOSS.format("organizational-diversity"),
}


def known(figure) -> float | None:
    """A mart's figure, or None where it has none (no contributions in the window:
    NULL, read as NaN or pandas' NA)."""
    return None if pd.isna(figure) else float(figure)


def count_delta(now: float | None, before: float | None) -> str | None:
    """A factor's change, in people or organizations (a factor is a count)."""
    if now is None or before is None or now == before:
        return None
    return f"{now - before:+.0f}"


def main() -> None:
    p = page.current()
    windows = figures.health(p.read)
    latest, previous = windows.iloc[-1], windows.iloc[-2]
    start, end = latest["window_start"], latest["window_end"]
    st.caption(
        f"The last 90 days ({start:%d %b %Y} – {end:%d %b %Y}) against the 90 days before, "
        "over the whole community with bots left out (the sidebar's filters do not apply "
        "here). Definitions (CHAOSS): "
        + " · ".join(f"[{name}]({url})" for name, url in DEFINITIONS.items())
    )
    one, two, three = st.columns(3)
    for column, key, label, help_text in (
        (
            one,
            "contributor_absence_factor",
            "Contributor absence factor",
            "The fewest people who made half of the contributions: the higher, the less "
            "the community depends on a few people.",
        ),
        (
            two,
            "elephant_factor",
            "Elephant factor",
            "The fewest organizations whose members made half of the affiliated "
            "contributions: the higher, the less the community depends on one company.",
        ),
    ):
        now = known(latest[key])
        column.metric(
            label,
            "—" if now is None else f"{now:.0f}",
            count_delta(now, known(previous[key])),
            help=help_text,
        )
    share = known(latest["outside_staff_share"])
    three.metric(
        "Contributions from outside the staff",
        "—" if share is None else f"{share:.0%}",
        page.share_delta(share, known(previous["outside_staff_share"])),
        help="Contributions by people who are neither staff nor with the staff "
        "organization (organizations.yml `staff: true`).",
    )
    st.plotly_chart(charts.health_factors(windows), width="stretch")

    st.subheader("Time to first response")
    page.response_metrics(p.read, data.Filters(*data.window(data.as_of(p.path), 90)), st.columns(3))
    st.caption("Items opened in the last 90 days, against the 90 days before (see Responsiveness).")
    shown = windows.drop(columns="windows_ago").assign(
        outside_staff_share=(windows["outside_staff_share"] * 100).round(0)
    )
    page.table(shown.rename(columns={"outside_staff_share": "Outside the staff, %"}), "health")


main()
