"""The record contract is the same in Python (connectors) and SQL (models)."""

from __future__ import annotations

import re

from dagster import DagsterInstance

from connectors.records import ACTIVITY_COLUMNS, IDENTITY_COLUMNS
from pipelines.config import load_config
from pipelines.landing import SCHEMAS
from pipelines.run import REPO_ROOT, dagster_environment

MACROS = REPO_ROOT / "models" / "macros"


def test_landing_columns_are_the_record_fields_plus_bookkeeping():
    bookkeeping = ["fetched_at", "run_id"]
    assert SCHEMAS["activities"].names == [*ACTIVITY_COLUMNS, *bookkeeping]
    assert SCHEMAS["identities"].names == [*IDENTITY_COLUMNS, *bookkeeping]
    sql = (MACROS / "landing.sql").read_text()
    for table, columns in (("activities", ACTIVITY_COLUMNS), ("identities", IDENTITY_COLUMNS)):
        part = (
            sql.split(f"table == '{table}'")[-1]
            if table == "activities"
            else sql.split("{% else %}")[1]
        )
        names = re.findall(r"\('(\w+)', '\w+'\)", part)[: len(columns) + 2]
        assert names == [*columns, *bookkeeping], table


def test_dagster_instance_settings_load(tmp_path, monkeypatch):
    config_file = tmp_path / "acacia.yml"
    config_file.write_text("storage: {data_dir: data}\n")
    for key, value in dagster_environment(load_config(config_file)).items():
        monkeypatch.setenv(key, value)
    with DagsterInstance.get() as instance:
        assert instance.get_runs() == []
    # dagster.yaml put the run history beside Acacia's data, not in the repository.
    written = {p.name for p in (tmp_path / "data" / "dagster").rglob("*.db")}
    assert "runs.db" in written


def test_the_views_are_rebuilt_when_what_they_are_made_of_changes(tmp_path, monkeypatch):
    """The staging step skips dbt only while the project files, the variables and the
    views in the warehouse are what the last build left."""
    import shutil

    import duckdb
    from dagster import AssetKey

    from pipelines.defs import models

    project = tmp_path / "models"
    shutil.copytree(models.MODELS_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setattr(models, "MODELS_DIR", project)
    before = models.views_fingerprint('{"landing_path": "/a"}')
    assert models.views_fingerprint('{"landing_path": "/a"}') == before
    assert models.views_fingerprint('{"landing_path": "/b"}') != before
    macro = project / "macros" / "staging.sql"
    macro.write_text(macro.read_text() + "\n-- changed\n")
    assert models.views_fingerprint('{"landing_path": "/a"}') != before

    warehouse = tmp_path / "warehouse.duckdb"
    keys = [AssetKey(["staging", "stg_landing__activities"]), AssetKey(["intermediate", "int_x"])]
    assert not models.views_exist(warehouse, keys)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema staging; create schema intermediate")
        con.execute("create view staging.stg_landing__activities as select 1 as x")
    assert not models.views_exist(warehouse, keys)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create view intermediate.int_x as select 1 as x")
    assert models.views_exist(warehouse, keys)


def test_a_steps_first_dbt_run_starts_from_the_newest_parse_state_of_the_workspace(tmp_path):
    """A new step folder gets the most recently written parse state of another step;
    a folder that has its own keeps it."""
    import os

    from pipelines.defs.models import _seed_partial_parse

    for step, content, mtime in (("staging", b"old", 1_000), ("marts", b"new", 2_000)):
        (tmp_path / step).mkdir()
        state = tmp_path / step / "partial_parse.msgpack"
        state.write_bytes(content)
        os.utime(state, (mtime, mtime))
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    _seed_partial_parse(fresh)
    assert (fresh / "partial_parse.msgpack").read_bytes() == b"new"
    _seed_partial_parse(tmp_path / "staging")
    assert (tmp_path / "staging" / "partial_parse.msgpack").read_bytes() == b"old"
    alone = tmp_path / "elsewhere" / "step"
    alone.mkdir(parents=True)
    _seed_partial_parse(alone)
    assert not (alone / "partial_parse.msgpack").exists()
