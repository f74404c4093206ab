"""The models on Spark (docs/scale.md): the same dbt project, built by dbt-spark's
session method (Spark in local mode, inside the process) from the synced sample
community's landing zone (pipelines/build/spark.py: staging, the intermediate models'
Python, the marts), equals what DuckDB built, row for row: every table of every layer.
`make test` installs dbt-spark and pyspark first (tests/spark.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from connectors.core.config import load_config
from pipelines.storage.landing import SCHEMAS as RECORD_SCHEMAS
from pipelines.storage.landing import LandingZone
from pipelines.sync.connect import SOURCES
from tests.conftest import assert_same_rows, copy_workspace

pytestmark = pytest.mark.slow

#: The project's layers (schemas), each compared whole.
LAYERS = ("staging", "intermediate", "marts")
#: The build's own bookkeeping, which differs between any two builds.
BOOKKEEPING = {"batch", "_batch"}


def build_on_spark(config_path: Path, folder: Path, marts: str = "marts") -> Path:
    """Build the workspace of ``config_path`` on Spark as an operator would
    (``python -m pipelines.build.spark``); returns Spark's warehouse folder."""
    from tests.spark import missing

    assert not missing(), "run `python -m tests.spark` first (make test does)"
    warehouse = folder / "warehouse"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.build.spark",
            *("--config", str(config_path), "--warehouse", str(warehouse)),
            *("--marts", marts),
        ],
        cwd=folder,  # Spark's metastore is made in the working folder
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    return warehouse


def spark_rows(warehouse: Path, schema: str, table: str, listed: str) -> list[tuple]:
    files = sorted((warehouse / f"{schema}.db" / table).glob("*.parquet"))
    assert files, f"Spark built no {schema}.{table}"
    return duckdb.execute(
        f"select {listed} from read_parquet(?) order by all", [[str(f) for f in files]]
    ).fetchall()


@pytest.fixture(scope="module")
def spark_workspace(synced, tmp_path_factory) -> tuple[Path, Path]:
    """A copy of the synced workspace (the Spark build writes resolution files beside
    its landing zone) and Spark's warehouse built from it."""
    folder = tmp_path_factory.mktemp("spark")
    config_path = copy_workspace(synced, folder)
    return config_path, build_on_spark(config_path, folder)


def test_every_table_built_on_spark_equals_duckdb(synced, spark_workspace):
    """Every table of every layer, row for row. The synced workspace has registered
    sources that have landed nothing (Meetup is not configured in it; a new source, or
    one whose first sync failed, is the same): DuckDB's glob finds no files where Spark
    would fail to read the folder, so the Spark build passes the folders that hold files
    and the others read as empty (one build proves both)."""
    config_path, warehouse = spark_workspace
    zone = LandingZone(load_config(config_path).storage.landing())
    landed = {s for s in SOURCES if any(zone.names(s, table) for table in RECORD_SCHEMAS)}
    assert "meetup" in set(SOURCES) - landed, "the case of a source with nothing landed"
    listed = spark_rows(warehouse, "staging", "stg_landed_files", "source, table_name")
    assert {source for source, _ in listed} == landed
    compared = []
    with duckdb.connect(str(load_config(config_path).storage.warehouse()), read_only=True) as con:
        for schema in LAYERS:
            tables = [
                name
                for (name,) in con.execute(
                    "select table_name from duckdb_tables() where schema_name = ? "
                    "and table_name != 'build_watermarks' order by 1",
                    [schema],
                ).fetchall()
            ]
            built = {p.name for p in (warehouse / f"{schema}.db").iterdir() if p.is_dir()}
            assert set(tables) <= built, (schema, set(tables) - built)
            for table in tables:
                columns = [
                    name
                    for (name, *_rest) in con.execute(f"describe {schema}.{table}").fetchall()
                    if name not in BOOKKEEPING
                ]
                listed = ", ".join(f'"{c}"' for c in columns)
                ours = con.execute(f"select {listed} from {schema}.{table} order by all").fetchall()
                theirs = spark_rows(warehouse, schema, table, listed)
                assert_same_rows(table, columns, ours, theirs)
                compared.append(table)
        marts = {
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
    # Every layer, every mart: the sample's marts are all there and none is empty-handed.
    assert {"stg_landing__identities", "int_identities__resolved", "int_places"} <= set(compared)
    assert marts <= set(compared) and len(marts) >= 30
