"""Options every command shares, and the one way a command loads its project."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from onesync.model import Project

project_option = click.option(
    "-p", "--project", "project", default=".", show_default=True,
    type=click.Path(file_okay=True, dir_okay=True, path_type=Path),
    help="Project directory (holding onesync.yaml) or the onesync.yaml file.",
)  # fmt: skip

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


def load(project: Path, allow_outside: bool = False) -> Project:
    """The validated project (``SpecError`` with every problem at once)."""
    from onesync.api import load_project

    return load_project(project, allow_outside=allow_outside)
