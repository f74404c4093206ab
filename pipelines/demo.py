"""The demo: the bundled sample community served by the fake APIs, synced for real.

Nothing here talks to the internet and no token is needed: the connectors and SDKs run
unchanged against local servers that speak each platform's protocol.
"""

from __future__ import annotations

import shutil
import socket
from datetime import datetime
from pathlib import Path

import yaml

from connectors import clock
from pipelines.run import REPO_ROOT
from pipelines.sample import FakeServer
from pipelines.sample.community import build_community, organizations_file
from pipelines.sample.discourse import FakeDiscourse
from pipelines.sample.discourse_data import DiscourseData
from pipelines.sample.events_data import write_event_files
from pipelines.sample.github import FakeGitHub
from pipelines.sample.github_data import GitHubData
from pipelines.sample.reddit import FakeReddit
from pipelines.sample.reddit_data import RedditData
from pipelines.sample.slack import FakeSlack
from pipelines.sample.slack_data import SlackData
from pipelines.sample.stackexchange import FakeStackExchange
from pipelines.sample.stackexchange_data import StackExchangeData

DEMO_DIR = REPO_ROOT / "data" / "demo"
PORTS = {"github": 8765, "slack": 8766, "discourse": 8767, "reddit": 8768, "stackexchange": 8769}
DEMO_SECRETS = {
    "github": "ACACIA_DEMO_GITHUB_TOKEN",
    "slack": "ACACIA_DEMO_SLACK_TOKEN",
    "discourse": "ACACIA_DEMO_DISCOURSE_KEY",
    "reddit_id": "ACACIA_DEMO_REDDIT_ID",
    "reddit": "ACACIA_DEMO_REDDIT_SECRET",
    "stackexchange": "ACACIA_DEMO_STACKEXCHANGE_KEY",
}


def _free(port: int) -> int:
    """``port`` if it is free on 127.0.0.1, else any free port."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return port
        except OSError:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]


def start_fake_apis(
    end: datetime | None = None, ports: dict[str, int] | None = None
) -> dict[str, FakeServer]:
    """Serve the sample community's GitHub, Slack, forum, subreddit and Stack Exchange
    site on 127.0.0.1 (threads). The community ends at ``end`` (default: the clock's now);
    its shape is the same whatever the date."""
    end = end or clock.now()
    community = build_community(end)
    ports = ports or PORTS
    apis = {
        "github": FakeGitHub(GitHubData(community)),
        "slack": FakeSlack(SlackData(community)),
        "discourse": FakeDiscourse(DiscourseData(community)),
        "reddit": FakeReddit(RedditData(community)),
        "stackexchange": FakeStackExchange(StackExchangeData(community)),
    }
    return {name: FakeServer(api, port=_free(ports[name])).start() for name, api in apis.items()}


def write_demo_config(servers: dict[str, FakeServer], folder: Path = DEMO_DIR) -> Path:
    """A fresh demo folder with an acacia.yml pointing at the fake APIs."""
    if folder.exists():
        shutil.rmtree(folder)  # the community is drawn again up to now; start clean
    folder.mkdir(parents=True)
    config = {
        "community_name": "Acacia sample community",
        "storage": {"data_dir": "."},
        "sources": {
            "github": {
                "organizations": ["acacia-sample"],
                "base_url": servers["github"].url,
                "token_env": DEMO_SECRETS["github"],
                "seconds_between_requests": 0,
            },
            "slack": {
                "base_url": servers["slack"].url + "/api/",
                "token_env": DEMO_SECRETS["slack"],
            },
            "discourse": {
                "base_url": servers["discourse"].url,
                "api_key_env": DEMO_SECRETS["discourse"],
            },
            "reddit": {
                "subreddits": ["acacia"],
                "oauth_url": servers["reddit"].url,
                "reddit_url": servers["reddit"].url,
                "client_id_env": DEMO_SECRETS["reddit_id"],
                "client_secret_env": DEMO_SECRETS["reddit"],
            },
            "stackexchange": {
                "tags": ["acacia"],
                "base_url": servers["stackexchange"].url,
                "key_env": DEMO_SECRETS["stackexchange"],
            },
            "events": {"folder": "events"},
        },
        "identity": {"bots": ["release-helper"]},
    }
    # The sample community is a year long, drawn up to a moment a little before the sync
    # reads its clock: a longer backfill reads all of it, its first seconds too.
    for name, source in config["sources"].items():
        if name != "events":
            source["backfill_days"] = 400
    community = servers["github"].api.data.community
    write_event_files(community, folder / "events")
    (folder / "organizations.yml").write_text(
        "# The sample community's organizations (see README, Identity and organizations).\n"
        + yaml.safe_dump(organizations_file(community), sort_keys=False)
    )
    path = folder / "acacia.yml"
    path.write_text(
        "# Written by `acacia demo`: the sample community on local fake APIs.\n"
        + yaml.safe_dump(config, sort_keys=False)
    )
    (folder / ".env").write_text(
        "".join(f"{env}=demo-secret-for-the-fake-api\n" for env in DEMO_SECRETS.values())
    )
    return path
