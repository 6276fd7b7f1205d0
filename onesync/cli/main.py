"""The ``onesync`` click group and the one place errors become exit codes.

Every error a user can cause is an ``OnesyncError`` (raised where it arises, or turned into one
by the command that knows what the user asked for) or a click usage error; both print one line
on stderr (one per problem for a ``SpecError``), redacted, and exit 1, or the error's own code.

Anything else is a bug. Without ``--debug`` it still prints one line, ``internal error: <type>:
<message>; run with --debug and report it``, and exits 1: a traceback can quote values (rows,
URLs) that a log must not keep, and tests/hostile/test_cli.py fails on any case that reaches this
handler, so it hides no bug from the test suite. ``--debug`` re-raises with the traceback.

Every command takes ``-h`` as well as ``--help``; ``onesync --version`` prints the installed
version. Shell completion is click's (``_ONESYNC_COMPLETE=bash_source onesync``, see
docs/commands/README.md); every ``syncs`` parameter completes the names of the project's syncs.

Signals: SIGINT (Ctrl-C) exits 130 and SIGTERM exits 143 after unwinding (state locks are
released); during apply's send loop both first stop sending and record what OneSignal confirmed
(see ``onesync.apply.runner``).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from onesync.cli.options import complete_syncs
from onesync.cli.output import Terminated, echo, error_lines, one_line
from onesync.errors import OnesyncError, redact

PROG = "onesync"
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


def _usage_line(exc: click.ClickException) -> str:
    """A click usage error as one line naming the command's --help."""
    text = f"Error: {one_line(exc.format_message())}"
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        text += f" (see '{ctx.command_path} --help')"
    return redact(text)


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """SIGTERM raises ``Terminated`` in the main thread, so ``finally`` blocks run."""

    def handler(signum: int, frame: object) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (an embedding program): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def interrupted_message(signum: int) -> str:
    """What a command says when a signal stopped it before or after sending anything."""
    name = "terminated (SIGTERM)" if signum == signal.SIGTERM else "interrupted"
    return f"{name}: stopped; nothing more was sent"


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.obj and ctx.obj.get("debug"))


class OnesyncGroup(click.Group):
    """Turns every OnesyncError into its message on stderr and its exit code; no tracebacks.

    Exit code 2 means "changes" (like ``terraform plan -detailed-exitcode``), so click's usage
    errors, which it would exit with 2, exit with 1 like every other user error.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        kwargs.setdefault("prog_name", PROG)
        try:
            code = super().main(*args, **kwargs)
        except click.ClickException as exc:
            echo(_usage_line(exc), err=True)
            sys.exit(1)
        except click.Abort:
            echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _sigterm_unwinds():
                return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except OnesyncError as exc:
            if _debug(ctx):
                raise
            for line in error_lines(exc):
                echo(line, err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            echo("\n" + interrupted_message(signal.SIGINT), err=True)
            sys.exit(130)
        except Terminated:
            echo(interrupted_message(signal.SIGTERM), err=True)
            sys.exit(143)
        except Exception as exc:  # the last resort: see the module docstring
            if _debug(ctx):
                raise
            detail = one_line(str(exc)) or "(no message)"
            echo(
                f"internal error: {type(exc).__name__}: {detail}; run with --debug and report it",
                err=True,
            )
            sys.exit(1)


@click.group(cls=OnesyncGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(
    package_name="onesync", prog_name=PROG, message="%(prog)s %(version)s", help="Show the version."
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Keep OneSignal in step with your database: plan, then apply."""
    ctx.obj = {"debug": debug}
    if debug:  # the library's retry and progress log lines, on stderr
        import logging

        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")


def _first_sentence(help_text: str) -> str:
    """The first sentence of a help text's first paragraph, whole (click would cut it at ~45
    characters with "..." in a command list; a whole sentence wraps instead)."""
    words = help_text.partition("\n\n")[0].split()
    if words and words[0] == "\b":
        words = words[1:]
    for i, word in enumerate(words):
        if word.endswith(".") and (i == len(words) - 1 or not words[i + 1][:1].islower()):
            return " ".join(words[: i + 1])
    return " ".join(words)


def _finish(command: click.Command) -> None:
    """What every command gets, whichever module defines it: a short help that is never cut
    off, and sync-name completion on each ``syncs`` argument or option."""
    if not command.short_help and command.help:
        command.short_help = _first_sentence(command.help)
    for param in command.params:
        if param.name == "syncs" and getattr(param, "_custom_shell_complete", None) is None:
            param._custom_shell_complete = complete_syncs  # click's slot for shell_complete=
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _finish(sub)


def _register() -> None:
    import importlib

    for name in ("project", "sandbox", "plan", "apply", "adopt", "state", "run", "test"):
        try:
            module = importlib.import_module(f"onesync.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"onesync.cli.{name}":
                raise
            continue
        for command in getattr(module, "COMMANDS", ()):
            _finish(command)
            main.add_command(command)


_register()
