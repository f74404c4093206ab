"""The deployment beyond one machine (pipelines/deploy, docs/scale.md): what can be
checked without a cluster, a registry or a Postgres server."""

from __future__ import annotations

import re
import shlex
import shutil
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from dagster import Definitions
from dagster._config import validate_config
from dagster._core.instance.config import dagster_instance_config
from dagster._serdes.config_class import class_from_code_pointer

from connectors.core.config import STORE_SECRETS, load_config, secret_variables
from pipelines.orchestration.ingest_assets import api_pool
from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "pipelines" / "deploy"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK = dict(
    line.split("==", 1)
    for line in (ROOT / "requirements.lock").read_text().splitlines()
    if "==" in line
)


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (DEPLOY / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        tuple(line.split(None, 1))  # type: ignore[misc]
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_instance_config_is_valid_with_postgres_and_kubernetes(tmp_path, monkeypatch):
    shutil.copy(DEPLOY / "dagster.yaml", tmp_path / "dagster.yaml")
    for name, value in {
        "DAGSTER_PG_HOST": "postgres.acacia.svc",
        "DAGSTER_PG_USERNAME": "dagster",
        "DAGSTER_PG_PASSWORD": "not-a-real-password",
        "DAGSTER_PG_DB": "dagster",
    }.items():
        monkeypatch.setenv(name, value)
    config, _ = dagster_instance_config(str(tmp_path))
    assert set(config["storage"]) == {"postgres"}
    assert config["concurrency"]["pools"]["default_limit"] == 1
    # Each configurable class named loads from the locked packages and takes its config.
    for key in ("run_launcher", "compute_logs"):
        entry = config[key]
        cls = class_from_code_pointer(entry["module"], entry["class"])
        checked = validate_config(cls.config_type(), entry.get("config") or {})
        assert checked.success, (key, checked.errors)
    postgres = class_from_code_pointer("dagster_postgres", "DagsterPostgresStorage")
    checked = validate_config(postgres.config_type(), config["storage"]["postgres"])
    assert checked.success, checked.errors


def test_the_definitions_load_under_the_deployed_instance(tmp_path, monkeypatch):
    """The code location the image serves loads with the deployment's DAGSTER_HOME, and
    each source's sync is in a pool of its own (one sync per source at a time)."""
    from pipelines.orchestration.assemble import build_definitions

    shutil.copy(DEPLOY / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    unused = "http://127.0.0.1:9"  # nothing is called
    config = load_config(
        write_config(
            tmp_path / "workspace",
            unused,
            slack_url=unused,
            discourse_url=unused,
            reddit_url=unused,
            stackexchange_url=unused,
        )
    )
    defs = build_definitions(config.path)
    Definitions.validate_loadable(defs)
    pools = {
        source: defs.resolve_assets_def(f"{source}_landing").op.pool
        for source in config.enabled_sources()
    }
    assert pools == {source: api_pool(source) for source in config.enabled_sources()}
    assert len(set(pools.values())) == len(pools) >= 5


def test_the_helm_values_run_the_code_location_with_its_secrets():
    values = yaml.safe_load((DEPLOY / "helm-values.yaml").read_text())
    [deployment] = values["dagster-user-deployments"]["deployments"]
    module = PYPROJECT["tool"]["dagster"]["module_name"]
    assert deployment["codeServerArgs"] == ["--module-name", module]
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    # A run's pod sees what the code server sees.
    for key in ("envSecrets", "envConfigMaps", "volumes", "volumeMounts"):
        assert launcher[key] == deployment[key], key
    assert values["concurrency"]["pools"]["defaultLimit"] == 1
    instance_config = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())["concurrency"]
    assert (
        values["concurrency"]["runs"]["maxConcurrentRuns"]
        == (instance_config["runs"]["max_concurrent_runs"])
    )
    # acacia.yml is mounted where the image looks for it.
    env = dict(i for k, v in dockerfile() if k == "ENV" for i in re.findall(r"(\w+)=(\S+)", v))
    config_dir = str(Path(env["ACACIA_CONFIG"]).parent)
    mounts = {m["name"]: m["mountPath"] for m in deployment["volumeMounts"]}
    assert mounts["acacia-config"] == config_dir
    # The same in the instance config for a deployment without the chart.
    instance = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())["run_launcher"]["config"]
    assert instance["env_secrets"] == [s["name"] for s in launcher["envSecrets"]]
    assert [m["mountPath"] for m in instance["volume_mounts"]] == list(mounts.values())


def test_the_secret_has_every_variable_the_configuration_names():
    documents = list(yaml.safe_load_all((DEPLOY / "secrets.example.yaml").read_text()))
    secret = next(d for d in documents if d["kind"] == "Secret")
    names = {env for _, env in secret_variables(load_config(ROOT / "acacia.example.yml"))}
    assert names <= set(secret["stringData"])
    assert {"AWS_SECRET_ACCESS_KEY"} <= set(secret["stringData"]) & set(STORE_SECRETS)
    assert all(value == "" for value in secret["stringData"].values())  # an example only
    values = yaml.safe_load((DEPLOY / "helm-values.yaml").read_text())
    [deployment] = values["dagster-user-deployments"]["deployments"]
    assert {"name": secret["metadata"]["name"]} in deployment["envSecrets"]


def test_the_image_installs_exactly_the_lock():
    steps = dockerfile()
    base = next(arg for kind, arg in steps if kind == "FROM")
    minimum = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert base.startswith(f"python:{minimum}")
    # Every file copied in exists, and the lock is copied before anything is installed.
    copies = [shlex.split(arg)[:-1] for kind, arg in steps if kind == "COPY"]
    assert copies[0] == ["requirements.lock"]
    for sources in copies:
        for source in sources:
            assert (ROOT / source).exists(), source
    installs = [arg for kind, arg in steps if kind == "RUN" and "uv pip" in arg]
    assert "uv pip sync --system --no-cache requirements.lock" in installs[0]
    # The uv of the image is the one `make setup` uses.
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r'"uv==([\d.]+)"', installs[0])[1] == re.search(r'"uv==([\d.]+)"', makefile)[1]
    assert "--no-deps -e ." in installs[1]  # the project itself, nothing unlocked
    # The packages the deployment's instance names are locked, at the versions the
    # tests import (this environment is installed from the same lock).
    for package in ("dagster", "dagster-postgres", "dagster-k8s", "psycopg2-binary"):
        assert LOCK[package] == version(package), package
    command = next(arg for kind, arg in steps if kind == "CMD")
    module = PYPROJECT["tool"]["dagster"]["module_name"]
    assert yaml.safe_load(command)[-2:] == ["--module-name", module]


@pytest.mark.parametrize("extra", ["deploy"])
def test_the_lock_holds_every_extra(extra):
    """requirements.lock is compiled with the extra (Makefile, lock), so `make setup` and
    the image install the same packages."""
    for requirement in PYPROJECT["project"]["optional-dependencies"][extra]:
        name = re.split(r"[<>=\[ ]", requirement, maxsplit=1)[0]
        assert name in LOCK, name
