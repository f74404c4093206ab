"""The record contract is the same in Python (connectors) and SQL (models)."""

from __future__ import annotations

from dagster import DagsterInstance

from connectors.core.config import load_config
from connectors.core.folders import REPO_ROOT
from connectors.core.records import ACTIVITY_COLUMNS, IDENTITY_COLUMNS
from pipelines.build.settings import landing_columns
from pipelines.orchestration.execute import dagster_environment
from pipelines.storage.landing import SCHEMAS

MACROS = REPO_ROOT / "models" / "macros"


def test_landing_columns_are_the_record_fields_plus_bookkeeping():
    """The landing zone's schemas and the models' typed reads are the record contract:
    every field of each record, typed by its annotation, then the bookkeeping."""
    bookkeeping = ["fetched_at", "run_id"]
    assert SCHEMAS["activities"].names == [*ACTIVITY_COLUMNS, *bookkeeping]
    assert SCHEMAS["identities"].names == [*IDENTITY_COLUMNS, *bookkeeping]
    read = landing_columns()
    assert [n for n, _ in read["activities"]] == [*ACTIVITY_COLUMNS, *bookkeeping]
    assert [n for n, _ in read["identities"]] == [*IDENTITY_COLUMNS, *bookkeeping]
    types = {**dict(read["activities"]), **dict(read["identities"])}
    assert types["occurred_at"] == types["fetched_at"] == "timestamptz"
    assert types["is_deleted"] == types["has_profile"] == "boolean"
    assert types["extra"] == types["email"] == types["actor"] == "varchar"


def test_the_models_read_the_columns_the_build_passes():
    """No column is written in the dbt macros: the build hands them over."""
    sql = (MACROS / "landing.sql").read_text()
    assert "'occurred_at'" not in sql and "'source_user_id'" not in sql
    assert "setting(name)" in sql


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
