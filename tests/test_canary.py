"""No secret escapes, whatever fails: every secret the configuration names is set to a
distinctive canary, every source is made to fail in each way a request can fail, and the
sync (``acacia sync``: the Dagster job, recorded in the workspace's Dagster instance),
``acacia check`` and the dashboard (private and public) run on it. Then every file of
the workspace (landing zone, state, warehouse, snapshots, dbt's and Dagster's files and
compute logs) and everything the commands printed is searched for the canaries in every
form they take in text (as is, percent-encoded, in a Basic authorization header).

A new source inherits the test: its fake API goes into FAKES, or the first test fails.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from connectors.core import redact
from connectors.core.config import load_config, secret_variables
from pipelines.sync.connect import SOURCES
from sample import FakeServer
from sample.base import FakeAPI
from sample.discord import PREFIX as DISCORD_API
from sample.discord import FakeDiscord
from sample.discord_data import DiscordData
from sample.discourse import FakeDiscourse
from sample.discourse_data import DiscourseData
from sample.events_data import write_event_files
from sample.github import FakeGitHub
from sample.github_data import GitHubData
from sample.mailing_lists import FakeMailingLists
from sample.mailing_lists_data import MailingListData
from sample.meetup import FakeMeetup
from sample.meetup_data import MeetupData
from sample.reddit import FakeReddit
from sample.reddit_data import RedditData
from sample.slack import FakeSlack
from sample.slack_data import SlackData
from sample.stackexchange import FakeStackExchange
from sample.stackexchange_data import StackExchangeData
from tests.conftest import MARKDOWN_ELEMENTS, dashboard_page, small_community, write_config

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ACACIA = str(Path(sys.executable).parent / "acacia")
DASHBOARD = REPO / "dashboard"
PAGES = [DASHBOARD / "Overview.py", *sorted((DASHBOARD / "views").glob("*.py"))]

#: Canaries: distinctive, and with characters that URL-encoding changes.
CANARY = "c4nary+{name}/Q9z="
CANARY_ID = "c4nary-reddit-client-id"
#: Once the secrets are refused (the fakes accept these instead).
ACCEPTED = "the-fake-accepts-only-this-secret"

#: source -> (the fake API, given the secret it accepts; the config keys of its URLs, each
#: with the path after the server's address)
FAKES: dict[str, tuple[Callable[[str, str], FakeAPI], dict[str, str]]] = {
    "github": (
        lambda secret, _: FakeGitHub(GitHubData(small_community(), repos=(("core", 5),)), {secret}),
        {"base_url": ""},
    ),
    "slack": (
        lambda secret, _: FakeSlack(SlackData(small_community(), messages_per_day=1), {secret}),
        {"base_url": "/api/"},
    ),
    "discourse": (
        lambda secret, _: FakeDiscourse(DiscourseData(small_community(), 1), api_key=secret),
        {"base_url": ""},
    ),
    "reddit": (
        lambda _, client_id: FakeReddit(
            RedditData(small_community(), posts_per_day=0.2), client_id=client_id
        ),
        {"oauth_url": "", "reddit_url": ""},
    ),
    "stackexchange": (
        lambda secret, _: FakeStackExchange(
            StackExchangeData(small_community(), questions_per_day=0.2), key=secret
        ),
        {"base_url": ""},
    ),
    "discord": (
        lambda secret, _: FakeDiscord(DiscordData(small_community(), 0.2), token=secret),
        {"base_url": DISCORD_API},
    ),
    # The lists' secret is Groups.io's token: its group is the list read here.
    "mailing_lists": (
        lambda secret, _: FakeMailingLists(MailingListData(small_community(), 1), token=secret),
        {"groupsio_url": "/groupsio/api/v1"},
    ),
    "meetup": (
        lambda secret, _: FakeMeetup(MeetupData(small_community()), token=secret),
        {"base_url": "/gql-ext"},
    ),
}

#: source -> the variable holding the secret its fake API is made with (tests/conftest.py
#: write_config names them): each fake accepts the canary, so that a failure after the
#: credentials are accepted (a timeout, a server error, a malformed body) is reached.
SECRET_VARIABLES = {
    "github": "ACACIA_TEST_GITHUB_TOKEN",
    "slack": "ACACIA_TEST_SLACK_TOKEN",
    "discourse": "ACACIA_TEST_DISCOURSE_KEY",
    "reddit": "ACACIA_TEST_REDDIT_SECRET",
    "stackexchange": "ACACIA_TEST_STACKEXCHANGE_KEY",
    "discord": "ACACIA_TEST_DISCORD_TOKEN",
    "mailing_lists": "ACACIA_TEST_GROUPSIO_TOKEN",
    "meetup": "ACACIA_TEST_MEETUP_TOKEN",
}

#: How a request fails: the fault the fakes serve for good (None: the URL is broken).
FAILURES = {
    "connection refused": None,
    "unknown host": None,
    "timeout": ("slow", {"seconds": 3}),
    "refused credentials": None,
    "server error": ("server_error", {"status": 503}),
    "malformed body": ("malformed", {}),
}


def test_every_source_with_a_secret_has_a_fake_here(tmp_path):
    """A new source fails here until its fake API is added to FAKES."""
    config = load_config(
        write_config(
            tmp_path,
            "http://127.0.0.1:1",
            slack_url="http://127.0.0.1:1",
            discourse_url="http://127.0.0.1:1",
            reddit_url="http://127.0.0.1:1",
            stackexchange_url="http://127.0.0.1:1",
            events_folder=tmp_path / "events",
            discord_url="http://127.0.0.1:1",
            mailing_lists_url="http://127.0.0.1:1",
            meetup_url="http://127.0.0.1:1",
            calendars_url="http://127.0.0.1:1",
        )
    )
    with_secrets = {
        source
        for source in SOURCES
        if getattr(config.sources, source) is not None
        and getattr(config.sources, source).secret_key
    }
    assert with_secrets == set(FAKES)


def canary(variable: str) -> str:
    """The canary a secret variable holds."""
    return CANARY.format(name=variable.lower())


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def forms(value: str) -> set[str]:
    return {form.lower() for form in redact.forms(value)}


@pytest.fixture
def workspace(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """A workspace whose every source fails in the way the test names; every secret
    variable of its config holds a canary."""
    failure = request.param
    fault = FAILURES[failure]
    servers: list[FakeServer] = []
    urls: dict[str, str] = {}
    for source, (make, _) in FAKES.items():
        if failure == "connection refused":
            urls[source] = f"http://127.0.0.1:{closed_port()}"
        elif failure == "unknown host":
            urls[source] = f"http://{source}.acacia-canary.invalid"
        else:
            refused = failure == "refused credentials"
            secret = ACCEPTED if refused else canary(SECRET_VARIABLES[source])
            api = make(secret, ACCEPTED if refused else CANARY_ID)
            if fault:
                api.inject(fault[0], times=10**6, **fault[1])
            servers.append(FakeServer(api).start())
            urls[source] = servers[-1].url
    try:
        write_event_files(small_community(), tmp_path / "events")
        path = write_config(
            tmp_path,
            urls["github"],
            slack_url=urls["slack"],
            discourse_url=urls["discourse"],
            reddit_url=urls["reddit"],
            stackexchange_url=urls["stackexchange"],
            events_folder=tmp_path / "events",
            discord_url=urls["discord"],
            mailing_lists_url=urls["mailing_lists"],
            meetup_url=urls["meetup"],
        )
        raw = yaml.safe_load(path.read_text())
        lists = raw["sources"]["mailing_lists"]["lists"]
        raw["sources"]["mailing_lists"]["lists"] = [g for g in lists if "groupsio" in g]
        for source, settings in raw["sources"].items():
            if source in FAKES:
                settings.update(
                    request_timeout_seconds=0.5, request_retries=1, retry_backoff_seconds=0
                )
                for key, suffix in FAKES[source][1].items():
                    settings[key] = urls[source] + suffix
        raw["schedule"] = {"retries": 1, "retry_delay_seconds": 0}
        raw["dashboard"] = {"password_env": "ACACIA_TEST_DASHBOARD_PASSWORD"}
        raw["monthly_update"] = {"channel": "#community", "token_env": "ACACIA_TEST_UPDATE_TOKEN"}
        path.write_text(yaml.safe_dump(raw))
        env = {}
        for key, variable in secret_variables(load_config(path)):
            env[variable] = CANARY_ID if key.endswith("client_id_env") else canary(variable)
        assert set(SECRET_VARIABLES.values()) <= set(env)
        yield {"path": path, "env": env, "failure": failure, "folder": tmp_path}
    finally:
        for server in servers:
            server.stop()


def acacia(workspace: dict[str, Any], *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        **workspace["env"],
        "PYTHONPATH": os.pathsep.join([str(REPO / "tests" / "canary_site"), str(REPO)]),
        "ACACIA_TEST_NO_DNS": "1",
    }
    return subprocess.run(
        [ACACIA, *args, "--config", str(workspace["path"])],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=workspace["folder"],
    )


def page_texts(app: AppTest) -> list[str]:
    """Everything a page shows as text: markdown, headings, captions, alerts, metrics,
    tables' cells, chart figures."""
    texts = []
    for kind in (*MARKDOWN_ELEMENTS, "metric", "exception", "text"):
        for element in getattr(app, kind, []):
            texts.append(repr(element.proto))
    for frame in app.dataframe:
        texts.append(frame.value.to_csv())
    for element in app.get("plotly_chart"):
        texts.append(repr(element.proto))
    return texts


