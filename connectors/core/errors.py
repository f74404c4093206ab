"""Errors a connector raises: each names the source, what went wrong and what to do."""

from __future__ import annotations

from connectors.core.redact import redact


class SourceError(Exception):
    """A source could not be read. The message names the source and the fix."""

    def __init__(self, source: str, problem: str, fix: str = "") -> None:
        # Text from an SDK or a server (a URL with a key in it) is redacted here.
        self.source, self.problem, self.fix = source, redact(problem), redact(fix)
        super().__init__(self._text())

    def _text(self) -> str:
        return f"[{self.source}] {self.problem}" + (f" Fix: {self.fix}" if self.fix else "")

    def within(self, where: str) -> SourceError:
        """The same error, saying which stream it stopped (``#general``, ``o/r issues``)."""
        if not self.problem.startswith(f"{where}: "):
            self.problem = f"{where}: {self.problem}"
            self.args = (self._text(),)
        return self


class RateLimitStop(SourceError):
    """The API's quota is spent for longer than we are willing to wait. Everything read so
    far is landed with its cursor; the next run resumes from there."""
