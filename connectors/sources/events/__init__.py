"""Event attendance from CSV files: attended, spoke, organized."""

from connectors.sources.events.connector import COLUMNS, ROLES, EventsConnector, RowProblem

__all__ = ["COLUMNS", "ROLES", "EventsConnector", "RowProblem"]
