"""The models on Spark (docs/scale.md): the same dbt project, built by dbt-spark's
session method (Spark in local mode, inside the dbt process) from the synced sample
community's landing zone, equals what DuckDB built, row for row.

Spark support grows layer by layer: ``ON_SPARK`` lists the dbt selections that build on
Spark today, and each is compared whole. `make test` installs dbt-spark and pyspark
first (tests/spark.py)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.defs.models import dbt_environment

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]

MODELS = Path(__file__).resolve().parents[1] / "models"
#: The layers of the project that build on Spark so far (dbt selections, with schema).
ON_SPARK = {"staging": "staging"}
#: The build's own bookkeeping, which differs between any two builds.
BOOKKEEPING = {"batch", "_batch"}


def normalized(value: object) -> object:
    """A value as both engines can agree on it: an instant as UTC wall time (DuckDB
    keeps the zone, Spark shows the session's, UTC)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


@pytest.fixture(scope="module")
def spark_build(synced, tmp_path_factory) -> Path:
    """The synced workspace's models built on Spark; returns Spark's warehouse folder."""
    from tests.spark import missing

    assert not missing(), "run `python -m tests.spark` first (make test does)"
    config = synced["config"]
    folder = tmp_path_factory.mktemp("spark")
    env = {
        **os.environ,
        **dbt_environment(config, 1),
        "ACACIA_SPARK_WAREHOUSE": str(folder / "warehouse"),
    }
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "build",
            "--target",
            "spark",
            "--project-dir",
            str(MODELS),
            "--profiles-dir",
            str(MODELS),
            "--target-path",
            str(folder / "target"),
            "--log-path",
            str(folder / "target"),
            "--select",
            *ON_SPARK,
        ],
        cwd=folder,  # Spark's metastore is made in the working folder
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    return folder / "warehouse"


def test_every_model_built_on_spark_equals_duckdb(synced, spark_build):
    warehouse = synced["config"].storage.warehouse()
    compared = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for schema in ON_SPARK.values():
            tables = [
                name
                for (name,) in con.execute(
                    "select table_name from duckdb_tables() where schema_name = ? "
                    "and table_name != 'build_watermarks' order by 1",
                    [schema],
                ).fetchall()
            ]
            for table in tables:
                files = sorted((spark_build / f"{schema}.db" / table).glob("*.parquet"))
                assert files, f"Spark built no {schema}.{table}"
                columns = [
                    name
                    for (name, *_rest) in con.execute(f"describe {schema}.{table}").fetchall()
                    if name not in BOOKKEEPING
                ]
                listed = ", ".join(f'"{c}"' for c in columns)
                ours = con.execute(f"select {listed} from {schema}.{table} order by all").fetchall()
                theirs = duckdb.execute(
                    f"select {listed} from read_parquet(?) order by all", [[str(f) for f in files]]
                ).fetchall()
                assert len(theirs) == len(ours), (table, len(theirs), len(ours))
                for mine, spark in zip(ours, theirs, strict=True):
                    for column, a, b in zip(columns, mine, spark, strict=True):
                        assert same(normalized(a), normalized(b)), (table, column, mine, spark)
                compared.append(table)
    assert {"stg_landed_files", "stg_landing__identities", "stg_event_attendance"} <= set(compared)
