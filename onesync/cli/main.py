"""The ``onesync`` click group and the one place errors become exit codes."""

from __future__ import annotations

import sys
from typing import Any

import click

from onesync.errors import OnesyncError


class OnesyncGroup(click.Group):
    """Turns every OnesyncError into its message on stderr and its exit code; no tracebacks.

    Exit code 2 means "changes" (like ``terraform plan -detailed-exitcode``), so click's usage
    errors, which it would exit with 2, exit with 1 like every other user error.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.ClickException as exc:
            exc.show()
            sys.exit(1)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OnesyncError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(str(exc), err=True)
            sys.exit(exc.exit_code)


@click.group(cls=OnesyncGroup)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Keep OneSignal in step with your database: plan, then apply."""
    ctx.obj = {"debug": debug}


def _register() -> None:
    import importlib

    for name in ("project", "sandbox", "plan", "apply", "state", "run"):
        try:
            module = importlib.import_module(f"onesync.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"onesync.cli.{name}":
                raise
            continue
        for command in getattr(module, "COMMANDS", ()):
            main.add_command(command)


_register()
