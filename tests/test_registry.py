"""Every registered source is wired through the configuration, Dagster, the credential
check and the models; and a new source needs nothing but its own folder
(docs/new-source.md)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from connectors.core import registry
from connectors.core.config import DEFAULT_CATEGORIES, DEFAULT_WEIGHTS, Sources, load_config
from connectors.core.source import SourceDefinition, SourceSettings
from pipelines.build.settings import registry_vars

REPO = Path(__file__).resolve().parents[1]
ACACIA = str(Path(sys.executable).parent / "acacia")


def test_every_source_package_is_registered_and_wired_everywhere(tmp_path):
    packages = sorted(p.parent.name for p in (REPO / "connectors" / "sources").glob("*/source.py"))
    assert sorted(registry.sources()) == packages and len(packages) == 10
    config_file = tmp_path / "acacia.yml"
    config_file.write_text("storage: {data_dir: data}\n")
    config = load_config(config_file)
    variables = registry_vars(config)
    for name, source in registry.sources().items():
        assert isinstance(source, SourceDefinition) and source.name == name
        # The configuration: a `sources.<name>` key with the source's own settings model.
        field = Sources.model_fields[name]
        assert source.settings in getattr(field.annotation, "__args__", ())
        assert issubclass(source.settings, SourceSettings)
        # Its activity types: a default weight and category each, and the models know them.
        for kind in source.activity_types:
            assert DEFAULT_WEIGHTS[kind.name] == kind.weight
            assert DEFAULT_CATEGORIES[kind.name] == kind.category
            assert kind.name in variables["acacia_activity_types"]
            assert (kind.name in variables["contribution_types"]) == (
                kind.category == "contribution"
            )
        # The models read its landed files, and the check has something to call.
        assert name in variables["acacia_sources"]
        assert callable(source.check) and callable(source.build)
    # The demo serves every source, from each one's own sample module.
    from pipelines.cli.demo import demo_sources

    assert list(demo_sources()) == list(registry.sources())
    # No list of sources kept by hand in the dbt project.
    project = yaml.safe_load((REPO / "models" / "dbt_project.yml").read_text())
    assert project["vars"]["acacia_sources"] == []
    assert not list((REPO / "models" / "models" / "staging").glob("*/"))


def test_the_dagster_definitions_have_every_enabled_source(tmp_path, monkeypatch):
    from pipelines.orchestration.assemble import build_definitions
    from tests.conftest import write_config

    path = write_config(
        tmp_path,
        "http://127.0.0.1:9",
        *(["http://127.0.0.1:9"] * 4),
        events_folder=tmp_path,
        mailing_lists_url="http://127.0.0.1:9",
        discord_url="http://127.0.0.1:9",
        calendars_url="http://127.0.0.1:9",
        meetup_url="http://127.0.0.1:9",
    )
    config = load_config(path)
    monkeypatch.setenv("ACACIA_CONFIG", str(path))
    definitions = build_definitions(path)
    graph = definitions.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    staging = next(k for k in graph.get_all_asset_keys() if "stg_landed_files" in str(k))
    upstream = {key.to_user_string() for key in graph.get(staging).parent_keys}
    for source in config.enabled_sources():
        assert f"{source}_landing" in keys
        assert f"{source}_landing" in upstream  # the ledger lists its files
        assert definitions.resolve_job_def(f"sync_{source}") is not None
    assert len(config.enabled_sources()) == len(registry.sources())


NEW_SOURCE = '''"""A bulletin board's export (one JSON file of posts) as a source: the example of
docs/new-source.md."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from connectors.core.batch import Batch, read_each
from connectors.core.clock import utc
from connectors.core.records import Activity, Identity
from connectors.core.source import ActivityType, SourceDefinition, SourceSettings


class BulletinSource(SourceSettings):
    """sources.bulletin: the folder holding archive.json."""

    folder: Path = Path("mail")

    secret_key: ClassVar[str | None] = None
    path_keys: ClassVar[tuple[str, ...]] = ("folder",)


