"""Stack Exchange connector (StackAPI): questions, answers, accepted answers, comments."""

from connectors.stackexchange.connector import StackExchangeConnector, StackExchangeSettings

__all__ = ["StackExchangeConnector", "StackExchangeSettings"]
