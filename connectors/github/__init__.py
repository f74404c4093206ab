"""GitHub connector (PyGithub): issues, pull requests, comments, reviews, stars, profiles."""

from connectors.github.client import GitHubClient, GitHubSettings
from connectors.github.connector import GitHubConnector

__all__ = ["GitHubClient", "GitHubConnector", "GitHubSettings"]