class BulletinConnector:
    def __init__(self, folder: Path) -> None:
        self.folder, self.problems, self.requests = folder, [], 0

    def sync(self, state) -> Iterator[Batch]:
        messages = json.loads((self.folder / "archive.json").read_text())
        identities = {}

        def read(message) -> list[Activity]:
            sender = message["from"]
            identities[sender] = Identity("bulletin", sender, sender.split("@")[0], email=sender)
            reply = message.get("in_reply_to")
            return [
                Activity(
                    "bulletin",
                    message["id"],
                    "board_reply" if reply else "board_post",
                    utc(message["date"]),
                    sender,
                    "announcements",
                    thread_id=message.get("thread", message["id"]),
                    parent_id=reply,
                )
            ]

        activities, rejects = read_each(messages, read, "archive", "announcements")
        yield Batch("archive", "announcements", activities, list(identities.values()), {}, rejects)


SOURCE = SourceDefinition(
    name="bulletin",
    label="Bulletin board",
    description="Posts of the project's bulletin board (a JSON export).",
    settings=BulletinSource,
    activity_types=(
        ActivityType(
            "board_post", "conversation", 1, "opens", "board thread",
            label="Board post", family="Discussions",
        ),
        ActivityType(
            "board_reply", "conversation", 1, "replies",
            label="Board reply", family="Discussions",
        ),
    ),
    build=lambda settings, secrets, landed: BulletinConnector(settings.folder),
    check=lambda settings, secrets: f"{settings.folder / 'archive.json'} is readable",
)
'''


@pytest.mark.slow
def test_a_new_source_needs_only_its_own_folder(tmp_path):
    """A copy of Acacia with one more folder, connectors/sources/bulletin/, and nothing else
    changed: `acacia check` checks it, `acacia sync` lands it through its Dagster asset,
    and the published marts count its messages, with a reply's response time, one item
    set aside, and the team's own category and weight for its types."""
    copy = tmp_path / "acacia"
    for part in ("connectors", "pipelines", "models", "dashboard"):
        shutil.copytree(
            REPO / part, copy / part, ignore=shutil.ignore_patterns("target", "__pycache__")
        )
    shutil.copy(REPO / "dagster.yaml", copy / "dagster.yaml")
    folder = copy / "connectors" / "sources" / "bulletin"
    folder.mkdir()
    (folder / "__init__.py").write_text('"""A bulletin board."""\n')
    (folder / "source.py").write_text(NEW_SOURCE)

    workspace = tmp_path / "community"
    (workspace / "mail").mkdir(parents=True)
    messages = [
        {"id": "<1@list>", "from": "ana@example.org", "date": "2026-11-20T10:00:00Z"},
        {
            "id": "<2@list>",
            "from": "bo@example.org",
            "date": "2026-11-20T12:30:00Z",
            "thread": "<1@list>",
            "in_reply_to": "<1@list>",
        },
        {"id": "<3@list>", "from": "ana@example.org"},  # no date: set aside
    ]
    messages[0]["thread"] = "<1@list>"
    (workspace / "mail" / "archive.json").write_text(json.dumps(messages))
    (workspace / "acacia.yml").write_text(
        "community_name: Lists\nsources:\n  bulletin:\n    folder: mail\n"
        # A team counts a reply on its list as a contribution, and a new thread as 3.
        "categories: {board_reply: contribution}\nweights: {board_post: 3}\n"
    )
    env = {**os.environ, "PYTHONPATH": str(copy)}

    def acacia(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [ACACIA, *args, "--config", str(workspace / "acacia.yml")],
            env=env,
            cwd=copy,
            capture_output=True,
            text=True,
            timeout=600,
        )

    checked = acacia("check")
    assert checked.returncode == 0, checked.stderr
    assert "bulletin: " in checked.stdout and "archive.json is readable" in checked.stdout
    synced = acacia("sync")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    snapshot = next((workspace / "data" / "serving").glob("*.duckdb"))
    with duckdb.connect(str(snapshot), read_only=True) as con:
        rows = con.execute(
            "select activity_type, category, weight from marts.activities "
            "where source = 'bulletin' order by occurred_at"
        ).fetchall()
        responses = con.execute(
            "select item_type, hours_to_first_response from marts.response_times "
            "where source = 'bulletin'"
        ).fetchall()
        members = con.execute("select count(*) from marts.members").fetchone()[0]
        status = con.execute(
            "select status, items_rejected from _sync_status where source = 'bulletin'"
        ).fetchone()
    assert rows == [("board_post", "conversation", 3), ("board_reply", "contribution", 1)]
    assert responses == [("board thread", 2.5)]
    assert members == 2
    assert status == ("ok", 1)
