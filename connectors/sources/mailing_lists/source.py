"""Mailing lists as a source: its settings, activity types, and how to build and check
it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, field_validator, model_validator

from connectors.core.fetch import fetch_settings
from connectors.core.source import (
    ActivityType,
    ApiSourceSettings,
    Connector,
    Landed,
    Secrets,
    SourceDefinition,
    Strict,
    check_url,
)
from connectors.sources.mailing_lists.client import ArchiveClient
from connectors.sources.mailing_lists.connector import (
    GROUPSIO_API,
    ArchiveList,
    MailingListConnector,
)

KINDS = ("mbox", "pipermail", "hyperkitty", "groupsio")


class MailingList(Strict):
    """One list: the name it is shown by, and its archive, one of ``mbox`` (a file's
    path, relative to acacia.yml, or URL; gzipped or not), ``pipermail`` (Mailman 2's
    archive page, ``…/pipermail/<list>/``), ``hyperkitty`` (Mailman 3's list page,
    ``…/hyperkitty/list/<list>@<host>/``) or ``groupsio`` (a Groups.io group's name, as
    in ``groups.io/g/<name>``; needs the token)."""

    name: str = Field(min_length=1)
    mbox: str | None = None
    pipermail: str | None = None
    hyperkitty: str | None = None
    groupsio: str | None = Field(None, pattern=r"^[A-Za-z0-9_.+-]+$")

    @model_validator(mode="after")
    def _one_archive(self) -> MailingList:
        given = [k for k in KINDS if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                f"list {self.name!r}: give exactly one of mbox, pipermail, hyperkitty or "
                "groupsio "
                f"(got {', '.join(given) or 'none'})"
            )
        for key in ("pipermail", "hyperkitty"):
            value = getattr(self, key)
            if value and not value.startswith(("http://", "https://")):
                raise ValueError(f"list {self.name!r}: {key} must be the archive's https:// URL")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in KINDS if getattr(self, k))

    def archive(self) -> ArchiveList:
        return ArchiveList(self.name, self.kind, getattr(self, self.kind))  # type: ignore[arg-type]


class MailingListsSource(ApiSourceSettings):
    """sources.mailing_lists: the lists to read, each by its archive."""

    lists: list[MailingList] = Field(min_length=1)
    backfill_days: int = Field(365, ge=1)
    #: Keep what each message says (without what it quotes): the themes read it.
    store_bodies: bool = False
    #: The variable holding a Groups.io API token (only Groups.io groups need one).
    token_env: str = "GROUPSIO_TOKEN"
    groupsio_url: str = GROUPSIO_API

    _http = field_validator("groupsio_url")(lambda cls, v: check_url(v))

    secret_key: ClassVar[str | None] = "token_env"
    secret_required: ClassVar[bool] = False  # archives are public pages

    def relative_to(self, folder: Path) -> Any:
        """An mbox given by path is relative to acacia.yml."""
        lists = [
            each.model_copy(update={"mbox": str((folder / each.mbox).resolve())})
            if each.mbox
            and not each.mbox.startswith(("http://", "https://"))
            and not Path(each.mbox).is_absolute()
            else each
            for each in self.lists
        ]
        return self.model_copy(update={"lists": lists}) if lists != self.lists else self


def client(settings: MailingListsSource, **overrides: Any) -> ArchiveClient:
    return ArchiveClient(fetch_settings(settings, **overrides))


def build(settings: MailingListsSource, secrets: Secrets, landed: Landed) -> Connector:
    return MailingListConnector(
        client(settings),
        [each.archive() for each in settings.lists],
        backfill_days=settings.backfill_days,
        store_bodies=settings.store_bodies,
        token=secrets.token,
        groupsio_api=settings.groupsio_url,
    )


def check(settings: MailingListsSource, secrets: Secrets) -> str:
    """One request per list: its archive answers (a file exists, a page lists months,
    an export is served)."""
    connector = MailingListConnector(
        client(settings, retries=1),
        [],
        backfill_days=1,
        token=secrets.token,
        groupsio_api=settings.groupsio_url,
    )
    return "; ".join(connector.probe(each.archive()) for each in settings.lists)


SOURCE = SourceDefinition(
    name="mailing_lists",
    label="Mailing list",
    color="#999933",
    description="Messages of the lists' archives: new threads and replies.",
    settings=MailingListsSource,
    activity_types=(
        ActivityType(
            "list_thread_started",
            "conversation",
            2,
            "opens",
            "mailing-list thread",
            label="List thread",
            family="Discussions",
        ),
        ActivityType(
            "list_reply",
            "conversation",
            1,
            "replies",
            label="List reply",
            family="Discussions",
        ),
    ),
    build=build,
    check=check,
    profile_rank=7,
    username_is="name",
)
