"""What the CLI prints goes through here: every line redacted, every error one line.

``echo`` is ``click.echo`` behind ``onesync.errors.redact`` (an ``${env:...}`` secret never
reaches a terminal or a CI log, whatever a message quotes). ``error_lines`` turns an error into
the lines printed on stderr: one per ``Diagnostic`` for a ``SpecError``, one for anything else,
with control characters escaped (see ``onesync.render.escape``).
"""

from __future__ import annotations

import re
import signal

import click

from onesync.errors import SpecError, redact
from onesync.render.escape import escaped

__all__ = ["Terminated", "echo", "error_lines", "one_line"]


class Terminated(BaseException):
    """SIGTERM outside an apply's send loop; unwinds like Ctrl-C (locks released) to exit 143.

    A BaseException so no ``except Exception`` swallows it, and not a KeyboardInterrupt so that
    click does not turn it into "Aborted." with exit 1.
    """

    signum = signal.SIGTERM


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """``click.echo`` of ``redact(text)``."""
    click.echo(redact(text), err=err, nl=nl)


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
