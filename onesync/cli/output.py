"""What the CLI prints goes through here: every line redacted, every error one line, coloured
only on a terminal.

``echo`` is ``click.echo`` behind ``onesync.errors.redact`` (an ``${env:...}`` secret never
reaches a terminal or a CI log, whatever a message quotes). ``error_lines`` turns an error into
the lines printed on stderr: one per ``Diagnostic`` for a ``SpecError``, one for anything else,
with control characters escaped (see ``onesync.escape``).

Colour: on a terminal each line is styled by its leading rune, after its indentation (``+``
green, ``~`` yellow, ``-`` red, ``!`` red and bold), and error lines (``error:``,
``file:line:col: error: ...``) are red and bold, warnings yellow. There is no colour when
``NO_COLOR`` is set to anything but the empty string (https://no-color.org), when ``TERM=dumb``,
or when the stream is not a terminal (a pipe, a file, a CI log), unless a click context forces
``color``.
"""

from __future__ import annotations

import os
import re
import signal
import sys
from typing import Any

import click

from onesync.errors import SpecError, redact
from onesync.escape import escaped

__all__ = [
    "Terminated",
    "colour_enabled",
    "colourise",
    "counted",
    "echo",
    "error_lines",
    "heading",
    "one_line",
]


class Terminated(BaseException):
    """SIGTERM outside an apply's send loop; unwinds like Ctrl-C (locks released) to exit 143.

    A BaseException so no ``except Exception`` swallows it, and not a KeyboardInterrupt so that
    click does not turn it into "Aborted." with exit 1.
    """

    signum = signal.SIGTERM


_RUNE_STYLES: dict[str, dict[str, Any]] = {
    "+": {"fg": "green"},
    "~": {"fg": "yellow"},
    "-": {"fg": "red"},
    "!": {"fg": "red", "bold": True},
}
_RUNE = re.compile(r"[ \t]*([-+~!])(?: |$)")
_ERROR = re.compile(r"[ \t]*(?:(?:internal )?error:|Error:)|.*?:\d+:\d+: error: ")
_WARNING = re.compile(r"[ \t]*warning:|.*?:\d+:\d+: warning: ")
_ERROR_STYLE: dict[str, Any] = {"fg": "red", "bold": True}
_WARNING_STYLE: dict[str, Any] = {"fg": "yellow"}


def colour_enabled(err: bool = False) -> bool:
    """Whether what ``echo`` writes to stdout (or stderr) gets colour: see the module docstring."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.color is not None:
        return ctx.color
    stream = sys.stderr if err else sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no stream, or a closed one
        return False


def _style_line(line: str) -> str:
    if "\x1b" in line:  # already styled by its writer
        return line
    rune = _RUNE.match(line)
    if rune:
        return click.style(line, **_RUNE_STYLES[rune.group(1)])
    if _ERROR.match(line):
        return click.style(line, **_ERROR_STYLE)
    if _WARNING.match(line):
        return click.style(line, **_WARNING_STYLE)
    return line


def colourise(text: str) -> str:
    """``text`` with each line styled by its leading rune or its ``error:`` / ``warning:``."""
    lines = text.split("\n")
    return "\n".join(_style_line(line) for line in lines)


def echo(text: str = "", *, err: bool = False, nl: bool = True, plain: bool = False) -> None:
    """``click.echo`` of ``redact(text)``, coloured line by line on a terminal.

    ``plain`` keeps text that is not a plan or a message (SQL, JSON) uncoloured.
    """
    text = redact(text)
    colour = colour_enabled(err)
    if colour and not plain:
        text = colourise(text)
    click.echo(text, err=err, nl=nl, color=colour)


def heading(text: str, *, err: bool = False) -> None:
    """A section title, bold on a terminal (never under ``NO_COLOR``)."""
    text = redact(text)
    colour = colour_enabled(err)
    click.echo(click.style(text, bold=True) if colour else text, err=err, color=colour)


def counted(count: int, word: str, plural: str | None = None) -> str:
    """``"1 source"``, ``"2 sources"``, ``"1,000 API requests"``: a count and its noun."""
    noun = word if count == 1 else (plural or word + "s")
    return f"{count:,} {noun}"


def one_line(text: str) -> str:
    """``text`` on one line: its lines joined with "; ", blanks collapsed, controls escaped."""
    parts = [re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"[\r\n]+", text)]
    return escaped("; ".join(p for p in parts if p))


def error_lines(exc: BaseException) -> list[str]:
    """The redacted lines an error prints: one per diagnostic of a SpecError, else one."""
    if isinstance(exc, SpecError) and exc.diagnostics:
        shown = exc.diagnostics[: SpecError.MAX_SHOWN]
        lines = [redact(one_line(redact(str(d)))) for d in shown]
        if len(exc.diagnostics) > len(shown):
            lines.append(f"... and {len(exc.diagnostics) - len(shown)} more")
        return lines
    return [redact(one_line(redact(str(exc)))) or type(exc).__name__]
