"""Meetup as a source: its settings, activity types (the events' attendance), and how to
build and check it."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from connectors.core.fetch import fetch_settings
from connectors.core.source import (
    ATTENDANCE,
    ApiSourceSettings,
    Connector,
    Landed,
    Secrets,
    SourceDefinition,
    check_url,
)
from connectors.sources.meetup.client import API, MeetupClient
from connectors.sources.meetup.connector import FORMER, MeetupConnector


class MeetupSource(ApiSourceSettings):
    """sources.meetup: which groups (by urlname, or a Pro network's), the token, and
    whether the attendees agreed to be named."""

    #: Groups' urlnames: the part after meetup.com/ in a group's address.
    groups: list[str] = Field(default_factory=list)
    #: A Meetup Pro network's urlname: every group of the network is read.
    pro_network: str | None = None
    #: The attendees agreed, on Meetup's side (the group's profile questions, its
    #: terms), to be named by the team. Off: counted, never named (hosts are named).
    attendees_named: bool = False
    token_env: str = "MEETUP_TOKEN"
    base_url: str = API
    backfill_days: int = Field(365, ge=1)
    #: How many days back each sync reads again (attendance marked late, late RSVPs).
    settle_days: int = Field(14, ge=0)

    _http = field_validator("base_url")(lambda cls, v: check_url(v))

    secret_key: ClassVar[str] = "token_env"

    @model_validator(mode="after")
    def _something_to_read(self) -> MeetupSource:
        if not self.groups and not self.pro_network:
            raise ValueError("give the groups to read (their urlnames), or a pro_network")
        return self


def connector(settings: MeetupSource, secrets: Secrets, **overrides) -> MeetupConnector:
    client = MeetupClient(
        secrets.token,
        settings.base_url,
        fetch_settings(settings, **overrides),
    )
    return MeetupConnector(
        client,
        settings.groups,
        pro_network=settings.pro_network,
        backfill_days=settings.backfill_days,
        settle_days=settings.settle_days,
        attendees_named=settings.attendees_named,
    )


def build(settings: MeetupSource, secrets: Secrets, landed: Landed) -> Connector:
    return connector(settings, secrets)


def check(settings: MeetupSource, secrets: Secrets) -> str:
    """Who the token is, and one request per group (a Pro network's list too)."""
    found = connector(settings, secrets, retries=1)
    groups = list(settings.groups)
    if settings.pro_network:
        groups += [g for g in found.network_groups() if g not in groups]
    return found.probe(groups)


SOURCE = SourceDefinition(
    name="meetup",
    label="Meetup",
    color="#882255",
    description="Meetup groups' events (into the event list) and their attendance.",
    settings=MeetupSource,
    activity_types=ATTENDANCE,
    build=build,
    check=check,
    profile_rank=9,
    username_is="name",
    ghost_id=FORMER,
    profile_link=r"meetup\.com/members/(\d+)",
)
