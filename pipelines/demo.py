"""The demo: the bundled sample community served by the fake APIs, synced for real.

Nothing here talks to the internet and no token is needed: the connectors and SDKs run
unchanged against local servers that speak each platform's protocol.
"""

from __future__ import annotations

import importlib
import shutil
import socket
from datetime import datetime
from pathlib import Path

import yaml

from connectors import clock, registry
from pipelines.run import REPO_ROOT
from pipelines.sample import FakeServer
from pipelines.sample.base import DemoSource
from pipelines.sample.community import Community, build_community, organizations_file

DEMO_DIR = REPO_ROOT / "data" / "demo"


def demo_sources() -> dict[str, DemoSource]:
    """Every registered source whose sample module (pipelines/sample/<source>.py)
    declares how the demo serves it, in the registry's order."""
    found = {}
    for name in registry.sources():
        try:
            module = importlib.import_module(f"pipelines.sample.{name}")
        except ModuleNotFoundError:
            continue
        if isinstance(getattr(module, "DEMO", None), DemoSource):
            found[name] = module.DEMO
    return found


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
    """Serve the sample community on every source's fake API on 127.0.0.1 (threads).
    The community ends at ``end`` (default: the clock's now); its shape is the same
    whatever the date."""
    community = build_community(end or clock.now())
    ports = ports or {}
    return {
        name: FakeServer(demo.api(community), port=_free(ports.get(name, demo.port))).start()
        for name, demo in demo_sources().items()
        if demo.api is not None
    }


def write_demo_config(servers: dict[str, FakeServer], folder: Path = DEMO_DIR) -> Path:
    """A fresh demo folder with an acacia.yml pointing at the fake APIs."""
    if folder.exists():
        shutil.rmtree(folder)  # the community is drawn again up to now; start clean
    folder.mkdir(parents=True)
    community: Community = next(iter(servers.values())).api.data.community
    sources: dict[str, dict] = {}
    secrets: list[str] = []
    for name, demo in demo_sources().items():
        server = servers.get(name)
        if demo.api is not None and server is None:
            continue
        section = {**demo.settings(server.url if server else None), **demo.secrets}
        if server is not None:
            # The sample community is a year long, drawn up to a moment a little before
            # the sync reads its clock: a longer backfill reads all of it.
            section["backfill_days"] = 400
        if demo.prepare is not None:
            demo.prepare(community, folder)
        sources[name] = section
        secrets += demo.secrets.values()
    config = {
        "community_name": "Acacia sample community",
        "storage": {"data_dir": "."},
        "sources": sources,
        "identity": {"bots": ["release-helper"]},
        # The places the sample's team watches (README, Events): Lagos's growing series.
        "events": {"priority_places": ["Africa", "South America"]},
    }
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
        "".join(f"{env}=demo-secret-for-the-fake-api\n" for env in secrets)
    )
    return path
