"""GitHub connector (PyGithub): issues, pull requests, comments, reviews, stars, profiles."""

from connectors.sources.github.client import GitHubClient, GitHubSettings
from connectors.sources.github.connector import GitHubConnector

__all__ = ["GitHubClient", "GitHubConnector", "GitHubSettings"]
