"""The models built on Spark (docs/scale.md): the same dbt project, by dbt-spark.

dbt-spark's session method (Spark inside this process) runs SQL models only, and the two
intermediate models are Python (identity resolution and places). So a Spark build is
three steps in one process and one Spark session:

1. dbt builds the staging layer on Spark;
2. the intermediate models' Python (the same functions the DuckDB models call) reads the
   staging tables from Spark as Arrow and writes its tables back to Spark, in the
   ``intermediate`` schema, with identity resolution's results (which it also writes
   beside the landing zone, as on DuckDB);
3. dbt builds the marts, which read those tables (the ``intermediate`` macro), but for
   the Python marts, which the same functions the DuckDB models call build from what
   they read and write to Spark's ``marts`` schema: the themes, after them.

Run it with ``python -m pipelines.build.spark --config acacia.yml --warehouse DIR``,
with dbt-spark installed (``pip install -e '.[spark]'``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from pipelines import build
from pipelines.build.settings import running
from pipelines.storage.landing import SCHEMAS as RECORD_SCHEMAS
from pipelines.storage.landing import LandingZone
from pipelines.sync.connect import SOURCES

#: The schema of the intermediate tables (dbt_project.yml).
INTERMEDIATE = "intermediate"


class SparkBuildError(RuntimeError):
    """A step of the Spark build failed; the message says which."""


def build_on_spark(config: Any, warehouse: str, marts: str = "marts") -> None:
    """Build the models of ``config``'s workspace on Spark, with Spark's warehouse (its
    tables' folder) at ``warehouse``, a path or a URL; dbt's artifacts and log go to the
    workspace's ``dbt/spark``. ``marts`` is the dbt selection built after the
    intermediate step. The three steps are one build (pipelines/build): one batch
    number, after every earlier build's of the workspace on either engine (identity
    resolution marks what changed with it)."""
    from pyspark.sql import SparkSession

    os.environ["ACACIA_SPARK_WAREHOUSE"] = str(warehouse)
    settings = build.settings_for(config, "spark")
    settings["landed_folders"] = _landed_folders(config, settings["landing"])
    _dbt(config, settings, "staging")
    # The session dbt-spark made (its connections run in threads of their own, so this
    # thread has no active session; the builder returns the process's).
    with running(config, settings):
        _intermediate(SparkSession.builder.getOrCreate(), config)
    python = python_marts()
    _dbt(config, settings, marts, exclude=tuple(python))
    if marts == "marts":
        with running(config, settings):
            _python_marts(SparkSession.builder.getOrCreate(), config, settings, python)


def python_marts() -> list[str]:
    """The marts written in Python (dbt-spark's session method runs SQL only)."""
    from pipelines.build import dbt

    parsed = dbt.manifest()
    return sorted(
        node.name
        for node in parsed.nodes.values()
        if node.resource_type == "model"
        and node.fqn[1:2] == ["marts"]
        and str(node.language).endswith("python")
    )


def _python_marts(spark: Any, config: Any, settings: dict[str, Any], names: list[str]) -> None:
    """Each Python mart from the Spark tables it reads, by the DuckDB model's function."""
    from datetime import date

    from pipelines.build import themes

    unknown = set(names) - {"themes"}
    if unknown:
        raise SparkBuildError(f"No Spark step for the Python marts {', '.join(sorted(unknown))}.")
    layer = {"stg_activity_texts": "staging"}
    inputs = {
        name: spark.table(f"{layer.get(model, 'marts')}.{model}")
        .selectExpr(*(c.strip() for c in columns.split(",")))
        .toArrow()
        for name, (model, columns) in themes.INPUTS.items()
    }
    table = themes.themes_table(inputs, config, date.fromisoformat(settings["as_of_date"]))
    _write(spark, "marts.themes", table)


def _write(spark: Any, name: str, table: Any) -> None:
    frame = spark.createDataFrame(table, schema=_spark_schema(table.schema))
    frame.write.mode("overwrite").format("parquet").saveAsTable(name)


def _dbt(config: Any, settings: dict[str, Any], select: str, exclude: tuple[str, ...] = ()) -> None:
    done = build.run(config, build.Plan(select=select, exclude=exclude), "spark", settings)
    if done.failed:
        raise SparkBuildError(
            f"dbt build --select {select} failed on Spark: "
            + str("; ".join(f"{r.name}: {r.message}" for r in done.failed[:5]))
            + f" (dbt's log: {done.log})"
        )


def _intermediate(spark: Any, config: Any) -> None:
    """The intermediate models, from the staging tables Spark built, written to Spark;
    and identity resolution's results (``resolution/*.parquet``, which the DuckDB marts
    read from the data folder) as tables beside them, so the marts read them from
    Spark's warehouse wherever Spark runs (the ``resolved`` macro)."""
    import pyarrow.parquet as pq

    from connectors.core.places import places_arrow
    from pipelines.build.identity_step import resolve_arrow
    from pipelines.identity.results import SCHEMAS

    identities = spark.table("staging.stg_landing__identities").toArrow()
    events = (
        spark.table("staging.stg_event_attendance")
        .select("city", "country")
        .union(spark.table("staging.stg_listings").select("city", "country"))
        .toArrow()
    )
    tables = {
        "int_identities__resolved": resolve_arrow(identities),
        "int_places": places_arrow(identities.select(["location", "timezone"]), events),
    }
    for name, schema in SCHEMAS.items():
        path = config.storage.resolution() / f"{name}.parquet"
        found = pq.read_table(path, schema=schema) if path.exists() else schema.empty_table()
        tables[f"resolution_{name}"] = found
    spark.sql(f"create schema if not exists {INTERMEDIATE}")
    for name, table in tables.items():
        frame = spark.createDataFrame(table, schema=_spark_schema(table.schema))
        frame.write.mode("overwrite").format("parquet").saveAsTable(f"{INTERMEDIATE}.{name}")


def _spark_schema(schema: Any) -> Any:
    """Spark's schema of an Arrow schema (an empty table has no rows to infer it from)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def _landed_folders(config: Any, landing: str) -> list[str]:
    """The landing zone's table folders that hold landed files, as the staging models
    name them (the ``landing`` setting, a source, a table): Spark fails to read a folder
    with none, where DuckDB's glob finds nothing."""
    zone = LandingZone(config.storage.landing())
    return [
        f"{landing}/{source}/{table}/"
        for source in SOURCES
        for table in RECORD_SCHEMAS
        if zone.names(source, table)
    ]


def main(argv: list[str] | None = None) -> None:
    from connectors.core.config import load_config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, type=Path, help="the workspace's acacia.yml")
    parser.add_argument("--warehouse", required=True, help="Spark's warehouse folder or URL")
    parser.add_argument("--marts", default="marts", help="the dbt selection of the marts")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    build_on_spark(config, args.warehouse, args.marts)


if __name__ == "__main__":
    main()
