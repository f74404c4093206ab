"""Stack Exchange connector (StackAPI): questions, answers, accepted answers, comments."""

from connectors.sources.stackexchange.connector import StackExchangeConnector, StackExchangeSettings

__all__ = ["StackExchangeConnector", "StackExchangeSettings"]
