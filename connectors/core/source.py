"""What a source declares about itself, in its own package
(``connectors/sources/<name>/source.py``).

Each source package holds everything about its source: the connector, its settings
model (the ``sources.<name>`` section of acacia.yml), its activity types with their
category and default weight, its display label, how to build the connector and how to
check its credentials. :mod:`connectors.core.registry` finds every package that declares a
``SOURCE`` and derives the rest from it: the configuration's ``sources`` section, the
default weights and categories, the Dagster ingest assets, ``acacia check``, and the
contract the dbt models receive (their variables). docs/new-source.md walks through
adding one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from connectors.core.errors import SourceError

if TYPE_CHECKING:
    from connectors.core.batch import Batch

#: An activity type's family: a contribution, or a conversation.
Category = Literal["contribution", "conversation"]

#: The families activity types are grouped in wherever they are shown (the dashboard's
#: charts, the monthly update), in the order they are shown: a handful a person can read
#: at a glance, the same whatever the filters. Each type names its family.
FAMILIES = (
    "Code",
    "Issues",
    "Questions and answers",
    "Discussions",
    "Chat",
    "Events",
    "Stars",
)


@dataclass(frozen=True)
class ActivityType:
    """One kind of activity a source lands: its name (unique across sources), whether it
    counts as a contribution or a conversation, and its default weight in points. A team
    overrides both in acacia.yml (``weights``, ``categories``). ``label`` is how it reads
    to a person and ``family`` the group it is shown in (one of FAMILIES)."""

    name: str
    category: Category
    weight: float
    #: What it is in a conversation, for the response times: it opens an item someone
    #: should answer (``item`` names it: "issue", "question"), opens one only once
    #: someone replied in its thread (a chat message), or it is a reply.
    thread: Literal["opens", "opens_if_replied", "replies"] | None = None
    item: str | None = None
    label: str = ""
    family: str = ""
    #: An answer of the actor's accepted (a Stack Exchange accepted answer, a forum's
    #: solution): counted as helping others (the ambassadors' "accepted answers").
    accepted_answer: bool = False

    def __post_init__(self) -> None:
        if not self.label or self.family not in FAMILIES:
            raise ValueError(
                f"activity type {self.name!r}: give it a label and one of the families "
                f"{', '.join(FAMILIES)} (connectors/core/source.py FAMILIES)"
            )


#: Chat, as every chat platform has it (Slack, Discord): a message, which opens a thread
#: once someone answers it, and a reply. One definition, so that a team's weights and
#: categories for chat apply on every platform.
CHAT_MESSAGE = ActivityType(
    "message",
    "conversation",
    0.5,
    "opens_if_replied",
    "chat thread",
    label="Chat message",
    family="Chat",
)
CHAT_REPLY = ActivityType(
    "thread_reply", "conversation", 1, "replies", label="Chat thread reply", family="Chat"
)


#: Attendance, as every source of events records it (the events folder's CSV files,
#: Meetup): who came to an event, spoke at it, or organized it. One definition, so that
#: every source's attendance counts alike and lands in the events' marts (a source that
#: declares these is an attendance source: models/models/staging/stg_event_attendance).
EVENT_ATTENDED = ActivityType(
    "event_attended", "conversation", 3, label="Attended an event", family="Events"
)
EVENT_SPOKE = ActivityType(
    "event_spoke", "contribution", 10, label="Spoke at an event", family="Events"
)
EVENT_ORGANIZED = ActivityType(
    "event_organized", "contribution", 12, label="Organized an event", family="Events"
)
ATTENDANCE = (EVENT_ATTENDED, EVENT_SPOKE, EVENT_ORGANIZED)


class Connector(Protocol):
    """What a source's build function returns: batches of records with their cursors."""

    problems: list[SourceError]

    def sync(self, state: dict[str, dict[str, Any]]) -> Iterator[Batch]: ...

    @property
    def requests(self) -> int: ...


class Landed(Protocol):
    """What a connector may ask of what its source has landed already (the landing zone
    answers; connectors never open it themselves)."""

    def known_users(self, source: str) -> set[str]: ...

    def known_profiles(self, source: str, fetched_after: Any) -> set[str]: ...

    def actors_without_profile(self, source: str) -> set[str]: ...


@dataclass(frozen=True)
class Secrets:
    """What a source needs from the environment: its secret, and a client id for some."""

    token: str = ""
    client_id: str = ""

    def __repr__(self) -> str:  # never print a secret
        return "Secrets(***)"


def check_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{value!r} must start with https:// (or http:// for a local server)")
    return value


