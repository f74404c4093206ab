"""The one configuration file (acacia.yml), validated at start.

The path comes from ``ACACIA_CONFIG`` (default ``acacia.yml`` in the working directory).
Secrets never live in it: a source names the environment variable that holds its token,
and the value comes from the environment or a ``.env`` file beside the config. Every
error names the file, the key and the fix.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, ClassVar, Literal

import yaml
from dotenv import load_dotenv
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from connectors import redact
from connectors.records import ACTIVITY_TYPES

CONFIG_ENV = "ACACIA_CONFIG"
DEFAULT_CONFIG = "acacia.yml"

#: Default points per activity type (DESIGN.md, Scoring). Organizing or speaking at an
#: event and a merged pull request weigh most; a chat message or a star least.
DEFAULT_WEIGHTS: dict[str, float] = {
    "issue_opened": 2,
    "issue_closed": 1,
    "pr_opened": 5,
    "pr_merged": 8,
    "pr_review": 4,
    "issue_comment": 1,
    "review_comment": 2,
    "star": 0.5,
    "message": 0.5,
    "thread_reply": 1,
    "channel_join": 0.2,
    "topic_created": 2,
    "post_reply": 1,
    "solution_accepted": 6,
    "post": 1,
    "comment": 1,
    "question": 1.5,
    "answer": 4,
    "answer_accepted": 6,
    "event_attended": 3,
    "event_spoke": 10,
    "event_organized": 12,
}


class ConfigError(Exception):
    """The configuration is invalid or a secret is missing; the message says how to fix it."""


def _check_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{value!r} must start with https:// (or http:// for a local server)")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Source(_Strict):
    """What every source has: a switch and the environment variables of its secrets."""

    enabled: bool = True
    #: The key that names the environment variable holding the source's secret (None:
    #: the source needs none).
    secret_key: ClassVar[str | None] = "token_env"
    #: Whether the sync can go on without that secret.
    secret_required: ClassVar[bool] = True
    #: Other keys naming environment variables the source needs (e.g. a client id).
    other_env_keys: ClassVar[tuple[str, ...]] = ()

    @property
    def secret_env(self) -> str | None:
        return getattr(self, self.secret_key) if self.secret_key else None


class _ApiSource(_Source):
    """A source read over HTTP: how patient to be with its API (a slow self-hosted forum
    may need more)."""

    #: Seconds to wait for a connection or an answer before the request counts as failed.
    request_timeout_seconds: float = Field(30, gt=0)
    #: How often a failed request (connection, timeout, 5xx, malformed body) is retried
    #: within one sync attempt, waiting retry_backoff_seconds, doubling each time.
    request_retries: int = Field(3, ge=0, le=10)
    retry_backoff_seconds: float = Field(1, ge=0)


class GitHubSource(_ApiSource):
    """sources.github: which repositories to read and how to reach GitHub."""

    organizations: list[str] = Field(default_factory=list)
    repositories: list[str] = Field(default_factory=list)
    base_url: str = "https://api.github.com"
    token_env: str = "GITHUB_TOKEN"
    backfill_days: int = Field(365, ge=1)
    store_bodies: bool = False
    max_rate_limit_wait: float = Field(900, ge=0)
    profile_refresh_days: int = Field(30, ge=1)
    seconds_between_requests: float = Field(0.25, ge=0)

    @field_validator("repositories")
    @classmethod
    def _owner_slash_name(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.fullmatch(r"[\w.-]+/[\w.-]+", name):
                raise ValueError(f"{name!r} is not 'owner/name' (e.g. 'mautic/mautic')")
        return value

    _http = field_validator("base_url")(lambda cls, v: _check_url(v).rstrip("/"))

    @model_validator(mode="after")
    def _something_to_read(self) -> GitHubSource:
        if self.enabled and not (self.organizations or self.repositories):
            raise ValueError("list at least one of 'organizations' or 'repositories'")
        return self


class SlackSource(_ApiSource):
    """sources.slack: which channels to read and how to reach Slack."""

    channels: list[str] = Field(default_factory=list)
    base_url: str = "https://slack.com/api/"
    token_env: str = "SLACK_BOT_TOKEN"
    backfill_days: int = Field(365, ge=1)
    thread_lookback_days: int = Field(14, ge=0)
    store_bodies: bool = False
    max_rate_limit_wait: float = Field(900, ge=0)

    _http = field_validator("base_url")(lambda cls, v: _check_url(v))


class DiscourseSource(_ApiSource):
    """sources.discourse: which forum to read and with which API key."""

    base_url: str
    api_key_env: str = "DISCOURSE_API_KEY"
    api_username: str = "system"
    categories: list[str] = Field(default_factory=list)
    admin_emails: bool = True
    backfill_days: int = Field(365, ge=1)
    store_bodies: bool = False
    max_rate_limit_wait: float = Field(900, ge=0)

    _http = field_validator("base_url")(lambda cls, v: _check_url(v))

    secret_key: ClassVar[str] = "api_key_env"


class RedditSource(_ApiSource):
    """sources.reddit: which subreddits to read, with a read-only app's credentials."""

    subreddits: list[str] = Field(min_length=1)
    client_id_env: str = "REDDIT_CLIENT_ID"
    client_secret_env: str = "REDDIT_CLIENT_SECRET"
    user_agent: str = "acacia-community-analytics/0.1 (by u/your_reddit_username)"
    oauth_url: str = "https://oauth.reddit.com"
    reddit_url: str = "https://www.reddit.com"
    backfill_days: int = Field(365, ge=1)
    store_bodies: bool = False
    max_rate_limit_wait: float = Field(900, ge=0)

    secret_key: ClassVar[str] = "client_secret_env"
    other_env_keys: ClassVar[tuple[str, ...]] = ("client_id_env",)
    _http = field_validator("oauth_url", "reddit_url")(lambda cls, v: _check_url(v))

    @field_validator("subreddits")
    @classmethod
    def _bare_names(cls, value: list[str]) -> list[str]:
        return [name.removeprefix("r/").removeprefix("/r/").strip("/") for name in value]


