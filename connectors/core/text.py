"""Text from outside is text: names, titles, channel and organization names, URL query
parameters. Anyone can choose a display name, so each place that shows one escapes it
for its format, here, once: Streamlit's Markdown, Plotly's labels (which take a few
HTML tags, links among them), Slack's mrkdwn, Markdown and HTML files. Each escape
also redacts (connectors.core.redact): a page never shows a secret either.
"""

from __future__ import annotations

import html
import re

from connectors.core.redact import redact

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are
# the ones Markdown, Streamlit's extensions (``:red[...]``, ``:material/x:``, ``$math$``)
# or a table could read as syntax.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'])")


def one_line(text: object) -> str:
    """``text`` on one line: a newline in a name must not start a heading or a list."""
    return " ".join(redact(str(text)).split())


#: GitHub-flavoured Markdown (Streamlit's) turns a bare ``https://…``, ``www.…`` or
#: email address into a link, escaped or not; an invisible word joiner breaks the pattern.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(?=\\?:/)|(?<=www)(?=\\?\.)|(?=@)")
JOINER = "\u2060"


def markdown(text: object) -> str:
    """``text`` for a Markdown context (Streamlit headings, captions, alerts; a
    Markdown file): shown exactly as written, never as a link, image or formatting."""
    return _AUTOLINK.sub(JOINER, _MARKDOWN.sub(r"\\\1", one_line(text)))


def label(text: object) -> str:
    """``text`` for a Plotly label, legend, title or hover (Plotly reads ``<a>``,
    ``<b>``, ``<br>`` in them; entities show as their character)."""
    return html.escape(one_line(text), quote=False)


_OPENING = re.compile(r"(?:^|(?<=\s))([*_~`]+)(?=\S)")
_CLOSING = re.compile(r"(?<=\S)([*_~`]+)(?=\s|$)")


def slack(text: object) -> str:
    """``text`` for Slack mrkdwn: ``&``, ``<`` and ``>`` escaped as Slack asks, so no
    link, mention (``<!channel>``) or user reference can be made of it; the
    formatting characters kept from pairing up; a bare address kept from being linked
    (a word joiner)."""
    escaped = one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # Slack formats *x*, _x_, ~x~ and `x` only between a marker at the start of a word
    # and one at its end: a zero-width space between such a marker and its word keeps
    # it a character (one inside a word, as in throwaway_sofia, is left as it is).
    escaped = _OPENING.sub(lambda m: "".join(c + "\u200b" for c in m[1]), escaped)
    escaped = _CLOSING.sub(lambda m: "".join("\u200b" + c for c in m[1]), escaped)
    # Slack links a bare address too: the word joiner keeps it text.
    return _AUTOLINK.sub(JOINER, escaped)


def html_text(text: object) -> str:
    """``text`` for HTML, in an element or an attribute."""
    return html.escape(one_line(text), quote=True)