def hits(texts: dict[str, str], secrets: set[str]) -> list[str]:
    wanted = set()
    for secret in secrets:
        wanted |= forms(secret)
    wanted.add(
        base64.b64encode(f"{CANARY_ID}:{CANARY.format(name='acacia_test_reddit_secret')}".encode())
        .decode()
        .lower()
    )
    return [
        f"{where}: {form}"
        for where, text in texts.items()
        for form in wanted
        if form in text.lower()
    ]


def files_text(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): path.read_bytes().decode("latin-1")
        for path in folder.rglob("*")
        if path.is_file()
    }


@pytest.mark.parametrize("workspace", list(FAILURES), indirect=True)
def test_no_secret_escapes_whatever_fails(workspace, monkeypatch):
    secrets = {v for v in workspace["env"].values() if v != CANARY_ID}
    sync = acacia(workspace, "sync")
    assert sync.returncode == 3, sync.stderr[-3000:]  # published, the sources failed
    for source in FAKES:
        assert f"{source}: " in sync.stdout + sync.stderr
    # Each source's failure is a clear error naming it, not an unexpected exception.
    status = json.loads((workspace["folder"] / "data" / "state" / "sync_status.json").read_text())
    for source in FAKES:
        assert status[source]["status"] == "failed"
        assert status[source]["message"].startswith(f"[{source}] "), status[source]["message"]
    check = acacia(workspace, "check")
    assert check.returncode == 1, check.stderr[-3000:]
    for source in FAKES:
        assert f"[{source}] " in check.stderr, check.stderr[-3000:]

    outputs = {
        "sync stdout": sync.stdout,
        "sync stderr": sync.stderr,
        "check stdout": check.stdout,
        "check stderr": check.stderr,
    }
    for name, value in workspace["env"].items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ACACIA_CONFIG", str(workspace["path"]))
    public = workspace["folder"] / "public.yml"
    raw = yaml.safe_load(workspace["path"].read_text())
    raw["dashboard"]["public"] = True
    public.write_text(yaml.safe_dump(raw))
    pages = PAGES if workspace["failure"] == "connection refused" else PAGES[:1]
    for mode, config in (("private", workspace["path"]), ("public", public)):
        monkeypatch.setenv("ACACIA_CONFIG", str(config))
        for page in pages:
            app = dashboard_page(page)
            app.session_state["signed_in"] = True
            app.run()
            assert not app.exception, app.exception
            shown = "\n".join(page_texts(app))
            outputs[f"{mode} {page.stem}"] = shown
            if page.stem == "Overview":
                assert "failed" in shown.lower()  # the warning is there, without a key

    assert hits(outputs, secrets) == []
    assert hits(files_text(workspace["folder"] / "data"), secrets) == []
