"""Reading whole files that a source publishes, by URL or path: a mailing list's archive
files, a calendar feed. Over HTTP it is a conditional GET under the shared retry loop
(:func:`connectors.core.retry.send`); a local file is read again only when its size or
modification time changed. ``requests`` counts what reached a server or the disk (one
per file read, one per retry).

A file the server has not changed since it was last read answers ``304 Not Modified``
to ``If-None-Match`` / ``If-Modified-Since`` and costs nothing to read; one that does
not exist (yet) answers 404, which is not an error: nothing to read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from connectors.core.errors import SourceError
from connectors.core.retry import RetryPolicy, retry_after, send
from connectors.core.source import ApiSourceSettings, patience


class Validated:
    """What has an ``etag`` and a ``modified`` (a file as read, a stream's saved state):
    the validators a conditional read asks with."""

    etag: str | None
    modified: str | None

    def validators(self) -> dict[str, str]:
        return {k: v for k, v in (("etag", self.etag), ("modified", self.modified)) if v}


@dataclass(frozen=True)
class Fetched(Validated):
    """A file as read: its bytes, and what tells whether it changed (an HTTP ETag and
    Last-Modified; a local file's size and modification time)."""

    data: bytes
    etag: str | None = None
    modified: str | None = None


@dataclass(frozen=True)
class FetchSettings:
    timeout: float = ApiSourceSettings.default("request_timeout_seconds")
    retries: int = ApiSourceSettings.default("request_retries")
    backoff: float = ApiSourceSettings.default("retry_backoff_seconds")
    max_rate_limit_wait: float = ApiSourceSettings.default("max_rate_limit_wait")


def fetch_settings(settings: ApiSourceSettings, **overrides: Any) -> FetchSettings:
    """A source's patience with its server (acacia.yml's request settings), as a client's
    settings; ``overrides`` change some (the check tries once)."""
    return FetchSettings(
        max_rate_limit_wait=settings.max_rate_limit_wait, **patience(settings, **overrides)
    )


class FileClient:
    """Reads a source's files by URL or path. ``source`` names it in errors and in the
    User-Agent; ``where_fix`` says where in acacia.yml a wrong address is fixed. With
    ``hide_urls``, errors and logs never show a URL (a private calendar's address is
    its key): the stream's name says which file it was."""

    def __init__(
        self,
        source: str,
        where_fix: str,
        settings: FetchSettings | None = None,
        *,
        hide_urls: bool = False,
    ) -> None:
        self.source = source
        self.where_fix = where_fix
        self.hide_urls = hide_urls
        self.settings = settings or FetchSettings()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"Acacia community analytics ({source})"
        self.requests = 0
        self.policy = RetryPolicy(
            source,
            self.settings.retries,
            self.settings.backoff,
            self.settings.max_rate_limit_wait,
        )

    def get(
        self, where: str, known: dict[str, Any] | None = None, params: Any = None
    ) -> Fetched | None:
        """The file at ``where`` (a URL or a path); None when it has not changed since
        ``known`` (the validators it was read with) or does not exist (404)."""
        if not where.startswith(("http://", "https://")):
            return self._file(Path(where), known or {})
        headers = {}
        if (known or {}).get("etag"):
            headers["If-None-Match"] = known["etag"]
        if (known or {}).get("modified"):
            headers["If-Modified-Since"] = known["modified"]
        response = self.request(where, params, headers)
        if response.status_code in (304, 404):
            return None
        if response.status_code >= 400:
            raise SourceError(
                self.source,
                f"{self.shown(where)} answered {response.status_code} {response.reason}.",
                self.where_fix,
            )
        return Fetched(
            response.content,
            response.headers.get("ETag"),
            response.headers.get("Last-Modified"),
        )

    def request(
        self,
        url: str,
        params: Any,
        headers: dict[str, str],
        read: Callable[[requests.Response], Any] = lambda response: response,
    ) -> Any:
        """One GET under the shared retry loop: what ``read`` makes of the answer (by
        default the answer itself, any but a 5xx or a 429)."""

        def request() -> requests.Response:
            self.requests += 1
            return self.session.get(
                url, params=params, headers=headers, timeout=self.settings.timeout
            )

        return send(
            self.policy,
            self.shown(url),
            request,
            waited=lambda response: self.policy.honour(
                retry_after(response.headers.get("Retry-After")), self.shown(url), 30
            ),
            read=read,
            who="The server",
            fix="Usually the server is having a bad moment; the next run resumes here.",
        )

    def shown(self, where: str) -> str:
        """``where`` as errors and logs may show it."""
        if self.hide_urls and where.startswith(("http://", "https://")):
            return "its address"
        return where

    def _file(self, path: Path, known: dict[str, Any]) -> Fetched | None:
        if not path.is_file():
            raise SourceError(
                self.source,
                f"the file {path} does not exist.",
                f"{self.where_fix} (a path is relative to acacia.yml).",
            )
        stat = path.stat()
        stamp = f"{stat.st_size}-{stat.st_mtime_ns}"
        if known.get("etag") == stamp:
            return None
        self.requests += 1
        return Fetched(path.read_bytes(), etag=stamp)
