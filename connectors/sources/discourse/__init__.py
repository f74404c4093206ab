"""Discourse connector (its JSON API): topics, replies, accepted solutions, users."""

from connectors.sources.discourse.client import DiscourseClient, DiscourseSettings
from connectors.sources.discourse.connector import DiscourseConnector

__all__ = ["DiscourseClient", "DiscourseConnector", "DiscourseSettings"]
