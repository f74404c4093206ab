"""Slack connector (slack_sdk WebClient): messages, thread replies, channel joins, users."""

from connectors.sources.slack.client import SlackSettings, make_client
from connectors.sources.slack.connector import SlackConnector

__all__ = ["SlackConnector", "SlackSettings", "make_client"]
