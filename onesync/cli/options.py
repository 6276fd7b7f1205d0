"""Options every command shares, the one way a command loads its project, and the shell
completion of sync names."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.shell_completion import CompletionItem

if TYPE_CHECKING:
    from onesync.model import Project


def complete_syncs(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Shell completion of SYNC arguments: the ``sync:`` names of the specs of the project that
    ``-p/--project`` names (or the current directory), minus those already on the line.

    It parses the spec files without validating them, so a project with mistakes still
    completes; it prints nothing and completes nothing when the project cannot be read.
    """
    try:
        from onesync.load import read_documents

        project = ctx.params.get("project") or Path(".")
        allow_outside = bool(ctx.params.get("allow_outside"))
        _, docs, *_ = read_documents(project, allow_outside=allow_outside)
        names = {d.data.get("sync") for d in docs if isinstance(d.data, dict)}
    except Exception:  # completion is best effort: never a traceback in the user's shell
        return []
    given = ctx.params.get(param.name or "") or ()
    return [
        CompletionItem(name)
        for name in sorted(n for n in names if isinstance(n, str))
        if name.startswith(incomplete) and name not in given
    ]


project_option = click.option(
    "-p",
    "--project",
    "project",
    default=".",
    show_default=True,
    type=click.Path(file_okay=True, dir_okay=True, path_type=Path),
    help="Project directory (holding onesync.yaml) or the onesync.yaml file.",
)

allow_outside_option = click.option(
    "--allow-outside",
    is_flag=True,
    help="Let specs: and model files point outside the project directory (refused by default, "
    "so a pull request cannot make CI read files from elsewhere).",
)

sample_option = click.option(
    "--sample",
    default=5,
    show_default=True,
    type=click.IntRange(min=0),
    help="Records shown per change type.",
)

lock_timeout_option = click.option(
    "--lock-timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds to wait for the state lock.",
)


syncs_argument = click.argument(
    "syncs", nargs=-1, metavar="[SYNC]...", shell_complete=complete_syncs
)


def load(project: Path, allow_outside: bool = False, *, offline: bool = False) -> Project:
    """The validated project (``SpecError`` with every problem at once); ``offline`` checks
    no source (apply of a saved plan opens none)."""
    from onesync.api import load_project

    return load_project(project, allow_outside=allow_outside, offline=offline)
