"""Commands that work on the specs alone: init, validate, compile, and the demo."""

from __future__ import annotations

from pathlib import Path

import click

from onesync import api

project_option = click.option(
    "-p", "--project", "project", default=".", show_default=True,
    type=click.Path(file_okay=True, dir_okay=True, path_type=Path),
    help="Project directory (holding onesync.yaml) or the onesync.yaml file.",
)  # fmt: skip


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Scaffold a project that runs against an embedded DuckDB demo database."""
    written = api.init_project(directory)
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && onesync validate && onesync plan")


@click.command()
@project_option
@click.option("--offline", is_flag=True, help="Do not connect to sources; skip catalogue checks.")
def validate(project: Path, offline: bool) -> None:
    """Load and check every spec; nothing is read from any database."""
    result = api.validate(project, offline=offline)
    for reason in result.skipped:
        click.echo(f"skipped: {reason}")
    n = len(result.project.syncs)
    click.echo(f"ok: {n} sync{'s' if n != 1 else ''} valid ({len(result.project.sources)} sources)")


@click.command(name="compile")
@project_option
@click.argument("syncs", nargs=-1)
@click.option("--dialect", help="Write the SQL in this dialect instead of the source's.")
@click.option("--offline", is_flag=True, help="Do not connect to sources.")
def compile_(project: Path, syncs: tuple[str, ...], dialect: str | None, offline: bool) -> None:
    """Print the SQL that each sync will run, in its source's dialect."""
    for compiled in api.compile_project(project, syncs, dialect=dialect, offline=offline):
        click.echo(f"-- sync: {compiled.sync.name} ({compiled.dialect}, {compiled.sync.file})")
        click.echo(compiled.sql + ";\n")


COMMANDS = [init, validate, compile_]
