"""The one redaction mechanism (connectors.core.redact): a registered secret leaves no text
the process writes, whoever writes it."""

from __future__ import annotations

import io
import logging
import sys
from urllib.parse import quote, quote_plus

import pytest

from connectors.core import redact
from connectors.core.config import load_config
from connectors.core.errors import SourceError
from tests.conftest import write_config

SECRET = "s3cret+value/with=chars"


@pytest.fixture(autouse=True)
def registered():
    redact.register(SECRET)
    redact.install()


def test_every_form_of_a_secret_is_replaced():
    text = (
        f"url https://api.example/x?key={quote_plus(SECRET)}&q=1 "
        f"path /{quote(SECRET, safe='')}/ raw {SECRET} json " + SECRET.replace("/", "\\/")
    )
    out = redact.redact(text)
    assert SECRET not in out and quote_plus(SECRET) not in out
    assert quote(SECRET, safe="") not in out and SECRET.replace("/", "\\/") not in out
    assert out.count(redact.MARK) == 4 and out.startswith("url https://api.example/x?key=")


def test_short_or_empty_values_are_not_secrets():
    redact.register("", None, "abc")
    assert redact.redact("abc is a word") == "abc is a word"


def test_any_logger_and_its_tracebacks_are_redacted():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("some.sdk.nobody.wrote.for.us")
    logger.addHandler(handler)
    try:
        logger.warning("GET /x?key=%s failed", quote_plus(SECRET))
        try:
            raise ValueError(f"bad url with {SECRET}")
        except ValueError:
            logger.exception("while fetching")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "GET /x?key=[redacted] failed" in written and "bad url with [redacted]" in written
    assert SECRET not in written and quote_plus(SECRET) not in written


def test_stdout_and_stderr_are_redacted(capfd):
    redact.install()  # wraps the streams the test runner has just put in place
    print(f"token={SECRET}")
    print(f"token={SECRET}", file=sys.stderr)
    out, err = capfd.readouterr()
    assert out == "token=[redacted]\n" and err == "token=[redacted]\n"


def test_a_source_error_and_an_exception_chain_lose_the_secret():
    error = SourceError("stackexchange", f"GET https://x/?key={quote_plus(SECRET)}", SECRET)
    assert SECRET not in str(error) and quote_plus(SECRET) not in str(error)
    try:
        try:
            raise ConnectionError(f"Max retries exceeded with url: /sites?key={SECRET}")
        except ConnectionError as inner:
            raise RuntimeError("sync failed") from inner
    except RuntimeError as outer:
        raised, clean = outer, redact.scrubbed(outer)
    assert clean is not raised and SECRET not in str(clean)
    assert "RuntimeError" in str(clean)
    harmless = RuntimeError("nothing secret")
    assert redact.scrubbed(harmless) is harmless


def test_loading_the_config_registers_every_secret_it_names(tmp_path, monkeypatch):
    path = write_config(tmp_path, "http://127.0.0.1:1", slack_url="http://127.0.0.1:1")
    monkeypatch.setenv("ACACIA_TEST_GITHUB_TOKEN", "ghp-loaded-at-start-0001")
    monkeypatch.setenv("ACACIA_TEST_SLACK_TOKEN", "xoxb-loaded-at-start-0002")
    monkeypatch.setenv("ACACIA_DASHBOARD_PASSWORD", "dashboard-password-0003")
    load_config(path)
    text = "ghp-loaded-at-start-0001 xoxb-loaded-at-start-0002 dashboard-password-0003"
    assert redact.redact(text) == " ".join([redact.MARK] * 3)
