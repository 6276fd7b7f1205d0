"""``onesync run [--watch]``: apply the syncs that are due, by schedule and ``after:`` order."""

from __future__ import annotations

import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from onesync.apply.runner import ApplyInterrupted
from onesync.cli.apply import _load, _Progress, _summary
from onesync.cli.options import allow_outside_option, project_option
from onesync.cli.output import Terminated, echo
from onesync.render.plan import nothing_to_do
from onesync.run import RunStatus, SyncStatus, run_once, run_status


def _pass(project: Path, allow_outside: bool) -> int:
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    result = run_once(_load(project, allow_outside), progress=_Progress(sys.stdout.isatty()))
    if not result.due:
        echo(f"{started}: nothing due")
        return 0
    echo(f"{started}: due: {', '.join(result.due)}")
    if result.report is None:
        if result.plan is not None:
            echo(nothing_to_do(result.plan))
        else:
            echo("No changes. OneSignal is in step with the models.")
    else:
        _summary(result.report)
    return result.exit_code


def _at(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")


def _sync_line(s: SyncStatus) -> str:
    if s.schedule:
        how = f"schedule '{s.schedule}'"
    elif s.after:
        how = f"after {', '.join(s.after)}"
    else:
        how = "every run (no schedule, no after)"
    if s.last_run is None:
        last = "last run: never"
    else:
        last = f"last run {_at(s.last_run)}" + (f" ({s.last_outcome})" if s.last_outcome else "")
    if s.due and s.schedule:
        why = f"fired {_at(s.fired_at)}" if s.fired_at else "never ran"
        now = f"due now ({why})"
    elif s.due:
        now = f"due now (after {', '.join(s.after)})" if s.after else "due now"
    else:
        now = "not due" + ("" if s.schedule else " (none of those is due)")
    parts = [how, last, now]
    if s.schedule:
        parts.append(f"next run {_at(s.next_run)}" if s.next_run else "never fires again")
    return f"  {s.name}: " + "; ".join(parts)


def _dry_run(status: RunStatus) -> None:
    echo(f"{_at(status.now)}: dry run: nothing is planned, applied or recorded")
    for s in status.syncs:
        echo(_sync_line(s))
    echo(f"would run now: {', '.join(status.due)}" if status.due else "would run now: nothing")


@click.command()
@project_option
@allow_outside_option
@click.option("--watch", is_flag=True, help="Keep running: check for due syncs every minute.")
@click.option(
    "--interval",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds between checks.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show each sync's last and next run and what is due now; apply and record nothing.",
)
def run(project: Path, allow_outside: bool, watch: bool, interval: float, dry_run: bool) -> None:
    """Run the syncs that are due by `schedule:`, and those `after:` them, in order.

    Applies without asking (it is meant for cron jobs and CI). Exit code 0, or 3 when OneSignal
    rejected some rows. With --watch it runs until Ctrl-C (exit 0) or SIGTERM (exit 143); a
    signal during an apply first records what OneSignal confirmed. With --dry-run it only shows
    each sync's last and next run and what is due (exit 0): it reads no rows, sends nothing,
    and neither writes nor creates the state.
    """
    if dry_run:
        if watch:
            raise click.UsageError("--dry-run shows one pass; drop --watch")
        _dry_run(run_status(_load(project, allow_outside)))
        sys.exit(0)
    if not watch:
        sys.exit(_pass(project, allow_outside))
    try:
        while True:
            _pass(project, allow_outside)
            time.sleep(interval - time.time() % interval)
    except ApplyInterrupted as exc:
        echo(str(exc), err=True)
        term = exc.signum == signal.SIGTERM
    except Terminated:
        term = True
    except KeyboardInterrupt:
        term = False
    echo("stopped (SIGTERM)" if term else "stopped", err=term)
    sys.exit(143 if term else 0)


COMMANDS = [run]
