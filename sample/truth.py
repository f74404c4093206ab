"""Who is who in the sample community: the truth identity resolution is measured against.

Every account a fake API serves belongs to a person of the community (or to nobody: bots,
integrations, and the ghost that deleted accounts land as). ``true_people`` maps each
identity key, as the identities mart has it, to that person.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sample import events_data
from sample.community import Community


def true_people(community: Community, data: Mapping[str, Any]) -> dict[str, int]:
    """identity key (``<source>:<source_user_id>``) -> person key, for the sources in
    ``data`` (each source's drawn data, as its fake API serves it; the events are files
    drawn from the community itself)."""
    truth: dict[str, int] = {}
    for source, drawn in data.items():
        accounts = events_data.accounts(community) if source == "events" else drawn.accounts()
        truth.update({f"{source}:{uid}": person.key for uid, person in accounts.items()})
    return truth


def demo_truth(community: Community) -> dict[str, int]:
    """The truth of the demo: its fake APIs' data, drawn in the demo's order (the sources
    draw in turn from the community's one random generator)."""
    from pipelines.cli.demo import demo_sources

    data = {
        name: demo.api(community).data if demo.api is not None else None
        for name, demo in demo_sources().items()
    }
    return true_people(community, data)
