"""The landing zone and the sync's state in object storage (storage.landing_url = s3://…),
against a local S3-compatible server (moto's server mode) on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import duckdb
import pyarrow.fs as pafs
import pytest
import yaml

from connectors.core.config import ConfigError, load_config
from connectors.core.folders import Folder
from connectors.core.records import Activity, Identity
from pipelines.orchestration.execute import run_job
from pipelines.storage.landing import (
    TABLE_SCHEMAS,
    CursorStore,
    Lander,
    LandingZone,
    SuppressionList,
    SyncStatus,
)
from pipelines.storage.team_store import store_path
from pipelines.sync.connect import Secrets
from pipelines.sync.ingest import sync_source
from tests.conftest import TOKEN, write_config
from tests.test_incremental import assert_same, marts

BUCKET = "acacia-test"
WHEN = datetime(2026, 1, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    """A local S3 server; the AWS variables point every client (pyarrow, boto3) at it."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    saved = dict(os.environ)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing-secret-0123456789",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_ENDPOINT_URL=f"http://{host}:{port}",
        AWS_EC2_METADATA_DISABLED="true",
    )
    try:
        pafs.S3FileSystem(
            endpoint_override=f"http://{host}:{port}", allow_bucket_creation=True
        ).create_dir(BUCKET)
        yield f"http://{host}:{port}"
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()


@pytest.fixture
def prefix(s3_server: str, request: pytest.FixtureRequest) -> str:
    """A fresh prefix of the bucket for one test."""
    return f"s3://{BUCKET}/{request.node.name}"


def objects(url: str) -> list[str]:
    """Every object under ``url``, as S3 lists them (no folder of its own)."""
    fs, base = pafs.FileSystem.from_uri(url)
    infos = fs.get_file_info(pafs.FileSelector(base, recursive=True, allow_not_found=True))
    return sorted(i.path[len(base) + 1 :] for i in infos if i.type == pafs.FileType.File)


def test_files_and_cursors_land_in_the_bucket(prefix):
    root = Folder(prefix)
    zone, cursors = LandingZone(root.child("landing")), CursorStore(root.child("state"))
    lander = Lander(zone, cursors, "slack", flush_rows=1000)
    lander.add(
        [Activity("slack", f"C1:{n}", "message", WHEN, f"U{n}", "general") for n in range(3)],
        [Identity("slack", "U0", "ada", has_profile=True)],
        "C1",
        {"oldest": "1.5"},
    )
    # Buffered: neither the records nor their cursor are in the bucket yet.
    assert objects(prefix) == [] and cursors.load("slack") == {}
    lander.flush()
    landed = objects(prefix)
    assert [p.split("/")[:3] for p in landed] == [
        ["landing", "slack", "activities"],
        ["landing", "slack", "identities"],
        ["state", "slack.json"],
    ]
    assert cursors.load("slack") == {"C1": {"oldest": "1.5"}}
    assert zone.files("slack", "activities") == [f"{prefix}/{landed[0]}"]
    assert zone.actors_without_profile("slack") == {"U1", "U2"}
    first = root.read_bytes(landed[0])

    # A second run adds a file and never rewrites the first.
    again = Lander(zone, cursors, "slack")
    again.add([Activity("slack", "C1:9", "message", WHEN, "U0", "general")], [], "C1", {"n": 2})
    again.flush()
    assert len(zone.files("slack", "activities")) == 2
    assert root.read_bytes(landed[0]) == first
    ids = zone.query("slack", "activities", "select activity_id from landed order by 1")
    assert [i for (i,) in ids] == ["C1:0", "C1:1", "C1:2", "C1:9"]
    assert cursors.load("slack") == {"C1": {"n": 2}}


