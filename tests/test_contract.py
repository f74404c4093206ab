"""The record contract is the same in Python (connectors) and SQL (models)."""

from __future__ import annotations

import re

from dagster import DagsterInstance

from connectors.core.config import load_config
from connectors.core.folders import REPO_ROOT
from connectors.core.records import ACTIVITY_COLUMNS, IDENTITY_COLUMNS
from pipelines.orchestration.execute import dagster_environment
from pipelines.storage.landing import SCHEMAS

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
