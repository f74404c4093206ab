"""Responses shaped exactly like each real API's documented ones, one folder per source
(tests/<source>/*.json). Each file's ``_doc`` says which documented object it follows and
which awkward case it holds; the connectors never see ``_doc``."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


@cache
def _load(source: str, name: str) -> Any:
    data = json.loads((HERE / source / f"{name}.json").read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data.pop("_doc", None)
    return data


def shape(source: str, name: str) -> Any:
    """A fresh copy of ``tests/<source>/<name>.json`` (tests may edit it)."""
    return copy.deepcopy(_load(source, name))
