"""One escaping rule for every value that comes from data, in every view onesync prints.

Row keys, external ids, aliases, tokens, tag values and the reasons that quote them come from a
database a stranger may fill. Printed raw, a newline or an ESC in a key forges lines in a plan (or
in the Markdown a pull request shows), and a bidi override makes text read backwards. So:

* ``UNSAFE`` characters are C0 controls (``\\x00``-``\\x1f``: newline, CR, tab, ESC...), DEL,
  C1 controls (``\\x80``-``\\x9f``), U+2028/U+2029 (line and paragraph separators), and the bidi
  controls (U+061C, U+200E/200F, U+202A-202E, U+2066-2069). They are never emitted raw; they are
  written as JSON escapes: ``\\n``, ``\\r``, ``\\t``, ``\\b``, ``\\f``, else ``\\uXXXX``.
* ``shown(value)``: a key or id as is when it is plain text (no unsafe character, not empty, no
  leading or trailing blank, not starting with a double quote); otherwise as a JSON string literal
  (``"a\\nb"``), so what is printed always reads back to exactly one value.
* ``quoted(value)``: a value (a tag, a token, a message text) always as a JSON literal.
* ``escaped(text)``: prose that quotes data (a reason): unsafe characters escaped, the rest kept.
* ``dumps(obj)``: JSON output; ``json.dumps`` already escapes C0 controls, this also escapes the
  rest of ``UNSAFE`` (valid JSON either way, and it parses back to the same values).
* Markdown: ``md_text`` escapes what would change rendering (``\\ ` * _ [ ] < > | # ! ~``; ``<``
  and ``>`` become entities, so no raw HTML); ``md_code`` puts a value in a code span, ``fence`` a
  block in a fence no line of it can close, ``html_text`` escapes text inside our own HTML tags.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

__all__ = [
    "UNSAFE",
    "dumps",
    "escaped",
    "escaped_lines",
    "fence",
    "html_text",
    "md_code",
    "md_text",
    "quoted",
    "shown",
]

UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    return _SHORT.get(ch) or f"\\u{ord(ch):04x}"


def escaped(text: str) -> str:
    """``text`` with every unsafe character written as a JSON escape (``\\n``, ``\\u001b``)."""
    return UNSAFE.sub(_escape, text)


# What ``json.dumps(ensure_ascii=False)`` leaves raw: it escapes C0 inside strings itself, so a
# C0 character in its output is indentation (newlines, spaces) and stays.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _json_escaped(text: str) -> str:
    """A JSON document with the unsafe characters ``json.dumps`` leaves raw escaped too.

    Safe on a whole document: outside strings JSON is ASCII (punctuation, digits, words and
    whitespace), so every character matched here is inside a string."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def quoted(value: Any) -> str:
    """A value as a JSON literal (``"free"``, ``5``, ``"a\\u001b[2J"``); ``(null)`` for None."""
    if value is None:
        return "(null)"
    return _json_escaped(json.dumps(value, ensure_ascii=False))


def _plain(text: str) -> bool:
    return (
        bool(text)
        and text == text.strip()
        and not text.startswith('"')
        and not (UNSAFE.search(text))
    )


def shown(value: Any) -> str:
    """A key, id, label or token: as is when plain, else quoted (see the module docstring)."""
    if value is None:
        return "(null)"
    text = str(value)
    return text if _plain(text) else quoted(text)


def dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps(obj, ensure_ascii=False, **kwargs)`` with every unsafe character escaped."""
    return _json_escaped(json.dumps(obj, ensure_ascii=False, **kwargs))


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#!~])")


def md_text(value: Any) -> str:
    """Text for a Markdown paragraph or table cell that renders as exactly these characters."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", shown(value)), quote=False)


def md_code(value: Any, *, table: bool = False) -> str:
    """``value`` in a code span long enough for its backticks (``|`` escaped inside a table)."""
    text = shown(value)
    run = max((len(m) for m in re.findall("`+", text)), default=0)
    ticks = "`" * (run + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    if table:
        text = text.replace("|", "\\|")
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence(body: str, info: str = "") -> list[str]:
    """Lines of a fenced code block around ``body`` whose fence no line inside can close."""
    run = max((len(m) for m in re.findall("`{3,}", body)), default=0)
    ticks = "`" * max(3, run + 1)
    return [ticks + info, escaped_lines(body), ticks]


def escaped_lines(body: str) -> str:
    """``body`` with unsafe characters escaped in each of its lines (newlines kept)."""
    return "\n".join(escaped(line) for line in body.split("\n"))


def html_text(value: Any) -> str:
    """Text inside an HTML element we write (``<summary>``, ``<code>``): entities, no tags."""
    return html.escape(shown(value), quote=True)
