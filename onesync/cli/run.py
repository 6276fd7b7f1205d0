"""``onesync run [--watch]``: apply the syncs that are due, by schedule and ``after:`` order."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from onesync.cli.apply import _load, _Progress, _summary
from onesync.cli.options import project_option
from onesync.run import run_once


def _pass(project: Path) -> int:
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    result = run_once(_load(project), progress=_Progress(sys.stdout.isatty()))
    if not result.due:
        click.echo(f"{started}: nothing due")
        return 0
    click.echo(f"{started}: due: {', '.join(result.due)}")
    if result.report is None:
        click.echo("No changes. OneSignal is in step with the models.")
    else:
        _summary(result.report)
    return result.exit_code


@click.command()
@project_option
@click.option("--watch", is_flag=True, help="Keep running: check for due syncs every minute.")
@click.option("--interval", default=60.0, show_default=True, help="Seconds between checks.")
def run(project: Path, watch: bool, interval: float) -> None:
    """Run the syncs that are due by `schedule:`, and those `after:` them, in order.

    Applies without asking (it is meant for cron jobs and CI). Exit code 0, or 3 when OneSignal
    rejected some rows. With --watch it runs until Ctrl-C.
    """
    if not watch:
        sys.exit(_pass(project))
    try:
        while True:
            _pass(project)
            time.sleep(interval - time.time() % interval)
    except KeyboardInterrupt:
        click.echo("stopped")


COMMANDS = [run]
