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
from onesync.run import run_once


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
def run(project: Path, allow_outside: bool, watch: bool, interval: float) -> None:
    """Run the syncs that are due by `schedule:`, and those `after:` them, in order.

    Applies without asking (it is meant for cron jobs and CI). Exit code 0, or 3 when OneSignal
    rejected some rows. With --watch it runs until Ctrl-C (exit 0) or SIGTERM (exit 143); a
    signal during an apply first records what OneSignal confirmed.
    """
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
