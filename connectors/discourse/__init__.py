"""Discourse connector (its JSON API): topics, replies, accepted solutions, users."""

from connectors.discourse.client import DiscourseClient, DiscourseSettings
from connectors.discourse.connector import DiscourseConnector

__all__ = ["DiscourseClient", "DiscourseConnector", "DiscourseSettings"]