class StackExchangeSource(_ApiSource):
    """sources.stackexchange: which site and tags to read."""

    site: str = "stackoverflow"
    tags: list[str] = Field(min_length=1)
    key_env: str = "STACKEXCHANGE_KEY"
    base_url: str = "https://api.stackexchange.com"
    backfill_days: int = Field(365, ge=1)
    quota_reserve: int = Field(100, ge=0)
    max_pages: int = Field(25, ge=1)

    secret_key: ClassVar[str] = "key_env"
    secret_required: ClassVar[bool] = False  # without a key: 300 requests a day
    _http = field_validator("base_url")(lambda cls, v: _check_url(v))


class EventsSource(_Source):
    """sources.events: a folder of attendance CSV files (relative to the config)."""

    folder: Path = Path("events")

    secret_key: ClassVar[str | None] = None


class Sources(_Strict):
    github: GitHubSource | None = None
    slack: SlackSource | None = None
    discourse: DiscourseSource | None = None
    reddit: RedditSource | None = None
    stackexchange: StackExchangeSource | None = None
    events: EventsSource | None = None


class Storage(_Strict):
    """storage: where Acacia keeps its files (relative paths are relative to the config)."""

    data_dir: Path = Path("data")

    def landing(self) -> Path:
        return self.data_dir / "landing"

    def state(self) -> Path:
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


class IdentitySettings(_Strict):
    """identity: the rules files (relative to the config) and extra bot accounts."""

    rules_file: Path = Path("identities.yml")
    organizations_file: Path = Path("organizations.yml")
    #: Usernames treated as bots whatever their source says (a bot posing as a user).
    bots: list[str] = Field(default_factory=list)


class Scoring(_Strict):
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


