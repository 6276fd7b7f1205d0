"""``onesync apply`` and ``onesync export``: parse, one library call, render, exit code."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import click

from onesync.apply import ApplyReport, ProgressUpdate, apply_plan, export_csv, plan_and_apply
from onesync.cli.options import (
    allow_outside_option,
    load,
    lock_timeout_option,
    project_option,
    sample_option,
)
from onesync.cli.output import Terminated, counted, echo
from onesync.errors import OnesyncError, PlanError
from onesync.escape import dumps
from onesync.model import Project
from onesync.plan import Plan, make_plan, read_plan
from onesync.render import render_text
from onesync.render.plan import nothing_to_do
from onesync.state import open_state

_lock_timeout = lock_timeout_option
SHOW_REJECTED = 50


def _load(project: Path, allow_outside: bool = False, offline: bool = False) -> Project:
    return load(project, allow_outside, offline=offline)


def _ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _secs(seconds: float | None) -> str:
    if seconds is None:
        return "--"
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class _Progress:
    """A ``\\r``-updated line per sync on a terminal; one ``key=value`` line per sync otherwise."""

    def __init__(self, tty: bool, err: bool = False) -> None:
        self.tty = tty
        self.err = err  # with --json, stdout carries the JSON report only
        self.width = 0

    def __call__(self, u: ProgressUpdate) -> None:
        if not self.tty:
            if u.final and u.report is not None:
                echo(u.report.line(), err=self.err)
            return
        pct = f"{100 * u.done / u.total:3.0f}%" if u.total else "100%"
        text = (
            f"{u.sync}: {u.done:,}/{u.total:,} {pct}  {u.rate:,.0f}/s  "
            f"{'done in ' + _secs(u.elapsed) if u.final else 'eta ' + _secs(u.eta)}"
        )
        echo("\r" + text.ljust(self.width), nl=u.final, err=self.err)
        self.width = 0 if u.final else len(text)


def _summary(report: ApplyReport) -> None:
    t = report.totals
    echo(
        f"Apply complete: {t['sent']:,} sent, {t['unchanged']:,} unchanged, "
        f"{t['invalid']:,} invalid, {t['rejected']:,} rejected, {t['retried']:,} retried "
        f"({report.seconds:.1f}s)."
    )
    rejected = report.rejected
    if rejected:
        echo(
            f"OneSignal rejected {counted(len(rejected), 'row')} (not recorded; tried again "
            "next run):"
        )
        for r in rejected[:SHOW_REJECTED]:
            echo(f"  ! {r}")  # Rejected escapes its key and reason
        if len(rejected) > SHOW_REJECTED:
            echo(f"  ... and {len(rejected) - SHOW_REJECTED:,} more (see --json)")
    for s in report.syncs:
        for m in s.missed[:SHOW_REJECTED]:
            echo(f"  note: message for {m} (sent to the others)")


def _nothing(message: str, as_json: bool) -> None:
    echo(message, err=as_json)
    if as_json:
        echo(dumps(ApplyReport().to_json()))


def _confirm_plan(yes: bool, sample: int, err: bool) -> Callable[[Plan], bool]:
    def confirm(plan: Plan) -> bool:
        echo(render_text(plan, sample), err=err)
        if yes or _ci():
            return True
        if not sys.stdin.isatty():
            raise PlanError(
                "apply needs a confirmation but stdin is not a terminal; pass --yes (or set "
                "CI=true), or save a plan with `onesync plan -o plan.json` and run "
                "`onesync apply plan.json`"
            )
        return click.confirm("Apply these changes?", default=False)

    return confirm


@click.command()
@project_option
@allow_outside_option
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sync", "syncs", multiple=True, help="Only this sync (repeatable; no plan file).")
@click.option("-y", "--yes", is_flag=True, help="Apply without asking (also when CI=true).")
@click.option(
    "--allow-destructive",
    is_flag=True,
    help="Allow an empty model or unsetting more than state.max_destructive_share.",
)
@click.option(
    "--verify-source",
    is_flag=True,
    help="With PLAN_FILE: read the models again and refuse the plan if their rows changed.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON at the end.")
@sample_option
@_lock_timeout
@click.pass_context
def apply(
    ctx: click.Context,
    project: Path,
    allow_outside: bool,
    plan_file: Path | None,
    syncs: tuple[str, ...],
    yes: bool,
    allow_destructive: bool,
    verify_source: bool,
    as_json: bool,
    sample: int,
    lock_timeout: float,
) -> None:
    """Apply a saved plan (refused if stale), or plan, show, confirm and apply.

    A saved plan is applied from the file and the state alone: no source is opened, and it is
    refused when the specs, the destination or the state changed since it was made.

    Without PLAN_FILE the plan is shown and a confirmation asked; --yes or CI=true skip the
    question, and without a terminal on stdin apply refuses rather than apply unseen.
    Exit code 0: applied (or nothing to do); 3: some rows rejected by OneSignal; 1: error (also
    a refused API key, an untrusted TLS certificate or an unknown API host: apply stops at
    once); 130/143: stopped by SIGINT/SIGTERM after recording what OneSignal confirmed.
    """
    try:
        _apply(
            ctx,
            project,
            allow_outside,
            plan_file,
            syncs,
            yes,
            allow_destructive,
            verify_source,
            as_json,
            sample,
            lock_timeout,
        )
    except (KeyboardInterrupt, Terminated) as exc:  # outside the send loop (see runner)
        term = isinstance(exc, Terminated)
        echo(
            f"\n{'terminated (SIGTERM)' if term else 'interrupted'}: apply stopped; what "
            "OneSignal confirmed is recorded in state; run apply again to send the rest",
            err=True,
        )
        ctx.exit(128 + (signal.SIGTERM if term else signal.SIGINT))


def _read_plan(path: Path) -> Plan:
    """``read_plan``, with any damage to the file's structure reported as a PlanError."""
    try:
        return read_plan(path)
    except OnesyncError:
        raise
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise PlanError(
            f"{path}: plan file is damaged ({type(exc).__name__}: {exc}); make a new plan with "
            "`onesync plan -o FILE`"
        ) from None


