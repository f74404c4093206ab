"""The demo: the bundled sample community served by the fake APIs, synced for real.

Nothing here talks to the internet and no token is needed: the connectors and SDKs run
unchanged against local servers that speak each platform's protocol.
"""

from __future__ import annotations

import shutil
import socket
from datetime import UTC, datetime
from pathlib import Path

import yaml

from connectors.fake_apis import FakeServer
from connectors.fake_apis.community import build_community
from connectors.fake_apis.github import FakeGitHub
from connectors.fake_apis.github_data import GitHubData
from pipelines.run import REPO_ROOT

DEMO_DIR = REPO_ROOT / "data" / "demo"
DEMO_TOKEN_ENV = "ACACIA_DEMO_GITHUB_TOKEN"
FAKE_GITHUB_PORT = 8765


def _free(port: int) -> int:
    """``port`` if it is free on 127.0.0.1, else any free port."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return port
        except OSError:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]


def start_fake_apis(end: datetime | None = None, port: int = FAKE_GITHUB_PORT) -> FakeServer:
    """Serve the sample community's GitHub on 127.0.0.1 (in a background thread)."""
    end = end or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    data = GitHubData(build_community(end))
    return FakeServer(FakeGitHub(data), port=_free(port)).start()


def write_demo_config(github_url: str, folder: Path = DEMO_DIR) -> Path:
    """A fresh demo folder with an acacia.yml pointing at the fake GitHub."""
    if folder.exists():
        shutil.rmtree(folder)  # the community is redrawn up to today; start clean
    folder.mkdir(parents=True)
    config = {
        "community_name": "Acacia sample community",
        "storage": {"data_dir": "."},
        "sources": {
            "github": {
                "organizations": ["acacia-sample"],
                "base_url": github_url,
                "token_env": DEMO_TOKEN_ENV,
                "seconds_between_requests": 0,
            }
        },
    }
    path = folder / "acacia.yml"
    path.write_text(
        "# Written by `acacia demo`: the sample community on local fake APIs.\n"
        + yaml.safe_dump(config, sort_keys=False)
    )
    (folder / ".env").write_text(f"{DEMO_TOKEN_ENV}=demo-token-for-the-fake-api\n")
    return path