class Strict(BaseModel):
    """A section of acacia.yml: unknown keys are errors (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSettings(Strict):
    """What every source's settings have: a switch and the environment variables of its
    secrets."""

    enabled: bool = True
    #: The key that names the environment variable holding the source's secret (None:
    #: the source needs none).
    secret_key: ClassVar[str | None] = "token_env"
    #: Whether the sync can go on without that secret.
    secret_required: ClassVar[bool] = True
    #: Other keys naming environment variables the source needs (e.g. a client id).
    other_env_keys: ClassVar[tuple[str, ...]] = ()
    #: Keys holding paths, relative to the config file when not absolute.
    path_keys: ClassVar[tuple[str, ...]] = ()
    #: (client id key, secret key) of an HTTP Basic pair, redacted in its encoded form too.
    basic_auth_keys: ClassVar[tuple[str, str] | None] = None

    @property
    def secret_env(self) -> str | None:
        return getattr(self, self.secret_key) if self.secret_key else None

    def relative_to(self, folder: Path) -> Any:
        """These settings with their paths (``path_keys``) made absolute from ``folder``
        (the config file's); themselves when there is nothing to resolve. A source whose
        paths sit deeper (a list of archives) extends it."""
        paths = {
            key: (folder / getattr(self, key)).resolve()
            for key in self.path_keys
            if not getattr(self, key).is_absolute()
        }
        return self.model_copy(update=paths) if paths else self


class ApiSourceSettings(SourceSettings):
    """A source read over HTTP: how patient to be with its API (a slow self-hosted forum
    may need more)."""

    #: Seconds to wait for a connection or an answer before the request counts as failed.
    request_timeout_seconds: float = Field(30, gt=0)
    #: How often a failed request (connection, timeout, 5xx, malformed body) is retried
    #: within one sync attempt, waiting retry_backoff_seconds, doubling each time.
    request_retries: int = Field(3, ge=0, le=10)
    retry_backoff_seconds: float = Field(1, ge=0)
    #: The longest wait for a rate limit's reset (seconds); past it the sync stops
    #: cleanly and goes on from its cursor at the next run.
    max_rate_limit_wait: float = Field(900, ge=0)

    @classmethod
    def default(cls, name: str) -> Any:
        """A setting's default, for the clients' own settings (one definition: here)."""
        return cls.model_fields[name].default


def patience(settings: ApiSourceSettings, **overrides: Any) -> dict[str, Any]:
    """A source's request timeout and retries, as its client's settings name them."""
    return {
        "timeout": settings.request_timeout_seconds,
        "retries": settings.request_retries,
        "backoff": settings.retry_backoff_seconds,
        **overrides,
    }


@dataclass(frozen=True)
class SourceDefinition:
    """Everything the rest of Acacia needs to know about one source."""

    name: str  # the key under ``sources:`` and in the landing zone
    label: str  # how it reads to a person (dashboard, exports, the Slack update)
    description: str  # what its sync lands (the Dagster asset's description)
    settings: type[SourceSettings]
    activity_types: tuple[ActivityType, ...]
    build: Callable[[Any, Secrets, Landed], Connector]
    #: Checks the credentials without syncing; returns a line for a person to read.
    check: Callable[[Any, Secrets], str]
    #: Whose profile wins when a member has accounts in several sources (name, avatar):
    #: the lowest rank.
    profile_rank: int = 50
    #: Its colour in the dashboard's charts (a hex colour). The six sources take the
    #: Okabe–Ito palette, told apart by people with any of the common colour-vision
    #: deficiencies; a source without one is drawn grey.
    color: str | None = None
    #: What its identities' ``username`` is to identity resolution: ``"handle"``, an
    #: account name people reuse elsewhere, or ``"name"``, a display name (Stack
    #: Exchange's, an event row's).
    username_is: str = "handle"
    #: Whether one person has at most one identity here. False for a source whose
    #: identities are rows (an attendee with an email in one file and none in another):
    #: resolution then may merge two of its identities.
    one_identity_per_person: bool = True
    #: An email address that stands for an account's login here (GitHub's noreply
    #: address, ``12345+login@users.noreply.github.com``): a regular expression whose
    #: first group is the login. Identity resolution then joins an identity with that
    #: address to the account with that login, as it joins a shared email.
    login_address: str | None = None
    #: A link to an account here in someone's profile (``github.com/<login>``): a regular
    #: expression (case does not matter) whose first group is the account's username or
    #: id. A profile linking to it suggests the two accounts are one person.
    profile_link: str | None = None
    #: The id deleted accounts land as (GitHub's ghost, Reddit's ``[deleted]``): an
    #: identity that is nobody, never matched with anyone.
    ghost_id: str | None = None
