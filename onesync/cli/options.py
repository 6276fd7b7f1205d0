"""Options every command shares."""

from __future__ import annotations

from pathlib import Path

import click

project_option = click.option(
    "-p", "--project", "project", default=".", show_default=True,
    type=click.Path(file_okay=True, dir_okay=True, path_type=Path),
    help="Project directory (holding onesync.yaml) or the onesync.yaml file.",
)  # fmt: skip
