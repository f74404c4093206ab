"""Redaction in one place: no configured secret leaves the process in any text.

Every secret value is registered when the configuration is loaded (each ``*_env`` key
names a variable holding one; ``connectors.core.config.load_config``), so it is known before
any request is made. From then on :func:`redact` replaces the value, and the forms it
takes in URLs, headers and JSON (percent-encoded, ``+`` for spaces, HTTP Basic's
base64 of ``id:secret``), with ``[redacted]``. :func:`install` puts it in every path
text takes out of the process, whatever code wrote the text (ours, an SDK's, Dagster's,
a future connector's):

- every log record, of every logger, when it is made (``logging.setLogRecordFactory``),
  its formatted traceback included;
- ``sys.stdout`` and ``sys.stderr`` (``print``, warnings, the interpreter's own
  tracebacks), which is also what Dagster captures as compute logs;
- exceptions that cross a boundary we own (a sync, a Dagster step, a command):
  :func:`scrubbed` gives a copy whose text is redacted, without the chained originals;
- what is written for people to read later: sync status, Dagster metadata, pages.

A value shorter than :data:`MIN_LENGTH` is not registered: it would redact ordinary
words, and no API issues credentials that short.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re
import sys
import threading
from typing import Any, TextIO
from urllib.parse import quote, quote_plus

MARK = "[redacted]"
MIN_LENGTH = 6

_lock = threading.Lock()
_values: set[str] = set()
_pattern: re.Pattern[str] | None = None


def forms(value: str) -> set[str]:
    """The forms a secret takes in text: as is, percent-encoded (path and query) and
    JSON-escaped (a Basic authorization pair: register_basic_auth)."""
    return {
        value,
        quote(value, safe=""),
        quote(value, safe="/"),
        quote_plus(value),
        value.replace("\\", "\\\\").replace('"', '\\"').replace("/", "\\/"),
    }


def register(*values: str | None) -> None:
    """Known secrets from now on (empty and too-short values are ignored)."""
    global _pattern
    fresh = {v.strip() for v in values if v and len(v.strip()) >= MIN_LENGTH}
    with _lock:
        if fresh <= _values:
            return
        _values.update(fresh)
        every = {form for value in _values for form in forms(value)}
        # Longest first, so a value inside another is not replaced half-way.
        alternatives = sorted(every, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(a) for a in alternatives))


def register_basic_auth(user: str | None, password: str | None) -> None:
    """An HTTP Basic pair (Reddit's client id and secret): its base64 too."""
    register(password)
    if user and password:
        pair = base64.b64encode(f"{user}:{password}".encode()).decode()
        register(pair)


def redact(text: Any) -> Any:
    """``text`` with every registered secret replaced; anything not a string as is."""
    pattern = _pattern
    if pattern is None or not isinstance(text, str):
        return text
    return pattern.sub(MARK, text)


def redact_data(value: Any) -> Any:
    """Strings anywhere inside dicts, lists and tuples, redacted (metadata, status)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_data(v) for v in value)
    return value


class Scrubbed(Exception):
    """An exception whose text was redacted: the original's type name and message."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(f"{kind}: {message}" if message else kind)


def scrubbed(error: BaseException) -> BaseException:
    """``error`` itself when its text (and that of the exceptions chained to it) holds
    no secret; else a :class:`Scrubbed` copy. Raise the result ``from None``: chained
    exceptions are serialized by Dagster and printed by tracebacks."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    if all(redact(str(e)) == str(e) for e in chain):
        return error
    if hasattr(error, "source") and hasattr(error, "problem"):  # a SourceError
        rebuilt = type(error).__new__(type(error))
        rebuilt.__dict__.update(error.__dict__)
        rebuilt.args = tuple(redact(str(a)) for a in error.args)
        rebuilt.problem = redact(error.problem)
        rebuilt.fix = redact(getattr(error, "fix", ""))
        return rebuilt
    return Scrubbed(type(error).__name__, redact(str(error)))


# -- installed in every process -----------------------------------------------------------
class _RedactingRecord(logging.LogRecord):
    """A log record whose message is redacted once formatted, its traceback too."""

    def getMessage(self) -> str:
        return redact(super().getMessage())


class _RedactingStream:
    """A text stream that redacts what is written, then writes it to ``stream``; any
    other attribute (fileno, encoding, isatty, buffer...) is the stream's."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # fileno, encoding, isatty, buffer...
        return getattr(self._stream, name)


_installed = False


def install() -> None:
    """Redact every log record and everything written to stdout and stderr, from now on
    (idempotent)."""
    global _installed
    for name in ("stdout", "stderr"):  # again each time: a test runner swaps them
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _RedactingStream):
            setattr(sys, name, _RedactingStream(stream))
    with _lock:
        if _installed:
            return
        _installed = True
    base = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if type(record) is logging.LogRecord:
            # Redacted when formatted, also after a handler rewrites msg (Dagster does).
            record.__class__ = _RedactingRecord
        else:
            # A bad format string is logging's to report, at emit.
            with contextlib.suppress(TypeError, ValueError):
                record.msg, record.args = redact(record.getMessage()), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
