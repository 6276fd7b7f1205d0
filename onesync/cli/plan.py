"""``onesync plan``, ``onesync show`` and ``onesync state``: parse, one library call, render,
exit code."""

from __future__ import annotations

import os
from pathlib import Path

import click

from onesync.cli.options import (
    allow_outside_option,
    load,
    lock_timeout_option,
    project_option,
    sample_option,
)
from onesync.cli.output import echo
from onesync.errors import PlanError, StateError
from onesync.model import Project
from onesync.plan import Plan, make_plan, read_plan, write_plan
from onesync.render import render_json, render_markdown, render_text
from onesync.state import open_state, unlock_state


def _load(project: Path, allow_outside: bool = False) -> Project:
    return load(project, allow_outside)


def check_writable(path: Path, what: str) -> None:
    """Refuse before any work an output file whose folder is missing or not writable."""
    folder = path.parent
    if not folder.exists():
        raise PlanError(f"cannot write the {what} to {path}: folder {folder} does not exist")
    if not folder.is_dir():
        raise PlanError(f"cannot write the {what} to {path}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PlanError(f"cannot write the {what} to {path}: folder {folder} is not writable")


def _save(result: Plan, out: Path) -> None:
    try:
        write_plan(result, out)
    except OSError as exc:
        raise PlanError(f"cannot write the plan to {out}: {exc.strerror or exc}") from None


@click.command()
@project_option
@allow_outside_option
@click.argument("syncs", nargs=-1)
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the full plan (one Parquet file) for `onesync apply FILE`.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary (has_changes, counts).")
@click.option("--markdown", is_flag=True, help="Print Markdown, e.g. for a pull-request comment.")
@click.option("--mask", is_flag=True, help="Hide values and hash keys (no customer data shown).")
@click.option(
    "--allow-destructive",
    is_flag=True,
    help="Allow an empty model or unsetting more than state.max_destructive_share.",
)
@click.option(
    "--fail-on-invalid",
    is_flag=True,
    help="Exit 1 when any row or field is invalid (state.max_invalid_share is the default cap).",
)
@sample_option
@lock_timeout_option
@click.pass_context
def plan(
    ctx: click.Context,
    project: Path,
    allow_outside: bool,
    syncs: tuple[str, ...],
    out: Path | None,
    as_json: bool,
    markdown: bool,
    mask: bool,
    allow_destructive: bool,
    fail_on_invalid: bool,
    sample: int,
    lock_timeout: float,
) -> None:
    """Read, diff against state, and show every change; sends nothing.

    Exit code 0: no changes; 2: changes; 1: error, or a sync with more invalid rows than
    state.max_invalid_share (any invalid row with --fail-on-invalid; the plan is shown, not
    saved).
    """
    if as_json and markdown:
        raise click.UsageError("--json and --markdown cannot be combined")
    if out is not None:
        check_writable(out, "plan")
    result = make_plan(
        _load(project, allow_outside),
        syncs=syncs or None,
        allow_destructive=allow_destructive,
        lock_timeout=lock_timeout,
    )
    with result:
        _show(ctx, result, out, as_json, markdown, mask, fail_on_invalid, sample)


def _show(
    ctx: click.Context,
    result: Plan,
    out: Path | None,
    as_json: bool,
    markdown: bool,
    mask: bool,
    fail_on_invalid: bool,
    sample: int,
) -> None:
    bad = [s for s in result.syncs if s.tally("invalid_entries")] if fail_on_invalid else []
    if out is not None and not bad:
        _save(result, out)
    _render(result, as_json, markdown, mask, sample)
    if not (as_json or markdown) and out is not None and not bad:
        echo(f"Saved the plan to {out}; apply it with: onesync apply {out}")
    if bad:
        what = ", ".join(
            f"{s.name} ({s.invalid_count:,} rows, {s.counts['refused_fields']:,} fields)"
            for s in bad
        )
        raise PlanError(
            f"--fail-on-invalid: invalid rows or fields in sync {what}; fix them in the source"
            + ("; the plan was not saved" if out is not None else "")
        )
    ctx.exit(2 if result.has_changes else 0)


def _render(result: Plan, as_json: bool, markdown: bool, mask: bool, sample: int) -> None:
    if as_json:
        echo(render_json(result, sample, mask=mask), plain=True)
    elif markdown:
        echo(render_markdown(result, sample, mask=mask), plain=True)
    else:
        echo(render_text(result, sample, mask=mask))


@click.command("show")
@click.argument("plan_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the JSON summary.")
@click.option("--markdown", is_flag=True, help="Print Markdown, e.g. for a pull-request comment.")
@click.option("--mask", is_flag=True, help="Hide values and hash keys (no customer data shown).")
@sample_option
@click.pass_context
def show_plan(
    ctx: click.Context, plan_file: Path, as_json: bool, markdown: bool, mask: bool, sample: int
) -> None:
    """Render a saved plan file; reads only the file (no project, source or state).

    Exit code 0: the plan has no changes; 2: it has changes; 1: not a plan file.
    """
    if as_json and markdown:
        raise click.UsageError("--json and --markdown cannot be combined")
    with read_plan(plan_file) as saved:
        _render(saved, as_json, markdown, mask, sample)
        if not (as_json or markdown):
            echo(
                f"(plan made {saved.created_at} by {saved.created_by}, state serial "
                f"{saved.state_serial}; apply it with: onesync apply {plan_file})"
            )
        ctx.exit(2 if saved.has_changes else 0)


@click.group()
def state() -> None:
    """Inspect the state store or clear a stuck lock."""


def _no_state(p: Project) -> Path | None:
    """The DuckDB state file when it does not exist yet (nothing applied), else None."""
    if p.state.backend != "duckdb":
        return None
    path = Path(p.state.url)
    path = path if path.is_absolute() else p.root / path
    return None if path.exists() else path


@state.command()
@project_option
@allow_outside_option
@click.option("--force", is_flag=True, help="Break a lock whose holder is still alive (stuck).")
def unlock(project: Path, allow_outside: bool, force: bool) -> None:
    """Clear the state lock left by a crashed or stuck run."""
    p = _load(project, allow_outside)
    missing = _no_state(p)
    if missing is not None and not missing.with_name(missing.name + ".lock").exists():
        raise StateError(
            f"no state store at {missing}: nothing to unlock (it is created by the first plan "
            "or apply; check --project and state.url)"
        )
    info = unlock_state(p.state, p.root, force=force)
    echo(f"unlocked (was held by {info})" if info else "the state was not locked")


@state.command()
@project_option
@allow_outside_option
def show(project: Path, allow_outside: bool) -> None:
    """Print the state's serial and what it holds per sync."""
    p = _load(project, allow_outside)
    missing = _no_state(p)
    if missing is not None:  # reading must not create it
        echo(f"no state store at {missing} yet: nothing was planned or applied")
        return
    with open_state(p.state, p.root, lock=False) as st:
        click.echo(f"state {st.where}: serial {st.serial}, lineage {st.lineage}")
        for name, rows, sent in st.summary():
            echo(f"  {name}: {rows:,} users, {sent:,} keys sent or seen")


COMMANDS = [plan, show_plan, state]
