"""``onesync import``: parse, one library call (``onesync.adopt.import_state``), print, exit."""

from __future__ import annotations

from pathlib import Path

import click

from onesync.adopt import import_state
from onesync.cli.options import allow_outside_option, load, lock_timeout_option, project_option
from onesync.cli.output import echo


@click.command("import")
@project_option
@allow_outside_option
@click.argument("syncs", nargs=-1)
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A .csv.gz exported from the dashboard (with external_user_id), instead of asking "
    "OneSignal for one.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=3600.0,
    show_default=True,
    help="Seconds to wait for OneSignal to generate the export.",
)
@click.option(
    "--poll",
    type=click.FloatRange(min=0.01),
    default=10.0,
    show_default=True,
    help="Seconds between checks that the export is ready.",
)
@lock_timeout_option
def import_(
    project: Path,
    allow_outside: bool,
    syncs: tuple[str, ...],
    file: Path | None,
    timeout: float,
    poll: float,
    lock_timeout: float,
) -> None:
    """Seed the state of profile syncs from OneSignal's CSV export, so the next plan shows only
    drift.

    For an app that already has users: every user of a model that OneSignal holds is recorded
    with the tags and email/SMS subscriptions OneSignal has for it. Run it again later to
    refresh: the plan then shows what changed in OneSignal outside onesync. See docs/adopt.md.
    """
    p = load(project, allow_outside)
    report = import_state(
        p,
        syncs,
        file=file,
        progress=lambda line: echo(line, err=True),
        timeout=timeout,
        poll=poll,
        lock_timeout=lock_timeout,
    )
    for line in report.lines():
        echo(line)


COMMANDS = (import_,)
