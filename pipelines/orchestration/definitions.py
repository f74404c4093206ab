"""Acacia's Dagster definitions: what `dagster dev` loads (see pyproject's tool.dagster).

The configuration comes from $ACACIA_CONFIG (default ./acacia.yml).
"""

from pipelines.orchestration.assemble import build_definitions

defs = build_definitions()
