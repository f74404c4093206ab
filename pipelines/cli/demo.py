"""The demo: the bundled sample community served by the fake APIs, synced for real.

Nothing here talks to the internet and no token is needed: the connectors and SDKs run
unchanged against local servers that speak each platform's protocol.

The sample community and its fake APIs are a support package (sample/), never imported by
the product: the demo loads it by name, and says how to install it when it is missing
(its dependency, werkzeug, is the ``sample`` extra).
"""

from __future__ import annotations

import importlib
import shutil
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from connectors.core import clock, registry
from connectors.core.folders import REPO_ROOT

DEMO_DIR = REPO_ROOT / "data" / "demo"
#: The support package of the sample community, loaded by name.
SAMPLE = "sample"


def sample(module: str = "") -> Any:
    """The sample package's ``module`` (its top with none), loaded by name."""
    name = f"{SAMPLE}.{module}" if module else SAMPLE
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is not None and error.name.split(".")[0] in {SAMPLE, "werkzeug"}:
            raise SystemExit(
                "The demo needs the sample community (sample/ in Acacia's repository) and "
                f"its fake APIs, which need werkzeug ({error.name} is missing). From a "
                "clone of the repository, `make demo` installs everything; with pip, "
                "`pip install 'acacia[sample]'`."
            ) from None
        raise


def demo_sources() -> dict[str, Any]:
    """Every registered source whose sample module (sample/<source>.py)
    declares how the demo serves it, in the registry's order."""
    found = {}
    demo_source = sample("base").DemoSource
    for name in registry.sources():
        try:
            module = importlib.import_module(f"{SAMPLE}.{name}")
        except ModuleNotFoundError:
            continue
        if isinstance(getattr(module, "DEMO", None), demo_source):
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
) -> dict[str, Any]:
    """Serve the sample community on every source's fake API on 127.0.0.1 (threads).
    The community ends at ``end`` (default: the clock's now); its shape is the same
    whatever the date."""
    community = sample("community").build_community(end or clock.now())
    fake_server = sample().FakeServer
    ports = ports or {}
    return {
        name: fake_server(demo.api(community), port=_free(ports.get(name, demo.port))).start()
        for name, demo in demo_sources().items()
        if demo.api is not None
    }


def write_demo_config(servers: dict[str, Any], folder: Path = DEMO_DIR) -> Path:
    """A fresh demo folder with an acacia.yml pointing at the fake APIs."""
    if folder.exists():
        shutil.rmtree(folder)  # the community is drawn again up to now; start clean
    folder.mkdir(parents=True)
    community = next(iter(servers.values())).api.data.community
    sources: dict[str, dict] = {}
    secrets: list[str] = []
    for name, demo in demo_sources().items():
        server = servers.get(name)
        if demo.api is not None and server is None:
            continue
        section = {**demo.settings(server.url if server else None), **demo.secrets}
        if server is not None and "backfill_days" in registry.sources()[name].settings.model_fields:
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
        # Who says they would work with others: the saved list below reads this tag.
        "tags": {
            "rules": {
                "thankful": ["thanks", "thank you", "thx"],
                "technical-collaboration": ["mentoring", "release process", "security audit"],
            }
        },
    }
    (folder / "organizations.yml").write_text(
        "# The sample community's organizations (see README, Identity and organizations).\n"
        + yaml.safe_dump(sample("community").organizations_file(community), sort_keys=False)
    )
    path = folder / "acacia.yml"
    path.write_text(
        "# Written by `acacia demo`: the sample community on local fake APIs.\n"
        + yaml.safe_dump(config, sort_keys=False)
    )
    (folder / ".env").write_text(
        "".join(f"{env}=demo-secret-for-the-fake-api\n" for env in secrets)
    )
    for name, demo in demo_sources().items():
        if demo.land is not None and name in sources:
            demo.land(community, path)
    # A list the sample's team saved: one click from the Members page.
    from connectors.core.config import load_config
    from pipelines.storage.team_store import TeamStore, store_path

    store = TeamStore(store_path(load_config(path)))
    store.save_list(
        "Interested in technical collaboration",
        {"tags": ["technical-collaboration"]},
        author="Acacia demo",
    )
    # The contributors the sample's team reached out to after they went quiet.
    sample("outreach").record_contacts(community, store)
    # The ambassador it works with in Lagos (README, Ambassadors and liaisons).
    sample("ambassadors").record_tag(community, store)
    return path
