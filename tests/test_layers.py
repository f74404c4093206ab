"""What may import what (docs/architecture.md): pyproject.toml's import-linter contracts
(`make test` checks the code keeps them) break on each kind of wrong import, naming it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("module", "planted", "broken"),
    [
        # The core importing the storage above it: an arrow that points up.
        (
            "connectors/core/clock.py",
            "import pipelines.storage.landing",
            "connectors.core is not allowed to import pipelines.storage",
        ),
        # A source importing another source.
        (
            "connectors/sources/slack/client.py",
            "import connectors.sources.github.client",
            "connectors.sources.slack is not allowed to import connectors.sources.github",
        ),
        # The product importing the sample community.
        ("pipelines/sync/ingest.py", "import sample.community", "is not allowed to import sample"),
        # The dashboard importing Dagster.
        ("dashboard/charts.py", "import dagster", "dashboard is not allowed to import dagster"),
        # Two modules of one package importing each other.
        (
            "pipelines/storage/landing.py",
            "import pipelines.storage.snapshot",
            "No cycles are allowed in pipelines.storage",
        ),
    ],
)
def test_a_planted_import_breaks_a_contract(tmp_path, module, planted, broken):
    for part in ("connectors", "pipelines", "dashboard", "sample"):
        shutil.copytree(REPO / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    text = target.read_text()
    head, tail = text.split("from __future__ import annotations\n", 1)
    target.write_text(f"{head}from __future__ import annotations\n\n{planted}\n{tail}")
    done = lint(tmp_path)
    assert done.returncode != 0
    assert broken in done.stdout, done.stdout


def test_installing_acacia_without_extras_brings_no_sample_dependency():
    """`pip install .` installs what the product imports, not the sample community's
    fake APIs: werkzeug is only in the ``sample`` extra, and no dependency of the
    product brings it (walked through the installed packages' own metadata)."""
    import re
    import tomllib
    from importlib import metadata

    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("werkzeug") for d in project["optional-dependencies"]["sample"])
    found: dict[str, str] = {}
    todo = [Requirement(d) for d in project["dependencies"]]
    while todo:
        requirement = todo.pop()
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        if name in found:
            continue
        found[name] = metadata.distribution(name).version
        for text in metadata.distribution(name).requires or []:
            needed = Requirement(text)
            if needed.marker is None or needed.marker.evaluate({"extra": ""}):
                todo.append(needed)
    assert "dagster" in found and "pyarrow" in found and "tzdata" in found
    assert "werkzeug" not in found
