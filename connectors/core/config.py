"""The one configuration file (acacia.yml), validated at start.

The path comes from ``ACACIA_CONFIG`` (default ``acacia.yml`` in the working directory).
Secrets never live in it: a source names the environment variable that holds its token,
and the value comes from the environment or a ``.env`` file beside the config. Every
error names the file, the key and the fix.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from dotenv import load_dotenv
from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from connectors.core import redact, registry
from connectors.core.folders import Folder
from connectors.core.source import Category, Strict

CONFIG_ENV = "ACACIA_CONFIG"
DEFAULT_CONFIG = "acacia.yml"

#: Default points per activity type, as each source declares them (connectors/sources/<source>/
#: source.py; DESIGN.md, Scoring). Organizing or speaking at an event and a merged pull
#: request weigh most; a chat message or a star least.
DEFAULT_WEIGHTS: dict[str, float] = {k.name: k.weight for k in registry.activity_types().values()}
#: Whether each type is a contribution or a conversation, by default.
DEFAULT_CATEGORIES: dict[str, Category] = {
    k.name: k.category for k in registry.activity_types().values()
}


def tag_name(tag: str) -> str:
    """A tag as Acacia keeps it: short lowercase words joined by hyphens (' Good First
    Timer ' -> 'good-first-timer'); ValueError when empty or over 40 characters."""
    cleaned = "-".join(tag.strip().lower().split())
    if not cleaned or len(cleaned) > 40:
        raise ValueError("A tag is a word or two, at most 40 characters.")
    return cleaned


class ConfigError(Exception):
    """The configuration is invalid or a secret is missing; the message says how to fix it."""


def _sources_model() -> type[BaseModel]:
    """The ``sources`` section: one optional key per registered source, with its own
    settings model (connectors/sources/<source>/source.py)."""
    fields: dict[str, Any] = {
        name: (definition.settings | None, None) for name, definition in registry.sources().items()
    }
    return create_model(
        "Sources", __base__=Strict, __doc__="sources: one key per source to sync.", **fields
    )


Sources = _sources_model()


class Storage(Strict):
    """storage: where Acacia keeps its files (relative paths are relative to the config)."""

    data_dir: Path = Path("data")
    #: Where the landing zone and the sync's state (cursors, sync status, the forgotten
    #: list) live: the data folder by default, another folder, or object storage
    #: (``s3://bucket/prefix``, ``gs://…``, any fsspec URL; docs/scale.md). Credentials
    #: come from the store's usual variables, never from the URL.
    landing_url: str | None = None

    @field_validator("landing_url")
    @classmethod
    def _no_credentials(cls, value: str | None) -> str | None:
        if value and "://" in value and "@" in value.split("://", 1)[1].split("/", 1)[0]:
            raise ValueError(
                "carries credentials: give the URL without them, and the credentials in the "
                "store's variables (for S3 AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
            )
        return value

    def sync_root(self) -> Folder:
        return Folder(self.landing_url or self.data_dir)

    def landing(self) -> Folder:
        """The landing zone (pipelines/storage/landing.py)."""
        return self.sync_root().child("landing")

    def sync_state(self) -> Folder:
        """The sync's state: cursors, sync status and the forgotten list."""
        return self.sync_root().child("state")

    def state(self) -> Path:
        """The product's own records (builds, posted updates and alerts), always local."""
        return self.data_dir / "state"

    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    def serving(self) -> Path:
        return self.data_dir / "serving"

    def resolution(self) -> Path:
        return self.data_dir / "resolution"

    def directory(self) -> Path:
        """The partner directory's files (partners.csv, .json, .md, .html)."""
        return self.data_dir / "directory"


class IdentitySettings(Strict):
    """identity: the rules files (relative to the config) and extra bot accounts."""

    rules_file: Path = Path("identities.yml")
    organizations_file: Path = Path("organizations.yml")
    #: Usernames treated as bots whatever their source says (a bot posing as a user).
    bots: list[str] = Field(default_factory=list)
    #: Merge suggestions at or above this confidence (0-100) are merged without asking
    #: (each listed with its evidence, and undone by rejecting it); below it they wait
    #: for a person. 100 turns automatic merging off.
    auto_merge_confidence: float = Field(95, ge=50, le=100)
    #: Given names and surnames common where the community draws from, besides the
    #: world's lists (pipelines/identity/common_names.py): a full name of a common given
    #: name and a common surname never merges without corroboration.
    common_given_names: list[str] = Field(default_factory=list)
    common_surnames: list[str] = Field(default_factory=list)


class TagSettings(Strict):
    """tags: tags applied to members by keyword rules (Savannah-style), besides the
    ones the team sets by hand."""

    #: tag -> words or phrases; a member gets the tag when a title or message of theirs
    #: says one (whole words, any case), from the next sync on. Message text is read
    #: for this even where it is not stored (store_bodies).
    rules: dict[str, list[str]] = Field(
        default_factory=lambda: {"thankful": ["thanks", "thank you", "thx"]}
    )

    @field_validator("rules")
    @classmethod
    def _tags(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        cleaned = {}
        for tag, words in value.items():
            words = [w.strip() for w in words if w.strip()]
            if not words:
                raise ValueError(f"tags.rules.{tag} lists no words")
            cleaned[tag_name(tag)] = words
        return cleaned


class Scoring(Strict):
    """scoring: how activity becomes scores and engagement levels (README, Scores)."""

    #: An activity's weight halves every this many days in the activity score.
    half_life_days: float = Field(30, gt=0)
    #: Activities older than this do not count in the activity score at all.
    score_window_days: int = Field(365, ge=1)
    #: The window engagement levels are computed over (and the previous one before it).
    level_window_days: int = Field(90, ge=1)
    #: Contributions in the window that make a member Core.
    core_contributions: int = Field(10, ge=1)
    #: Contributions in the window that make a member a Contributor.
    contributor_contributions: int = Field(1, ge=1)
    #: Conversations in the window that make a member a Participant (below: Observer).
    participant_conversations: int = Field(3, ge=1)
    #: A member active again after at least this many silent days is "returning".
    returning_gap_days: int = Field(30, ge=1)
    #: A Core member or Contributor silent for this many days is "at risk".
    at_risk_days: int = Field(30, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Scoring:
        if self.core_contributions < self.contributor_contributions:
            raise ValueError("core_contributions must be at least contributor_contributions")
        return self


class Schedule(Strict):
    nightly_cron: str = "0 2 * * *"
    timezone: str = "UTC"
    #: A failing source sync is retried this many times, waiting retry_delay_seconds,
    #: then twice that, …, before the run goes on without it.
    retries: int = Field(2, ge=0, le=10)
    retry_delay_seconds: float = Field(30, ge=0)


class DashboardSettings(Strict):
    """How the dashboard is shown."""

    #: Public mode: no names, no emails, no member pages (safe to share outside the team).
    public: bool = False
    #: The environment variable holding the password of the private dashboard; when it is
    #: set, the dashboard asks for it first. Unset means no password (a trusted network).
    password_env: str = "ACACIA_DASHBOARD_PASSWORD"
    #: The default window, in days.
    default_window_days: Literal[30, 90, 180, 365] = 90
    #: The request header a reverse proxy sets to the signed-in user (for instance
    #: X-Forwarded-User): who made a change. Unset: the dashboard asks for a name.
    author_header: str | None = None

    def password(self) -> str:
        return os.environ.get(self.password_env, "")


class MonthlyUpdateSettings(Strict):
    """The monthly update posted to Slack (``acacia update``, the monthly schedule)."""

    #: The channel to post to (name or id); unset: preview only, nothing is posted.
    channel: str | None = None
    #: The variable holding a bot token with chat:write and channels:history.
    token_env: str = "SLACK_BOT_TOKEN"
    base_url: str = "https://slack.com/api/"
    #: Linked at the bottom of the update.
    dashboard_url: str | None = None
    top_contributors: int = Field(5, ge=0, le=50)
    top_organizations: int = Field(5, ge=0, le=50)
    newcomers: int = Field(10, ge=0, le=100)
    first_contributions: int = Field(10, ge=0, le=100)
    #: The month's events listed (with attendance and first-timers; 0: none).
    events: int = Field(10, ge=0, le=50)
    include_staff: bool = False
    include_bots: bool = False
    #: When the schedule posts last month's update (default: the 1st, 09:00).
    cron: str = "0 9 1 * *"
    timezone: str = "UTC"

    def token(self) -> str:
        return os.environ.get(self.token_env, "").strip()


class AlertSettings(Strict):
    """What needs the team today, posted to Slack (pipelines/delivery/alerts.py): a newcomer's
    first contribution, an item waiting for a first response, a Core or Contributor
    member turning at risk, a new organization's first activity; and a failing sync."""

    #: A Slack channel (name or id); unset: no Slack alerts (preview with `acacia alerts`).
    slack_channel: str | None = None
    #: The variable holding a bot token with chat:write, channels:read and
    #: channels:history (the monthly update's bot will do).
    token_env: str = "SLACK_BOT_TOKEN"
    base_url: str = "https://slack.com/api/"
    #: "daily": one message a day (at ``cron``) with everything new; "immediate": one
    #: message per alert, after every build that publishes.
    delivery: Literal["daily", "immediate"] = "daily"
    cron: str = "0 9 * * *"
    timezone: str = "UTC"
    #: What to alert on. waiting_hours: an item opened this many hours ago (or more)
    #: with no first response yet; null turns it off.
    first_contribution: bool = True
    waiting_hours: int | None = Field(48, ge=1)
    at_risk: bool = True
    new_organization: bool = True
    #: The insights (README, Insights): what changed, each posted once.
    insights: bool = True
    #: Staff (and the staff organization) are left out unless this is true.
    include_staff: bool = False
    #: How many days back a run looks, so a day the job did not run is not missed. Only
    #: what happened in these days is alerted: turning alerts on never posts the history.
    lookback_days: int = Field(2, ge=1, le=366)
    #: Linked from each message.
    dashboard_url: str | None = None

    def token(self) -> str:
        return os.environ.get(self.token_env, "").strip()


class EventSettings(Strict):
    """events: how events are measured (README, Events). The attendance itself is a
    source (sources.events)."""

    #: The days before an event the community's trend is fitted on (its impact is the
    #: activity after it against what this trend predicted).
    trend_days: int = Field(90, ge=14, le=365)
    #: The days before an event the attendees' own activity is counted over.
    before_days: int = Field(30, ge=1, le=365)
    #: The days after an event its impact is measured over: the community's activity
    #: against the trend's prediction, and the attendees' activity after it.
    after_days: int = Field(30, ge=1, le=365)
    #: An attendee active within this many days after an event is retained.
    retention_days: int = Field(90, ge=1, le=730)
    #: Places to watch against the others: regions (continents), countries (a name or
    #: an ISO code) or cities ("Africa", "Brazil", "IN", "Lagos").
    priority_places: list[str] = Field(default_factory=list)

    @field_validator("priority_places")
    @classmethod
    def _known_places(cls, value: list[str]) -> list[str]:
        from connectors.core.places import from_location

        for name in value:
            if from_location(name) == from_location(None):
                raise ValueError(
                    f"{name!r} is not a region, country or city we know: write a continent "
                    "(Africa, South America), a country (Nigeria or NG) or a city (Lagos)"
                )
        return value

    def priority(self) -> list[dict[str, str | None]]:
        """Each priority place as the members mart names places: a region, a country,
        or a city with its country (connectors/core/places.py)."""
        from connectors.core.places import from_location

        found = []
        for name in self.priority_places:
            place = from_location(name)
            found.append(
                {
                    "region": place.region if place.country_code is None else None,
                    "country": place.country,
                    "city": place.city,
                }
            )
        return found


#: The fields an outreach message may use (Outreach.message).
MESSAGE_FIELDS = {
    "first_name": "their first name",
    "name": "their name",
    "community": "community_name",
    "last_contribution": "their last contribution, what and its title",
    "last_date": "the day of their last contribution",
    "since": "what is new since then (new members, contributions)",
}


class Outreach(Strict):
    """outreach: bringing lapsed contributors back (README, Bring people back). A member
    is *lapsed* once silent for ``silent_days`` after giving at least
    ``lapsed_contributions`` contributions in the ``active_days`` days up to their last
    activity."""

    #: Contributions in the active_days before the silence that make someone worth
    #: bringing back.
    lapsed_contributions: int = Field(3, ge=1)
    active_days: int = Field(180, ge=7, le=730)
    #: Days without any activity after which such a member is lapsed.
    silent_days: int = Field(60, ge=7, le=365)
    #: The message the team starts from, with {first_name}, {name}, {community},
    #: {last_contribution}, {last_date} and {since} filled in.
    message: str = (
        "Hi {first_name}! It has been a while since {last_contribution}, on {last_date}, "
        "and we miss you at {community}. Since then, {since}. Is there anything that "
        "would make it easier to come back? We would love to hear from you."
    )

    @field_validator("message")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        import string

        try:
            used = {name for _, name, _, _ in string.Formatter().parse(value) if name}
        except ValueError as error:
            raise ValueError(
                f"the message template cannot be read ({error}): write a field as "
                "{first_name}, and a literal brace as {{ or }}"
            ) from None
        unknown = sorted(used - set(MESSAGE_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown field {{{unknown[0]}}} in the message; the fields are "
                + ", ".join(f"{{{name}}} ({what})" for name, what in MESSAGE_FIELDS.items())
            )
        return value


class Ambassadors(Strict):
    """ambassadors: who could carry the project in their place (README, Ambassadors and
    liaisons). A candidate was active in the last ``recent_days`` and meets at least
    ``reasons`` of the five below over the last ``window_days``."""

    window_days: int = Field(180, ge=30, le=730)
    recent_days: int = Field(30, ge=1, le=365)
    #: Active on at least this many sources.
    sources: int = Field(2, ge=2)
    #: Replied to at least this many different people (in their issues, topics,
    #: questions, threads).
    people_answered: int = Field(5, ge=1)
    #: The first to answer at least this many newcomers (someone whose first activity
    #: was at most newcomer_days before they asked).
    newcomers_answered: int = Field(1, ge=1)
    newcomer_days: int = Field(30, ge=1, le=365)
    #: At least this many of their answers accepted (Stack Exchange, forum solutions).
    accepted_answers: int = Field(1, ge=1)
    #: Organized or spoke at at least this many events.
    events_led: int = Field(1, ge=1)
    #: How many of the five make a candidate.
    reasons: int = Field(4, ge=1, le=5)
    #: The tag the team sets on the ambassadors it has (by hand, on a member's page).
    tag: str = "ambassador"

    @field_validator("tag")
    @classmethod
    def _tag(cls, value: str) -> str:
        return tag_name(value)


class Insights(Strict):
    """insights: what changed, told the day it happened (README, Insights), on the
    Overview and through the alerts. Each fires once per episode: on the day its
    condition starts to hold."""

    #: How far back the Overview's "what changed" looks (an insight happened on one of
    #: these days).
    days: int = Field(30, ge=7, le=365)
    #: A regular's activity dropped: their last drop_recent_days at most drop_ratio of
    #: what their own 90 days before predicted, when that was at least drop_min_expected.
    drop_recent_days: int = Field(14, ge=3, le=90)
    drop_ratio: float = Field(0.25, ge=0, lt=1)
    drop_min_expected: float = Field(5, gt=0)
    #: A channel needs attention: quiet_messages or more community messages in the last
    #: quiet_days, and no reply there by staff or a regular (Core or Contributor).
    quiet_days: int = Field(7, ge=1, le=90)
    quiet_messages: int = Field(10, ge=1)
    #: Newcomers from one source: at least surge_min in the last surge_days, and
    #: surge_ratio times the source's usual (the 12 weeks before).
    surge_days: int = Field(7, ge=1, le=90)
    surge_ratio: float = Field(2.0, gt=1)
    surge_min: int = Field(5, ge=1)
    #: A tag trending: at least trend_min tagged activities in the last trend_days, and
    #: trend_ratio times its usual (the 90 days before).
    trend_days: int = Field(14, ge=1, le=90)
    trend_ratio: float = Field(2.0, gt=1)
    trend_min: int = Field(5, ge=1)


class AcaciaConfig(Strict):
    """The whole acacia.yml."""

    community_name: str = "Our community"
    storage: Storage = Storage()
    sources: Sources = Sources()
    weights: dict[str, float] = Field(default_factory=dict)
    #: Counting an activity type as a contribution or a conversation, against its source's
    #: default (a support question as a contribution, say).
    categories: dict[str, Category] = Field(default_factory=dict)
    identity: IdentitySettings = IdentitySettings()
    tags: TagSettings = TagSettings()
    scoring: Scoring = Scoring()
    schedule: Schedule = Schedule()
    dashboard: DashboardSettings = DashboardSettings()
    monthly_update: MonthlyUpdateSettings = MonthlyUpdateSettings()
    alerts: AlertSettings = AlertSettings()
    events: EventSettings = EventSettings()
    outreach: Outreach = Outreach()
    ambassadors: Ambassadors = Ambassadors()
    insights: Insights = Insights()
    #: Where this config was read from (set by load_config, not by the file).
    path: Path | None = Field(None, exclude=True)

    @field_validator("weights", "categories")
    @classmethod
    def _known_types(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, setting in value.items():
            if name not in DEFAULT_WEIGHTS:
                raise ValueError(
                    f"unknown activity type {name!r}; known types: "
                    + ", ".join(sorted(DEFAULT_WEIGHTS))
                )
            if not isinstance(setting, str) and setting < 0:
                raise ValueError(f"weight of {name!r} must be zero or more, not {setting}")
        return value

    def activity_weights(self) -> dict[str, float]:
        """Every activity type's weight: the defaults, overridden by the file."""
        return {**DEFAULT_WEIGHTS, **self.weights}

    def activity_categories(self) -> dict[str, Category]:
        """Every activity type's category: the defaults, overridden by the file."""
        return {**DEFAULT_CATEGORIES, **self.categories}

    def contribution_types(self) -> list[str]:
        return sorted(t for t, c in self.activity_categories().items() if c == "contribution")

    def enabled_sources(self) -> list[str]:
        return [
            name
            for name in type(self.sources).model_fields
            if (source := getattr(self.sources, name)) is not None and source.enabled
        ]

    def secret(self, source: str, key: str | None = None) -> str:
        """A value of ``source`` from the environment (its secret, or the variable named by
        ``key``); a clear error when a required one is missing, "" for an optional one."""
        settings = getattr(self.sources, source)
        key = key or settings.secret_key
        if key is None:
            return ""
        env = getattr(settings, key)
        value = os.environ.get(env, "").strip()
        if not value and (settings.secret_required or key != settings.secret_key):
            raise ConfigError(
                f"{self.path or DEFAULT_CONFIG}: sources.{source}.{key}: the environment "
                f"variable {env} is not set. Fix: export {env}=<value>, or add the line "
                f"{env}=<value> to a .env file next to the config (never to the YAML)."
            )
        return value

    def check_sources(self) -> None:
        """Fail when no source is enabled: a sync would do nothing, silently."""
        if not self.enabled_sources():
            raise ConfigError(
                f"{self.path or DEFAULT_CONFIG}: no source is enabled, so there is nothing "
                "to sync. Fix: add a source under `sources:`, for instance\n"
                "  sources:\n    github:\n      repositories: [your-org/your-repo]\n"
                "(acacia.example.yml shows every source and its keys; a source with "
                "`enabled: false` is skipped)."
            )

    def check_secrets(self, sources: list[str] | None = None) -> None:
        """Fail before any API call if one of ``sources`` (default: every enabled one)
        lacks a required secret."""
        for source in self.enabled_sources() if sources is None else sources:
            settings = getattr(self.sources, source)
            for key in (settings.secret_key, *settings.other_env_keys):
                if key:
                    self.secret(source, key)


def config_path(path: str | Path | None = None) -> Path:
    return Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG).resolve()


def load_config(path: str | Path | None = None) -> AcaciaConfig:
    """Read and validate the configuration; relative storage paths resolve against it."""
    path = config_path(path)
    if not path.is_file():
        raise ConfigError(
            f"{path}: no configuration file here. Fix: copy acacia.example.yml "
            f"to {path.name}, or set {CONFIG_ENV} to the path of yours (or run "
            "`make demo` first to try everything on the sample community)."
        )
    load_dotenv(path.parent / ".env", override=False)
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error}).") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level.")
    try:
        config = AcaciaConfig.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(_explain(path, error)) from None
    data_dir = config.storage.data_dir
    if not data_dir.is_absolute():
        data_dir = (path.parent / data_dir).resolve()
    landing_url = config.storage.landing_url
    if landing_url and "://" not in landing_url and not Path(landing_url).is_absolute():
        landing_url = str((path.parent / landing_url).resolve())
    update: dict[str, Any] = {
        "path": path,
        "storage": Storage(data_dir=data_dir, landing_url=landing_url),
    }
    identity = config.identity
    update["identity"] = identity.model_copy(
        update={
            "rules_file": (path.parent / identity.rules_file).resolve(),
            "organizations_file": (path.parent / identity.organizations_file).resolve(),
        }
    )
    resolved = {}
    for name in type(config.sources).model_fields:
        settings = getattr(config.sources, name)
        if settings is not None and (found := settings.relative_to(path.parent)) is not settings:
            resolved[name] = found
    if resolved:
        update["sources"] = config.sources.model_copy(update=resolved)
    config = config.model_copy(update=update)
    register_secrets(config)
    return config


def secret_variables(model: BaseModel) -> list[tuple[str, str]]:
    """(key path, environment variable) of every ``*_env`` key of the configuration:
    each names a variable holding a secret (or, for Reddit, the client id)."""
    found: list[tuple[str, str]] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            found += [(f"{name}.{key}", env) for key, env in secret_variables(value)]
        elif name.endswith("_env") and isinstance(value, str):
            found.append((name, value))
    return found


#: The variables object storage (storage.landing_url) takes its secrets from, each
#: store's own: they are redacted like the sources' tokens.
STORE_SECRETS = (
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AZURE_STORAGE_ACCOUNT_KEY",
    "AZURE_STORAGE_SAS_TOKEN",
)


def register_secrets(config: AcaciaConfig) -> None:
    """Make every secret the configuration names known to the redaction (connectors.
    redact) before anything runs, and redact this process's logs and output."""
    redact.register(*(os.environ.get(env) for _, env in secret_variables(config)))
    redact.register(*(os.environ.get(env) for env in STORE_SECRETS))
    for name in type(config.sources).model_fields:
        settings = getattr(config.sources, name)
        if settings is not None and settings.basic_auth_keys:
            user_key, secret_key = settings.basic_auth_keys
            redact.register_basic_auth(
                os.environ.get(getattr(settings, user_key)),
                os.environ.get(getattr(settings, secret_key)),
            )
    redact.install()


def _explain(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: the configuration is not valid:"]
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown key. Fix: check its spelling against acacia.example.yml"
        lines.append(f"  - {key}: {message}")
    return "\n".join(lines)


def dump(config: AcaciaConfig) -> dict[str, Any]:
    """The config as plain data (for writing the demo's file)."""
    return config.model_dump(mode="json", exclude_none=True)
