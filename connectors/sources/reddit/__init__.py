"""Reddit connector (praw, read-only client credentials): posts and comments."""

from connectors.sources.reddit.connector import RedditConnector, RedditSettings, make_reddit

__all__ = ["RedditConnector", "RedditSettings", "make_reddit"]
