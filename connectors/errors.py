"""Errors a connector raises: each names the source, what went wrong and what to do."""

from __future__ import annotations

from connectors.redact import redact


class SourceError(Exception):
    """A source could not be read. The message names the source and the fix."""

    def __init__(self, source: str, problem: str, fix: str = "") -> None:
        # Text from an SDK or a server (a URL with a key in it) is redacted here.
        self.source, self.problem, self.fix = source, redact(problem), redact(fix)
        problem, fix = self.problem, self.fix
        super().__init__(f"[{source}] {problem}" + (f" Fix: {fix}" if fix else ""))


class RateLimitStop(SourceError):
    """The API's quota is spent for longer than we are willing to wait. Everything read so
    far is landed with its cursor; the next run resumes from there."""
