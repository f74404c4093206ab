"""dbt in this process: the project parsed once per process, every build handed the
parsed manifest (dbt-core's documented ``dbtRunner``).

A dbt subprocess paid 7–8 s before it read any data (starting Python, dbt and the
adapter, reading the parse state, dagster-dbt's version check); in process, a build
pays the parse once (about 1 s, dbt's own partial parsing from ``models/target``) and
then 0.1–0.2 s a node. The manifest kept in memory is the one dbt parsed from the
project files as they are: when any of them changes, the next build parses again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.storage.landing import file_lock

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
#: Where dbt keeps the parse (manifest.json, partial_parse.msgpack) of the local target;
#: Dagster reads the manifest from there too (pipelines/orchestration/model_assets.py).
PARSE_DIR = MODELS_DIR / "target"

# dbt keeps global state (flags, adapters) per invocation: one at a time in a process.
_invoking = threading.Lock()
#: (target, newest project file) -> (the parsed manifest, the incremental models' code
#: prints taken from it as parsed: dbt adds to a node's macros while it runs one).
_parsed: dict[tuple[str, float], tuple[Any, dict[str, str]]] = {}


@dataclass(frozen=True)
class NodeResult:
    """What one node of a build did: a model built, or a data test of a model."""

    unique_id: str
    name: str
    kind: str  # "model" or "test"
    status: str  # success, error, skipped (models); pass, warn, fail, error (tests)
    seconds: float
    message: str
    #: A test's model (its name); a model's own name.
    model: str
    rows: int | None = None
    #: A data test that failed: its query as dbt ran it (the build runs it again to say
    #: what failed: pipelines/build ``explained``).
    query: str = ""

    @property
    def failed(self) -> bool:
        return self.status in {"error", "fail"}


class DbtFailed(RuntimeError):
    """dbt could not run (a project that does not compile, a profile it cannot read)."""


def project_files() -> list[Path]:
    """The dbt project's own files (models, macros, tests, settings), in a stable order."""
    return sorted(
        p
        for p in MODELS_DIR.rglob("*")
        if p.suffix in {".sql", ".yml", ".py"}
        and "target" not in p.parts
        and "logs" not in p.parts
        and "__pycache__" not in p.parts
    )


def _common(target: str, target_path: Path) -> list[str]:
    return [
        *("--project-dir", str(MODELS_DIR), "--profiles-dir", str(MODELS_DIR)),
        *("--target", target, "--target-path", str(target_path)),
        # dbt's own log goes to its file (dbt.log in the artifacts folder), not the terminal.
        *("--log-path", str(target_path), "--log-level", "none", "--log-level-file", "info"),
    ]


def manifest(target: str = "local", parse_dir: Path = PARSE_DIR) -> Any:
    """The parsed project for ``target``, parsed in this process the first time and
    again whenever a project file is newer than the last parse (dbt reuses its partial
    parse state in ``parse_dir``). A file lock keeps processes from parsing at once."""
    return _parse(target, parse_dir)[0]


def code_prints(target: str = "local", parse_dir: Path = PARSE_DIR) -> dict[str, str]:
    """Each incremental model's code print (pipelines/build/settings.py ``code_prints``),
    from the project as parsed, whatever builds ran in this process since."""
    return _parse(target, parse_dir)[1]


def _parse(target: str, parse_dir: Path) -> tuple[Any, dict[str, str]]:
    from pipelines.build.settings import code_prints as prints_of

    newest = max(p.stat().st_mtime for p in project_files())
    key = (target, newest)
    if key not in _parsed:
        from dbt.cli.main import dbtRunner

        with file_lock(parse_dir / ".parse.lock"), _invoking:
            result = dbtRunner().invoke(["parse", *_common(target, parse_dir)])
        if not result.success:
            raise DbtFailed(
                f"dbt could not parse the models ({result.exception or 'see its log'}); "
                f"dbt's log: {parse_dir / 'dbt.log'}"
            )
        for old in [k for k in _parsed if k[0] == target]:
            del _parsed[old]
        _parsed[key] = (result.result, prints_of(result.result))
    return _parsed[key]


def marts(parsed: Any) -> list[str]:
    """The marts: every model of ``parsed`` in the marts' folder (models/models/marts), which
    the snapshot publishes. Derived from the project, never listed by hand."""
    return sorted(
        node.name
        for node in parsed.nodes.values()
        if node.resource_type == "model" and node.fqn[1:2] == ["marts"]
    )


def manifest_path() -> Path:
    """The local target's manifest.json, parsed when missing or older than the project."""
    manifest("local")
    return PARSE_DIR / "manifest.json"


def invoke(args: list[str], target_path: Path, target: str = "local") -> list[NodeResult]:
    """Run ``dbt <args>`` in this process over the kept manifest, with its artifacts and
    log in ``target_path``; returns what each node did. Raises :class:`DbtFailed` when
    dbt could not run at all (a node that fails is a result, not an error)."""
    from dbt.cli.main import dbtRunner

    parsed = manifest(target, PARSE_DIR if target == "local" else target_path)
    # No manifest.json and run_results.json (0.5 s a build on the demo): the manifest is
    # the parse's, and the results are returned (pipelines/build writes nodes.json).
    common = [*_common(target, target_path), "--no-write-json"]
    with _invoking:
        result = dbtRunner(manifest=parsed).invoke([*args, *common])
    if result.result is None or not hasattr(result.result, "results"):
        raise DbtFailed(
            f"dbt {args[0]} failed before it built anything: "
            f"{result.exception or 'see its log'} "
            f"(dbt's log: {target_path / 'dbt.log'})"
        )
    return [_node_result(r) for r in result.result.results]


def _node_result(result: Any) -> NodeResult:
    node = result.node
    kind = "test" if node.resource_type == "test" else "model"
    attached = getattr(node, "attached_node", None) or ""
    rows = (result.adapter_response or {}).get("rows_affected")
    status = str(getattr(result.status, "value", result.status))
    failing = kind == "test" and status in {"fail", "warn"}
    return NodeResult(
        unique_id=node.unique_id,
        name=node.name,
        kind=kind,
        status=status,
        seconds=float(result.execution_time or 0.0),
        message=str(result.message or ""),
        model=attached.rsplit(".", 1)[-1] if kind == "test" else node.name,
        rows=rows if isinstance(rows, int) and rows >= 0 else None,
        query=(getattr(node, "compiled_code", None) or "") if failing else "",
    )