def test_the_sync_state_is_replaced_whole(prefix, tmp_path):
    """Cursors, the sync status and the forgotten list each live in one object that a
    write replaces whole; the store's secret, like a token, never gets into one."""
    path = tmp_path / "acacia.yml"
    path.write_text(yaml.safe_dump({"storage": {"landing_url": prefix}}))
    state = load_config(path).storage.sync_state()  # registers the store's secret
    assert state.url == f"{prefix}/state"
    status = SyncStatus(state)
    secret = os.environ["AWS_SECRET_ACCESS_KEY"]
    status.record("github", status="failed", message=f"SignatureDoesNotMatch for {secret}")
    status.record("slack", status="ok", counts={"activities_landed": 3})
    loaded = status.load()
    assert loaded["github"]["status"] == "failed" and loaded["slack"]["activities_landed"] == 3
    assert secret not in state.read_text("sync_status.json")
    SuppressionList(state).add({"github:42"}, {"ada@example.org"})
    again = SuppressionList(state)
    assert again.identity("github", "42") and again.email("ADA@example.org")
    assert objects(prefix) == ["state/suppressed.json", "state/sync_status.json"]


CUT_OFF = """
import os, signal, sys
import duckdb
import pyarrow.fs as pafs
fs, base = pafs.FileSystem.from_uri(sys.argv[1])
stream = fs.open_output_stream(base + "/landing/github/activities/cut.parquet")
stream.write(b"PAR1" + bytes(6 * 1024 * 1024))  # past the first part of the upload
stream.flush()
print("uploading", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_an_upload_cut_off_leaves_nothing(prefix):
    """A process killed mid-upload leaves an unfinished multipart upload: no object,
    so no reader ever sees half a file."""
    done = subprocess.run(
        [sys.executable, "-c", CUT_OFF, prefix], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == -signal.SIGKILL and done.stdout == "uploading\n"
    assert objects(prefix) == []
    assert LandingZone(Folder(prefix).child("landing")).files("github", "activities") == []


def test_credentials_in_the_url_are_refused(tmp_path):
    path = tmp_path / "acacia.yml"
    url = "s3://AKIAEXAMPLEKEY:wJalrXUtnFEMI-example-secret@bucket/x"
    path.write_text(yaml.safe_dump({"storage": {"landing_url": url}}))
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert "storage.landing_url" in message and "AWS_ACCESS_KEY_ID" in message
    assert "AKIAEXAMPLEKEY" not in message and "wJalrXUtnFEMI" not in message


SYNC = """
import sys
from connectors.core.config import load_config
from pipelines.sync.ingest import sync_source
from pipelines.sync.connect import Secrets
sync_source(load_config(sys.argv[1]), "github", Secrets(token=sys.argv[2]), flush_rows=40)
"""


@pytest.mark.slow
def test_a_sync_killed_mid_way_resumes_with_nothing_lost(
    prefix, tmp_path, fake_github, github_data
):
    """Kill -9 a sync landing in the bucket once some files are in, then sync again:
    every item arrives, nothing landed before the kill is lost, the second run starts
    from the committed cursors, and nothing is landed twice beyond the batches the kill
    cut off (the staging models keep one row per item: latest fetch wins)."""
    path = write_config(tmp_path, fake_github.url, seconds_between_requests=0.02)
    raw = yaml.safe_load(path.read_text())
    raw["storage"] = {"data_dir": "data", "landing_url": prefix}
    path.write_text(yaml.safe_dump(raw))
    config = load_config(path)
    zone, cursors = LandingZone(config.storage.landing()), CursorStore(config.storage.sync_state())

    process = subprocess.Popen([sys.executable, "-c", SYNC, str(path), TOKEN])
    deadline = time.monotonic() + 120
    while len(zone.names("github", "activities")) < 4:
        assert process.poll() is None, "the sync ended before it could be killed"
        assert time.monotonic() < deadline, "no files landed in the bucket"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()

    landed_before = Counter(zone.query("github", "activities", "select activity_id from landed"))
    committed = cursors.load("github")
    assert committed, "the kill came after some cursors were committed"
    assert not (tmp_path / "data" / "landing").exists()  # nothing landed on the local disk

    report = sync_source(config, "github", Secrets(token=TOKEN))
    assert report.failed == []
    landed = Counter(zone.query("github", "activities", "select activity_id from landed"))
    assert landed_before <= landed  # nothing landed before the kill is lost
    ids = {i for (i,) in landed}
    assert Counter(i.split(":", 1)[0] for i in ids) == github_data.expected_counts()
    # The second run resumed from the committed cursors instead of starting over...
    assert report.activities < len(ids)
    # ...and landed again only part of what the first had landed: the streams whose
    # cursors the kill left behind their files (about 140 of 335 rows here).
    assert sum(landed.values()) - len(ids) < sum(landed_before.values())
    assert SyncStatus(config.storage.sync_state()).load()["github"]["status"] == "ok"


@pytest.mark.slow
def test_the_models_build_from_a_landing_zone_in_the_bucket(prefix, synced, tmp_path):
    """The sample community's landing zone copied into the bucket builds the same marts
    as on the disk: the models' DuckDB reads it through pyarrow (pipelines/
    duckdb_landing.py), with no extension download."""
    source = synced["config"]
    workspace = tmp_path / "bucket"
    shutil.copytree(source.path.parent, workspace, ignore=shutil.ignore_patterns("data"))
    for part in ("state", "resolution"):
        shutil.copytree(source.storage.data_dir / part, workspace / "data" / part)
    shutil.copy(store_path(source), workspace / "data" / store_path(source).name)
    local, remote = source.storage.landing(), Folder(prefix).child("landing")
    zone = LandingZone(local)
    for name in zone.sources():
        for table in TABLE_SCHEMAS:  # every landed table of the contract, and rejects
            for file in zone.names(name, table):
                remote.write_bytes(local.read_bytes(name, table, file), name, table, file)
    path = workspace / "acacia.yml"
    raw = yaml.safe_load(path.read_text())
    raw.setdefault("storage", {})["landing_url"] = prefix
    path.write_text(yaml.safe_dump(raw))

    assert run_job(path, "rebuild", ephemeral=True).success
    config = load_config(path)
    assert not (config.storage.data_dir / "landing").exists()
    with duckdb.connect(str(config.storage.warehouse()), read_only=True) as con:
        files = con.execute("select min(file) from staging.stg_landed_files").fetchone()[0]
    assert files.startswith(f"{prefix}/landing/")
    assert_same(marts(config), marts(source), "landing zone in the bucket")


def test_forgetting_a_member_rewrites_their_files_in_the_bucket(prefix, tmp_path):
    """``acacia forget`` reaches a landing zone in object storage: the member's rows and
    the items set aside that name them are gone, every other row stays, and a later
    sync never lands them again."""
    from connectors.core.batch import Reject
    from pipelines.storage.forget import ForgetReport, scrub_files

    path = tmp_path / "acacia.yml"
    path.write_text(yaml.safe_dump({"storage": {"landing_url": prefix}}))
    config = load_config(path)
    zone, cursors = LandingZone(config.storage.landing()), CursorStore(config.storage.sync_state())
    lander = Lander(zone, cursors, "github")
    lander.add(
        [Activity("github", f"star:{n}", "star", WHEN, user, "o/r") for n, user in enumerate("12")],
        [
            Identity("github", "1", "ada-l", email="ada@example.org", has_profile=True),
            Identity("github", "2", "grace", has_profile=True),
        ],
        rejects=[
            Reject("issues", "o/r", "missing field 'id'", {"user": {"login": "ada-l"}}),
            Reject("issues", "o/r", "missing field 'id'", {"user": {"login": "grace"}}),
        ],
    )
    lander.flush()
    before = objects(prefix)

    report = ForgetReport("m1", ["github:1"])
    SuppressionList(config.storage.sync_state()).add({"github:1"}, {"ada@example.org"})
    scrub_files(config, {"github:1"}, "m1", report)
    assert report.rows_removed == {
        "github activities": 1,
        "github identities": 1,
        "github rejects": 1,
    }
    assert objects(prefix) == [*before[:3], "state/suppressed.json"]  # rewritten in place
    actors = zone.query("github", "activities", "select actor from landed")
    users = zone.query("github", "identities", "select username from landed")
    items = zone.query("github", "rejects", "select item from landed")
    assert actors == [("2",)] and users == [("grace",)]
    assert len(items) == 1 and "ada-l" not in items[0][0]

    again = Lander(zone, cursors, "github")
    again.add([Activity("github", "star:9", "star", WHEN, "1", "o/r")], [])
    again.flush()
    assert zone.query("github", "activities", "select actor from landed order by 1") == [("2",)]