class Schedule(_Strict):
    nightly_cron: str = "0 2 * * *"
    timezone: str = "UTC"
    #: A failing source sync is retried this many times, waiting retry_delay_seconds,
    #: then twice that, …, before the run goes on without it.
    retries: int = Field(2, ge=0, le=10)
    retry_delay_seconds: float = Field(30, ge=0)


class DashboardSettings(_Strict):
    """How the dashboard is shown."""

    #: Public mode: no names, no emails, no member pages (safe to share outside the team).
    public: bool = False
    #: The environment variable holding the password of the private dashboard; when it is
    #: set, the dashboard asks for it first. Unset means no password (a trusted network).
    password_env: str = "ACACIA_DASHBOARD_PASSWORD"
    #: The default window, in days.
    default_window_days: Literal[30, 90, 180, 365] = 90

    def password(self) -> str:
        return os.environ.get(self.password_env, "")


class MonthlyUpdateSettings(_Strict):
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
    include_staff: bool = False
    include_bots: bool = False
    #: When the schedule posts last month's update (default: the 1st, 09:00).
    cron: str = "0 9 1 * *"
    timezone: str = "UTC"

    def token(self) -> str:
        return os.environ.get(self.token_env, "").strip()


class AlertSettings(_Strict):
    """Where a failing sync is reported, besides the Dagster UI and the dashboard."""

    #: A Slack channel (name or id); unset: no Slack alerts.
    slack_channel: str | None = None
    #: The variable holding a bot token with chat:write (the monthly update's bot will do).
    token_env: str = "SLACK_BOT_TOKEN"
    base_url: str = "https://slack.com/api/"


class AcaciaConfig(_Strict):
    """The whole acacia.yml."""

    community_name: str = "Our community"
    storage: Storage = Storage()
    sources: Sources = Sources()
    weights: dict[str, float] = Field(default_factory=dict)
    identity: IdentitySettings = IdentitySettings()
    scoring: Scoring = Scoring()
    schedule: Schedule = Schedule()
    dashboard: DashboardSettings = DashboardSettings()
    monthly_update: MonthlyUpdateSettings = MonthlyUpdateSettings()
    alerts: AlertSettings = AlertSettings()
    #: Where this config was read from (set by load_config, not by the file).
    path: Path | None = Field(None, exclude=True)

    @field_validator("weights")
    @classmethod
    def _known_types(cls, value: dict[str, float]) -> dict[str, float]:
        for name, weight in value.items():
            if name not in ACTIVITY_TYPES:
                raise ValueError(
                    f"unknown activity type {name!r}; known types: "
                    + ", ".join(sorted(ACTIVITY_TYPES))
                )
            if weight < 0:
                raise ValueError(f"weight of {name!r} must be zero or more, not {weight}")
        return value

    def activity_weights(self) -> dict[str, float]:
        """Every activity type's weight: the defaults, overridden by the file."""
        return {**DEFAULT_WEIGHTS, **self.weights}

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
    update: dict[str, Any] = {"path": path, "storage": Storage(data_dir=data_dir)}
    identity = config.identity
    update["identity"] = identity.model_copy(
        update={
            "rules_file": (path.parent / identity.rules_file).resolve(),
            "organizations_file": (path.parent / identity.organizations_file).resolve(),
        }
    )
    events = config.sources.events
    if events is not None and not events.folder.is_absolute():
        folder = (path.parent / events.folder).resolve()
        update["sources"] = config.sources.model_copy(
            update={"events": events.model_copy(update={"folder": folder})}
        )
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


def register_secrets(config: AcaciaConfig) -> None:
    """Make every secret the configuration names known to the redaction (connectors.
    redact) before anything runs, and redact this process's logs and output."""
    redact.register(*(os.environ.get(env) for _, env in secret_variables(config)))
    reddit = config.sources.reddit
    if reddit is not None:
        redact.register_basic_auth(
            os.environ.get(reddit.client_id_env), os.environ.get(reddit.client_secret_env)
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
