"""``onesync plan`` and ``onesync state unlock``: parse, one library call, render, exit code."""

from __future__ import annotations

from pathlib import Path

import click

from onesync.cli.options import project_option
from onesync.plan import make_plan, write_plan
from onesync.render import render_json, render_markdown, render_text
from onesync.state import open_state, unlock_state


def _load(project: Path):  # noqa: ANN202 - the Project of the loader
    from onesync.api import load_project

    return load_project(project)


@click.command()
@project_option
@click.argument("syncs", nargs=-1)
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the full plan (versioned JSON) for `onesync apply FILE`.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary (has_changes, counts).")
@click.option("--markdown", is_flag=True, help="Print Markdown, e.g. for a pull-request comment.")
@click.option(
    "--allow-destructive",
    is_flag=True,
    help="Allow an empty model or unsetting more than state.max_destructive_share.",
)
@click.option("--sample", default=5, show_default=True, help="Records shown per change type.")
@click.option(
    "--lock-timeout", default=10.0, show_default=True, help="Seconds to wait for the state lock."
)  # noqa: E501
@click.pass_context
def plan(
    ctx: click.Context,
    project: Path,
    syncs: tuple[str, ...],
    out: Path | None,
    as_json: bool,
    markdown: bool,
    allow_destructive: bool,
    sample: int,
    lock_timeout: float,
) -> None:
    """Read, diff against state, and show every change; sends nothing.

    Exit code 0: no changes; 2: changes; 1: error.
    """  # fmt: skip
    if as_json and markdown:
        raise click.UsageError("--json and --markdown cannot be combined")
    result = make_plan(
        _load(project), syncs=syncs or None, allow_destructive=allow_destructive,
        lock_timeout=lock_timeout,
    )  # fmt: skip
    if out is not None:
        write_plan(result, out)
    if as_json:
        click.echo(render_json(result, sample))
    elif markdown:
        click.echo(render_markdown(result, sample))
    else:
        click.echo(render_text(result, sample))
        if out is not None:
            click.echo(f"Saved the plan to {out}; apply it with: onesync apply {out}")
    ctx.exit(2 if result.has_changes else 0)


@click.group()
def state() -> None:
    """Inspect the state store or clear a stuck lock."""


@state.command()
@project_option
@click.option("--force", is_flag=True, help="Break a lock whose holder is still alive (stuck).")
def unlock(project: Path, force: bool) -> None:
    """Clear the state lock left by a crashed or stuck run."""
    p = _load(project)
    info = unlock_state(p.state, p.root, force=force)
    click.echo(f"unlocked (was held by {info})" if info else "the state was not locked")


@state.command()
@project_option
def show(project: Path) -> None:
    """Print the state's serial and what it holds per sync."""
    p = _load(project)
    with open_state(p.state, p.root, lock=False) as st:
        click.echo(f"state {st.where}: serial {st.serial}, lineage {st.lineage}")
        for name, rows, sent in st.summary():
            click.echo(f"  {name}: {rows:,} users, {sent:,} keys sent or seen")


COMMANDS = [plan, state]