def _apply(
    ctx: click.Context,
    project: Path,
    allow_outside: bool,
    plan_file: Path | None,
    syncs: tuple[str, ...],
    yes: bool,
    allow_destructive: bool,
    verify_source: bool,
    as_json: bool,
    sample: int,
    lock_timeout: float,
) -> None:
    # a saved plan is applied from the plan and the state: no source is opened (nor checked)
    p = _load(project, allow_outside, offline=plan_file is not None and not verify_source)
    out = sys.stderr if as_json else sys.stdout
    progress = _Progress(out.isatty() and not _ci(), err=as_json)
    if plan_file is not None:
        if syncs or allow_destructive:
            raise click.UsageError(
                "--sync and --allow-destructive are for planning; a plan file is applied as is"
            )
        with _read_plan(plan_file) as plan:
            if not plan.has_changes:
                text = nothing_to_do(plan)
                if text.startswith("No changes."):
                    text = "No changes. The plan has nothing to apply."
                _nothing(text, as_json)
                ctx.exit(0)
            report: ApplyReport | None = apply_plan(
                plan,
                p,
                progress=progress,
                lock_timeout=lock_timeout,
                verify_source=verify_source,
            )
    else:
        if verify_source:
            raise click.UsageError("--verify-source is for a saved plan (PLAN_FILE)")
        plan, report = plan_and_apply(
            p,
            syncs=syncs or None,
            allow_destructive=allow_destructive,
            progress=progress,
            confirm=_confirm_plan(yes, sample, as_json),
            lock_timeout=lock_timeout,
        )
        if report is None:
            cancelled = "Apply cancelled; nothing was sent."
            _nothing(nothing_to_do(plan) if not plan.has_changes else cancelled, as_json)
            ctx.exit(0)
    assert report is not None
    if as_json:
        echo(dumps(report.to_json()))
    else:
        _summary(report)
    ctx.exit(report.exit_code)


@click.command()
@project_option
@allow_outside_option
@click.argument("syncs", nargs=-1)
@click.option(
    "--csv",
    "csv_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write one OneSignal import file per profile sync (<sync>.csv).",
)
@click.option(
    "--allow-destructive",
    is_flag=True,
    help="Allow an empty model or unsetting more than state.max_destructive_share.",
)
@_lock_timeout
def export(
    project: Path,
    allow_outside: bool,
    syncs: tuple[str, ...],
    csv_dir: Path,
    allow_destructive: bool,
    lock_timeout: float,
) -> None:
    """Write the planned user changes as OneSignal CSV import files; sends nothing.

    Import them in the dashboard; tick "Delete tags for empty cells" so that tags onesync would
    unset are removed. The state is not advanced.
    """
    _check_folder(csv_dir)
    p = _load(project, allow_outside)
    with (
        open_state(p.state, p.root, lock_timeout=lock_timeout) as state,
        make_plan(p, syncs=syncs or None, allow_destructive=allow_destructive, state=state) as plan,
    ):
        result = export_csv(plan, p, csv_dir, state=state)
    for name, path, rows in result.files:
        echo(f"{name}: {rows:,} users -> {path}")
    if not result.files:
        echo("No user changes to export.")
    for r in result.skipped:
        echo(f"  skipped {r}")
    for name in result.not_exported:
        echo(
            f"  {name}: no CSV import (events, messages and users not named by external_id); "
            "use apply"
        )


def _check_folder(folder: Path) -> None:
    """Refuse before planning a --csv folder that cannot be created or written."""
    from onesync.apply.export import ExportError

    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ExportError(f"cannot write the CSV files to {folder}: {probe} is not a folder")
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write the CSV files to {folder}: {probe} is not writable")


COMMANDS = [apply, export]
