"""dbt-spark and pyspark for the Spark test (tests/test_spark.py), set up once by
`make test` before pytest starts (``python -m tests.spark``), as tests/chromium.py sets up
Chromium: from ``tests/spark.lock``, which pins what requirements.lock pins plus the few
packages Spark adds (pyspark, py4j, dbt-spark, sqlparams), so nothing else moves. They
are not in requirements.lock because pyspark is 450 MB that `make demo` never needs.
Spark runs on the machine's Java (17 or later); the error says so when there is none.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

LOCK = Path(__file__).with_name("spark.lock")
PACKAGES = ("pyspark", "dbt-spark")
ATTEMPTS = 3


class SparkMissing(RuntimeError):
    """Spark cannot run here; the message says why and what to do."""


def pinned() -> dict[str, str]:
    lines = LOCK.read_text().splitlines()
    return dict(line.split("==", 1) for line in lines if "==" in line)


def missing() -> list[str]:
    """The Spark packages not installed at their locked versions."""
    pins = pinned()
    wrong = []
    for package in PACKAGES:
        try:
            if version(package) != pins[package]:
                wrong.append(package)
        except PackageNotFoundError:
            wrong.append(package)
    return wrong


def install() -> str:
    """What is installed, installing the lock's Spark packages first if needed."""
    if not shutil.which("java"):
        raise SparkMissing(
            "Spark needs Java 17 or later for the Spark test, and there is no java on the "
            "PATH. Fix: sudo apt-get install openjdk-17-jre-headless"
        )
    uv = Path(sys.executable).with_name("uv")
    problem = ""
    for attempt in range(1, ATTEMPTS + 1):
        if not missing():
            return ", ".join(f"{p} {version(p)}" for p in PACKAGES)
        done = subprocess.run(
            [str(uv), "pip", "install", "-q", "--python", sys.executable, "-r", str(LOCK)],
            capture_output=True,
            text=True,
            check=False,
        )
        problem = f"uv pip install exited {done.returncode}: {done.stderr.strip()[-2000:]}"
        if done.returncode == 0 and not missing():
            return ", ".join(f"{p} {version(p)}" for p in PACKAGES)
        print(f"spark: attempt {attempt} of {ATTEMPTS} failed: {problem}", file=sys.stderr)
        if attempt < ATTEMPTS:
            time.sleep(10 * attempt)
    raise SparkMissing(f"Could not install {', '.join(PACKAGES)} for the Spark test. {problem}")


if __name__ == "__main__":
    try:
        print(f"spark for the Spark test: {install()}")
    except SparkMissing as error:
        print(error, file=sys.stderr)
        sys.exit(1)
